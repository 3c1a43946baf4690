// The kernels' thread count and the persistent worker pool behind it: ThreadCount - 1 background threads that sleep
// on an event between jobs; a job is a static function pointer, a pointer to the caller's stack-held description and
// a part count, so dispatching one allocates nothing. Parts are fixed ranges chosen by the kernel, never by timing.
using System;
using System.Threading;

namespace ModelGen.Kernels
{
    /// <summary>
    /// How many threads the kernels may use. The default, 1, runs every kernel on the calling thread with no hand-off.
    /// With more, large matrix products split their output rows into fixed contiguous ranges, each computed with the
    /// single-thread summation order, so results are bitwise identical for every thread count.
    /// </summary>
    public static unsafe class Parallelism
    {
        private static readonly object Gate = new();

        // Spins before an event blocks. A kernel dispatches jobs back to back (a convolution: one to three per sample,
        // each 0.1 ms or less), and waking a blocked thread costs tens of microseconds, so waiting threads spin for
        // about that long first; idle for longer, they block.
        private const int SpinCount = 1000;
        private static int threadCount = 1;

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

        /// <summary>
        /// The number of threads a kernel may use, the caller included: 1 (the default) to
        /// <c>Environment.ProcessorCount * 4</c>. Raising it starts the missing workers on the next parallel kernel call;
        /// lowering it stops the extra ones on the next parallel call (at 1 there is none, so idle workers stay parked). The pool is shared by all threads: a kernel called while another thread's
        /// kernel holds the pool runs on its own thread (same results, no waiting).
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
        /// Runs <c>body(context, part)</c> once for every part in [0, <paramref name="parts"/>), on the calling thread
        /// and on up to <c>ThreadCount - 1</c> workers, and returns when all have finished. <paramref name="context"/>
        /// must stay valid until then (the caller's stack is). A part must not throw: the caller validates first.
        /// </summary>
        internal static void Run(delegate*<void*, int, void> body, void* context, int parts)
        {
            int helpers = Math.Min(parts, ThreadCount) - 1;
            if (helpers <= 0 || Interlocked.CompareExchange(ref busy, 1, 0) != 0)
            {
                for (int part = 0; part < parts; part++) body(context, part);
                return;
            }

            try
            {
                Worker[] pool = EnsureWorkers(ThreadCount - 1);
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

        /// <summary>Grows or shrinks the pool to <paramref name="count"/> workers; called only by the owner of the pool.</summary>
        private static Worker[] EnsureWorkers(int count)
        {
            Worker[] current = workers;
            if (current.Length == count)
            {
                return current;
            }
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
}
