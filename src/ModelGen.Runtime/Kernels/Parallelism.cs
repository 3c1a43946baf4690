// The kernels' thread count (a process-wide default, overridden per calling thread by a scope) and the persistent
// worker pool behind it: background threads that sleep on an event between jobs; a job is a static function pointer,
// a pointer to the caller's stack-held description and a part count, so dispatching one allocates nothing. Parts are
// fixed ranges chosen by the kernel, never by timing.
using System;
using System.Threading;

namespace ModelGen.Kernels
{
    /// <summary>
    /// How many threads the kernels may use, at three levels: the process-wide default <see cref="ThreadCount"/>; a
    /// scope from <see cref="Use"/>, which overrides it for the calling thread only; and a generated model's own
    /// <c>ThreadCount</c> property, which opens such a scope around each of its public calls. The default, 1, runs every
    /// kernel on the calling thread with no hand-off. With more, large matrix products split their output rows into
    /// fixed contiguous ranges, each computed with the single-thread summation order, so results are bitwise identical
    /// for every thread count.
    /// </summary>
    public static unsafe class Parallelism
    {
        private static readonly object Gate = new();

        // Spins before an event blocks. A kernel dispatches jobs back to back (a convolution: one to three per sample,
        // each 0.1 ms or less), and waking a blocked thread costs tens of microseconds, so waiting threads spin for
        // about that long first; idle for longer, they block.
        private const int SpinCount = 1000;
        private static int threadCount = 1;

        // The calling thread's override from Use, 0 when none (then the default applies).
        [ThreadStatic]
        private static int scopedThreadCount;

        // The default when the pool was last resized to one call's need; a change of the default lets the next parallel
        // call shrink the pool (written only by the owner of `busy`).
        private static int poolDefault = 1;

        // 0 while no job runs; a caller that finds it taken (another thread's job, or a job started from a part) runs
        // its own parts inline instead of waiting.
        private static int busy;

        private static Worker[] workers = Array.Empty<Worker>();

        // The current job, written by the owner of `busy` before any worker is woken.
        private static delegate*<void*, int, void> jobBody;
        private static void* jobContext;
        private static int jobParts;
        private static int nextPart;
        private static int pending;
        private static readonly ManualResetEventSlim JobDone = new(false, SpinCount);

        // Jobs handed to at least one worker since the process started: lets tests prove the parallel path ran.
        private static long jobsShared;

        /// <summary>The number of jobs that woke at least one worker so far.</summary>
        internal static long JobsShared => Interlocked.Read(ref jobsShared);

        /// <summary>The workers the pool holds now (started, parked or busy): lets tests check when it grows and shrinks.</summary>
        internal static int WorkerCount => Volatile.Read(ref workers).Length;

        /// <summary>
        /// The process-wide default number of threads a kernel may use, the caller included: 1 (the default) to
        /// <c>Environment.ProcessorCount * 4</c>. It applies on every thread that has no <see cref="Use"/> scope open (a
        /// generated model whose <c>ThreadCount</c> is 0 opens none). Raising it starts the missing workers on the next
        /// parallel kernel call; after it is lowered, the next parallel call stops the workers that call does not need
        /// (at 1 a thread without a scope makes no parallel call, so idle workers stay parked). The pool is shared by all
        /// threads: a kernel called while another thread's kernel holds the pool runs on its own thread (same results,
        /// no waiting).
        /// </summary>
        /// <exception cref="ArgumentOutOfRangeException">The value is below 1 or above <c>Environment.ProcessorCount * 4</c>.</exception>
        public static int ThreadCount
        {
            get => Volatile.Read(ref threadCount);
            set
            {
                int max = Environment.ProcessorCount * 4;
                if (value < 1 || value > max)
                {
                    throw new ArgumentOutOfRangeException(nameof(ThreadCount), value,
                        $"{nameof(ThreadCount)} must be between 1 and {max} (4 x the {Environment.ProcessorCount} logical processors), but is {value}.");
                }
                Volatile.Write(ref threadCount, value);
            }
        }

        /// <summary>
        /// Until the returned scope is disposed, kernels called on this thread use <paramref name="threadCount"/>
        /// threads (the caller included) instead of <see cref="ThreadCount"/>; other threads keep theirs. 0 overrides
        /// nothing: the scope does nothing and an outer scope (or the default) stays in force. Scopes nest: disposing one
        /// restores the count that was in force when it was opened, so dispose them on the opening thread, innermost
        /// first (<c>using</c> does both). Opening and disposing a scope allocate nothing. Results are bitwise the same
        /// as with <see cref="ThreadCount"/> set to the same number.
        /// </summary>
        /// <param name="threadCount">0 (no override) to <c>Environment.ProcessorCount * 4</c>.</param>
        /// <returns>The scope; dispose it to restore the previous count.</returns>
        /// <exception cref="ArgumentOutOfRangeException"><paramref name="threadCount"/> is below 0 or above <c>Environment.ProcessorCount * 4</c>.</exception>
        public static ThreadScope Use(int threadCount)
        {
            int max = Environment.ProcessorCount * 4;
            if (threadCount < 0 || threadCount > max)
            {
                throw new ArgumentOutOfRangeException(nameof(threadCount), threadCount,
                    $"{nameof(threadCount)} must be between 0 (no override) and {max} (4 x the {Environment.ProcessorCount} logical processors), but is {threadCount}.");
            }
            if (threadCount == 0)
            {
                return default;
            }
            int previous = scopedThreadCount;
            scopedThreadCount = threadCount;
            return new ThreadScope(previous);
        }

        /// <summary>Puts back the override a scope replaced (0: none); called by <see cref="ThreadScope.Dispose"/>.</summary>
        internal static void Restore(int previous) => scopedThreadCount = previous;

        /// <summary>The calling thread's effective thread count: its innermost <see cref="Use"/> scope, else <see cref="ThreadCount"/>.</summary>
        internal static int Current
        {
            get
            {
                int scoped = scopedThreadCount;
                return scoped != 0 ? scoped : Volatile.Read(ref threadCount);
            }
        }

        /// <summary>
        /// Runs <c>body(context, part)</c> once for every part in [0, <paramref name="parts"/>), on the calling thread
        /// and on up to <c>Current - 1</c> workers, and returns when all have finished. <paramref name="context"/>
        /// must stay valid until then (the caller's stack is). A part must not throw: the caller validates first.
        /// </summary>
        internal static void Run(delegate*<void*, int, void> body, void* context, int parts)
        {
            int threads = Current;
            int helpers = Math.Min(parts, threads) - 1;
            if (helpers <= 0 || Interlocked.CompareExchange(ref busy, 1, 0) != 0)
            {
                for (int part = 0; part < parts; part++) body(context, part);
                return;
            }

            try
            {
                Worker[] pool = EnsureWorkers(threads - 1);
                helpers = Math.Min(helpers, pool.Length);
                jobBody = body;
                jobContext = context;
                jobParts = parts;
                nextPart = 0;
                pending = helpers + 1;
                JobDone.Reset();
                jobsShared++;
                for (int i = 0; i < helpers; i++) pool[i].Wake.Set();

                if (Work())
                {
                    return;
                }
                JobDone.Wait();
            }
            finally
            {
                jobBody = null;
                jobContext = null;
                Volatile.Write(ref busy, 0);
            }
        }

        /// <summary>Claims and runs parts until none is left; true when this was the last participant to finish.</summary>
        private static bool Work()
        {
            int part;
            while ((part = Interlocked.Increment(ref nextPart) - 1) < jobParts)
            {
                jobBody(jobContext, part);
            }
            return Interlocked.Decrement(ref pending) == 0;
        }

        /// <summary>
        /// Makes the pool hold at least the <paramref name="count"/> workers this call needs; called only by the owner of
        /// the pool. It keeps the largest count any call has needed, so that callers with different counts (a 4-thread
        /// training scope beside 2-thread calls) never stop and restart threads between calls; only the first call after
        /// the default <see cref="ThreadCount"/> changes resizes it to exactly its own need, which may stop workers.
        /// </summary>
        private static Worker[] EnsureWorkers(int count)
        {
            Worker[] current = workers;
            int defaultCount = Volatile.Read(ref threadCount);
            if (defaultCount == poolDefault ? current.Length >= count : current.Length == count)
            {
                poolDefault = defaultCount;
                return current;
            }
            poolDefault = defaultCount;
            lock (Gate)
            {
                var resized = new Worker[count];
                for (int i = 0; i < count; i++)
                {
                    resized[i] = i < current.Length ? current[i] : new Worker(i + 1);
                }
                for (int i = count; i < current.Length; i++)
                {
                    current[i].Stop();
                }
                workers = resized;
                return resized;
            }
        }

        /// <summary>One background thread that sleeps on its own event until a job (or a stop) wakes it.</summary>
        private sealed class Worker
        {
            internal readonly ManualResetEventSlim Wake = new(false, SpinCount);
            private volatile bool stopping;

            internal Worker(int index)
            {
                var thread = new Thread(Loop) { IsBackground = true, Name = $"ModelGen kernel worker {index}" };
                thread.Start();
            }

            internal void Stop()
            {
                stopping = true;
                Wake.Set();
            }

            private void Loop()
            {
                while (true)
                {
                    // ManualResetEventSlim spins briefly, then blocks in the kernel: an idle worker costs no CPU.
                    Wake.Wait();
                    Wake.Reset();
                    if (stopping)
                    {
                        return;
                    }
                    if (Work())
                    {
                        JobDone.Set();
                    }
                }
            }
        }
    }

    /// <summary>
    /// A thread count in force on one thread until disposed, from <see cref="Parallelism.Use"/>. A value type with no
    /// allocation; <c>default</c> (and the scope of <c>Use(0)</c>) changes nothing and restores nothing.
    /// </summary>
    public readonly struct ThreadScope : IDisposable
    {
        // The calling thread's override before this scope opened (0: none); meaningful only when active.
        private readonly int previous;
        private readonly bool active;

        internal ThreadScope(int previous)
        {
            this.previous = previous;
            active = true;
        }

        /// <summary>Restores the thread count that was in force on this thread when the scope was opened.</summary>
        public void Dispose()
        {
            if (active)
            {
                Parallelism.Restore(previous);
            }
        }
    }
}
