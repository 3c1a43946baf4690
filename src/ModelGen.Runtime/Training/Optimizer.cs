// The contract between generated TrainStep methods and the optimizers: validation, slot state, clipping and the
// learning rate live here once; each optimizer only writes its fused, vectorized update of one range. With
// Parallelism.Current above 1 (the calling thread's count), large element-wise passes (clip by value, the norm's
// rescale, the built-in updates) run as fixed 64-aligned chunks of each range on the worker pool; the global norm's sum stays on one thread, in order.
using System;
using System.Collections.Generic;
using System.Globalization;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.X86;
using ModelGen.Kernels;

namespace ModelGen
{
    /// <summary>
    /// Updates a model's parameter arena from its gradient arena, one step per call, as TensorFlow 1.x's
    /// <c>tf.train.Optimizer.apply_gradients</c> with a <c>global_step</c>. Per-parameter state ("slots", TensorFlow's
    /// name) is one arena-sized array per slot, allocated once by <see cref="Bind"/>; after that <see cref="Apply"/>
    /// allocates nothing.
    /// </summary>
    public abstract class Optimizer
    {
        private readonly string[] slotNames;
        private float[][]? slots;
        private double learningRate;
        private double clipValue;
        private double clipNorm;
        private long iterations;

        /// <summary>Creates an optimizer with the base <paramref name="learningRate"/> and the named per-parameter slots.</summary>
        /// <param name="learningRate">The base learning rate, positive and finite.</param>
        /// <param name="slotNames">The names of the slots, in the order <see cref="GetSlot"/> indexes them (TensorFlow's slot names where it has them).</param>
        protected Optimizer(double learningRate, params string[] slotNames)
        {
            ArgumentNullException.ThrowIfNull(slotNames);
            RequireLearningRate(learningRate, nameof(learningRate));
            this.learningRate = learningRate;
            this.slotNames = (string[])slotNames.Clone();
        }

        /// <summary>The base learning rate (positive and finite); a <see cref="Schedule"/> derives the rate of each step from it.</summary>
        public double LearningRate
        {
            get => learningRate;
            set
            {
                RequireLearningRate(value, nameof(LearningRate));
                learningRate = value;
            }
        }

        /// <summary>How the rate changes with <see cref="Iterations"/>; null keeps <see cref="LearningRate"/> constant.</summary>
        public LearningRateSchedule? Schedule { get; set; }

        /// <summary>
        /// When positive, each trainable gradient element is clipped to <c>[-ClipValue, ClipValue]</c> before the update,
        /// as <c>tf.clip_by_value</c>. Zero (the default) turns it off.
        /// </summary>
        public double ClipValue
        {
            get => clipValue;
            set
            {
                if (!(value >= 0) || double.IsInfinity(value))
                    throw new ArgumentOutOfRangeException(nameof(ClipValue), value, "The clip value must be zero (off) or positive and finite.");
                clipValue = value;
            }
        }

        /// <summary>
        /// When positive, all trainable gradients are scaled by <c>ClipNorm / max(globalNorm, ClipNorm)</c>, where
        /// <c>globalNorm</c> is the L2 norm over every trainable range, as <c>tf.clip_by_global_norm</c> (applied after
        /// <see cref="ClipValue"/>). As there, a non-finite global norm sets every trainable gradient to NaN, so the
        /// divergence shows instead of being hidden. Zero (the default) turns it off.
        /// </summary>
        public double ClipNorm
        {
            get => clipNorm;
            set
            {
                if (!(value >= 0) || double.IsInfinity(value))
                    throw new ArgumentOutOfRangeException(nameof(ClipNorm), value, "The clip norm must be zero (off) or positive and finite.");
                clipNorm = value;
            }
        }

        /// <summary>The number of updates applied so far (TensorFlow's <c>global_step</c>); settable to restore a checkpoint.</summary>
        public long Iterations
        {
            get => iterations;
            set
            {
                if (value < 0) throw new ArgumentOutOfRangeException(nameof(Iterations), value, "The iteration count cannot be negative.");
                iterations = value;
            }
        }

        /// <summary>The rate the next <see cref="Apply"/> uses: <see cref="Schedule"/> applied to <see cref="LearningRate"/> at <see cref="Iterations"/>.</summary>
        public double CurrentLearningRate => Schedule is null ? learningRate : Schedule.Rate(learningRate, iterations);

        /// <summary>The slot names, in the order <see cref="GetSlot"/> indexes them.</summary>
        public IReadOnlyList<string> SlotNames => slotNames;

        /// <summary>The number of parameters the slots were allocated for, or -1 before <see cref="Bind"/>.</summary>
        public int BoundParameterCount { get; private set; } = -1;

        /// <summary>
        /// Allocates every slot for an arena of <paramref name="parameterCount"/> floats and sets it to its initial value.
        /// Calling it again with the same size does nothing; <see cref="Apply"/> calls it on first use.
        /// </summary>
        /// <exception cref="InvalidOperationException">The optimizer is already bound to an arena of another size.</exception>
        public void Bind(int parameterCount)
        {
            if (parameterCount < 0)
                throw new ArgumentOutOfRangeException(nameof(parameterCount), parameterCount, "The parameter count cannot be negative.");
            if (slots is not null)
            {
                int bound = BoundParameterCount;
                if (bound != parameterCount)
                    throw new InvalidOperationException(
                        $"{GetType().Name} is bound to a parameter arena of {bound} floats and cannot be used with one of {parameterCount}: use one optimizer per model.");
                return;
            }

            var allocated = new float[slotNames.Length][];
            for (int s = 0; s < allocated.Length; s++)
            {
                allocated[s] = new float[parameterCount];
                float initial = InitialSlotValue(s);
                if (initial != 0f) allocated[s].AsSpan().Fill(initial);
            }
            BoundParameterCount = parameterCount;
            slots = allocated;
        }

        /// <summary>The arena-sized state of slot <paramref name="index"/> (see <see cref="SlotNames"/>), for checkpoints.</summary>
        /// <exception cref="InvalidOperationException">The optimizer is not bound yet.</exception>
        public Span<float> GetSlot(int index)
        {
            if (slots is null)
                throw new InvalidOperationException($"{GetType().Name} has no slot state yet: call Bind or Apply first.");
            if ((uint)index >= (uint)slots.Length)
                throw new ArgumentOutOfRangeException(nameof(index), index, $"{GetType().Name} has {slots.Length} slot(s).");
            return slots[index];
        }

        /// <summary>
        /// Applies one update to every range in <paramref name="trainable"/> of <paramref name="parameters"/>, using
        /// <paramref name="gradients"/> of the same layout, which it clips in place (by value, then by global norm, over
        /// the trainable ranges only). Parameters outside the ranges are not touched. Then <see cref="Iterations"/> grows
        /// by one. Binds on first use and allocates nothing afterwards.
        /// </summary>
        /// <param name="parameters">The parameter arena.</param>
        /// <param name="gradients">The gradient arena, same length.</param>
        /// <param name="trainable">The ranges to update, in ascending order of offset and not overlapping.</param>
        public void Apply(Span<float> parameters, Span<float> gradients, ReadOnlySpan<ParameterRange> trainable)
        {
            if (gradients.Length != parameters.Length)
                throw new ArgumentException(
                    $"The gradient arena has {gradients.Length} floats but the parameter arena has {parameters.Length}.", nameof(gradients));
            ValidateRanges(trainable, parameters.Length);
            Bind(parameters.Length);
            // The rate is checked before clipping touches the gradients, so a refused step changes nothing.
            double rate = CurrentLearningRate;
            if (!(rate >= 0) || double.IsInfinity(rate))
                throw new InvalidOperationException(
                    $"The schedule {Schedule?.GetType().Name} gave the learning rate {rate} at step {iterations}; it must be finite and not negative.");


            bool split = SplitsUpdate(trainable);
            if (clipValue > 0)
            {
                if (split)
                    RunChunks(Pass.ClipByValue, parameters, gradients, trainable, (float)clipValue, 0, 0);
                else
                    foreach (ParameterRange range in trainable)
                        ClipByValue(gradients.Slice(range.Offset, range.Length), (float)clipValue);
            }
            if (clipNorm > 0)
            {
                double sumOfSquares = 0;
                foreach (ParameterRange range in trainable)
                    sumOfSquares += SumOfSquares(gradients.Slice(range.Offset, range.Length));
                double norm = Math.Sqrt(sumOfSquares);
                // tf.clip_by_global_norm: t * clip_norm / max(global_norm, clip_norm); NaN everywhere when the norm is not finite.
                if (norm > clipNorm || !double.IsFinite(norm))
                {
                    float scale = double.IsFinite(norm) ? (float)(clipNorm / norm) : float.NaN;
                    if (split)
                        RunChunks(Pass.Scale, parameters, gradients, trainable, scale, 0, 0);
                    else
                        foreach (ParameterRange range in trainable)
                            Scale(gradients.Slice(range.Offset, range.Length), scale);
                }
            }

            long step = iterations + 1;
            if (split && UpdateIsElementwise)
            {
                RunChunks(Pass.Update, parameters, gradients, trainable, 0, rate, step);
            }
            else
            {
                foreach (ParameterRange range in trainable)
                {
                    if (range.Length == 0) continue;
                    UpdateRange(parameters.Slice(range.Offset, range.Length), gradients.Slice(range.Offset, range.Length), range.Offset, rate, step);
                }
            }
            iterations = step;
        }

        /// <summary>
        /// Whether <see cref="UpdateRange"/> may be called on any chunk of a range, from any thread, with the same result
        /// as on the whole range: true for the built-in optimizers, whose updates are element by element. A derived
        /// optimizer outside this assembly always gets whole ranges on the calling thread.
        /// </summary>
        private protected virtual bool UpdateIsElementwise => false;

        // Floats per chunk of a split pass: a multiple of 64 (so chunk boundaries, counted from each range's start, fall
        // where the single-thread vector loop's do, and the scalar tail is the range's own), and small enough, 128 KB,
        // that the threads share a range of a few million floats evenly by claiming chunks.
        private const int ChunkLength = 1 << 15;

        private enum Pass
        {
            ClipByValue,
            Scale,
            Update,
        }

        /// <summary>A split pass over the trainable ranges, on the caller's stack; parts are the ranges' chunks in order.</summary>
        private unsafe struct ChunkJob
        {
            public Optimizer Optimizer;
            public Pass Pass;
            public float* Parameters, Gradients;
            public ParameterRange* Ranges;
            public float Factor;
            public double Rate;
            public long Step;
        }

        /// <summary>Whether passes over <paramref name="trainable"/> are split between threads: with more than one thread and enough floats.</summary>
        private static bool SplitsUpdate(ReadOnlySpan<ParameterRange> trainable)
        {
            if (Parallelism.Current == 1) return false;
            long total = 0;
            foreach (ParameterRange range in trainable) total += range.Length;
            return ParallelChain.Parts(total, ParallelChain.ElementsPerPart) > 1;
        }

        private unsafe void RunChunks(Pass pass, Span<float> parameters, Span<float> gradients, ReadOnlySpan<ParameterRange> trainable,
                                      float factor, double rate, long step)
        {
            int parts = 0;
            foreach (ParameterRange range in trainable) parts += Chunks(range.Length);
            fixed (float* p = parameters, g = gradients)
            fixed (ParameterRange* r = trainable)
            {
                var job = new ChunkJob
                {
                    Optimizer = this, Pass = pass, Parameters = p, Gradients = g, Ranges = r,
                    Factor = factor, Rate = rate, Step = step,
                };
                // The job holds a managed reference, so it is passed by Unsafe.AsPointer; it stays on this frame (a GC
                // root, never moved) until Run returns.
                Parallelism.Run(&RunChunk, Unsafe.AsPointer(ref job), parts);
            }
        }

        private static int Chunks(int length) => (int)(((long)length + ChunkLength - 1) / ChunkLength);

        /// <summary>Part <paramref name="part"/> of a <see cref="ChunkJob"/>: the range it falls in, found by counting chunks, and its floats there.</summary>
        private static unsafe void RunChunk(void* context, int part)
        {
            ref ChunkJob job = ref Unsafe.AsRef<ChunkJob>(context);
            int r = 0, chunks;
            while (part >= (chunks = Chunks(job.Ranges[r].Length)))
            {
                part -= chunks;
                r++;
            }
            ParameterRange range = job.Ranges[r];
            int start = part * ChunkLength, offset = range.Offset + start, length = Math.Min(ChunkLength, range.Length - start);
            var gradients = new Span<float>(job.Gradients + offset, length);
            switch (job.Pass)
            {
                case Pass.ClipByValue:
                    ClipByValue(gradients, job.Factor);
                    break;
                case Pass.Scale:
                    Scale(gradients, job.Factor);
                    break;
                default:
                    job.Optimizer.UpdateRange(new Span<float>(job.Parameters + offset, length), gradients, offset, job.Rate, job.Step);
                    break;
            }
        }

        /// <summary>The value every element of slot <paramref name="index"/> starts at (zero unless overridden).</summary>
        protected virtual float InitialSlotValue(int index) => 0f;

        /// <summary>
        /// Updates one trainable range in a single pass fused over all slots.
        /// </summary>
        /// <param name="parameters">The range's parameters.</param>
        /// <param name="gradients">The range's gradients, already clipped.</param>
        /// <param name="offset">The range's offset in the arena, to slice the slots with (<c>GetSlot(i).Slice(offset, parameters.Length)</c>).</param>
        /// <param name="learningRate">This step's learning rate, after the schedule.</param>
        /// <param name="step">The 1-based number of this update (TensorFlow's <c>t</c> in Adam's bias correction).</param>
        protected abstract void UpdateRange(Span<float> parameters, ReadOnlySpan<float> gradients, int offset, double learningRate, long step);

        // Subnormal floats (magnitude below 2^-126) cost about a hundred cycles per operation on x64 cores without
        // flush-to-zero, which .NET code runs without; TensorFlow runs its CPU kernels with flush-to-zero. A slot that decays
        // towards zero (the moments of a weight whose gradient has vanished, as on a batch the model has learned) would
        // fill with them and slow every update several times over, so the built-in updates keep subnormals out of the
        // slots: what they drop is below 2^-126, which flush-to-zero would drop too.
        private const float SmallestNormal = 1.17549435e-38f;

        /// <summary><paramref name="v"/> with subnormal lanes set to 0 (NaN and infinity pass unchanged).</summary>
        private protected static Vector<float> FlushSubnormal(Vector<float> v) =>
            Vector.ConditionalSelect(Vector.LessThan(Vector.Abs(v), new Vector<float>(SmallestNormal)), Vector<float>.Zero, v);

        /// <summary><paramref name="v"/>, or 0 when it is subnormal (NaN and infinity pass unchanged).</summary>
        private protected static float FlushSubnormal(float v) => MathF.Abs(v) < SmallestNormal ? 0f : v;

        /// <summary>
        /// The gradient magnitude below which <c>scale * g * g</c> is subnormal: smaller gradients add nothing to a
        /// second-moment slot (flush-to-zero would drop the term), so the update squares 0 instead and never computes a
        /// subnormal.
        /// </summary>
        private protected static float SquareThreshold(double scale) => (float)Math.Sqrt(SmallestNormal / scale);

        // Floats ahead of a streaming update that its operands are prefetched. An update over millions of parameters
        // (the tutorial CNN's 3.3M, with the gradients and two slots: 52 MB) reads its streams from memory once the rest
        // of the step has evicted them, and the hardware prefetcher alone keeps too few lines in flight. 2 KiB ahead
        // measured best: Adam over 3.27M floats with cold caches 4.1 -> 3.5 ms (0.5, 1, 4 and 8 KiB: 3.5 to 3.7 ms), and
        // no change with warm ones.
        private const int PrefetchFloats = 512;

        /// <summary>
        /// Hints the cache line <see cref="PrefetchFloats"/> past element <paramref name="i"/> of each stream into the
        /// cache (a prefetch never faults, so past the end is harmless; a null stream is skipped); nothing without SSE.
        /// The built-in updates call it once per 64-byte line (<see cref="IsLineStart"/>).
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private protected static unsafe void PrefetchAhead(int i, float* a, float* b, float* c = null, float* d = null)
        {
            if (Sse.IsSupported)
            {
                Sse.Prefetch0(a + i + PrefetchFloats);
                Sse.Prefetch0(b + i + PrefetchFloats);
                if (c != null) Sse.Prefetch0(c + i + PrefetchFloats);
                if (d != null) Sse.Prefetch0(d + i + PrefetchFloats);
            }
        }

        /// <summary>Whether vector <paramref name="v"/> of a stream of <see cref="Vector{T}"/> starts a 64-byte line (every vector from 64 bytes wide).</summary>
        private protected static bool IsLineStart(int v) => v % Math.Max(1, 16 / Vector<float>.Count) == 0;

        /// <summary><paramref name="g"/> with lanes below <paramref name="threshold"/> in magnitude set to 0 (NaN passes).</summary>
        private protected static Vector<float> ZeroBelow(Vector<float> g, Vector<float> threshold) =>
            Vector.ConditionalSelect(Vector.LessThan(Vector.Abs(g), threshold), Vector<float>.Zero, g);

        /// <summary><paramref name="g"/>, or 0 when its magnitude is below <paramref name="threshold"/> (NaN passes).</summary>
        private protected static float ZeroBelow(float g, float threshold) => MathF.Abs(g) < threshold ? 0f : g;

        /// <summary>Throws when a hyper-parameter is not finite or lies outside its interval.</summary>
        private protected static void Require(double value, string name, double min, bool minInclusive, double max, bool maxInclusive)
        {
            bool ok = double.IsFinite(value)
                && (minInclusive ? value >= min : value > min)
                && (maxInclusive ? value <= max : value < max);
            if (!ok)
            {
                string interval = (minInclusive ? "[" : "(") + min.ToString(CultureInfo.InvariantCulture) + ", "
                    + (double.IsPositiveInfinity(max) ? "infinity" : max.ToString(CultureInfo.InvariantCulture)) + (maxInclusive ? "]" : ")");
                throw new ArgumentOutOfRangeException(name, value, $"{name} must be finite and in {interval}.");
            }
        }

        private static void RequireLearningRate(double value, string name)
        {
            if (!(value > 0) || double.IsInfinity(value))
                throw new ArgumentOutOfRangeException(name, value, "The learning rate must be positive and finite.");
        }

        private static void ValidateRanges(ReadOnlySpan<ParameterRange> trainable, int arenaLength)
        {
            int previousEnd = 0;
            for (int i = 0; i < trainable.Length; i++)
            {
                ParameterRange range = trainable[i];
                if (range.Offset < 0 || range.Length < 0 || (long)range.Offset + range.Length > arenaLength)
                    throw new ArgumentOutOfRangeException(nameof(trainable),
                        $"Trainable range {i} (offset {range.Offset}, length {range.Length}) does not lie inside the parameter arena of {arenaLength} floats.");
                if (range.Offset < previousEnd)
                    throw new ArgumentException(
                        $"Trainable range {i} (offset {range.Offset}) starts before the end ({previousEnd}) of the range before it: ranges must be ascending and must not overlap.",
                        nameof(trainable));
                previousEnd = range.Offset + range.Length;
            }
        }

        // NaN stays NaN, as in tf.clip_by_value: on .NET 8, Vector.Max and Vector.Min return an operand of their own
        // choosing for NaN (later runtimes propagate it), so NaN lanes are kept explicitly.
        private static void ClipByValue(Span<float> values, float limit)
        {
            int i = 0;
            if (Vector.IsHardwareAccelerated)
            {
                Span<Vector<float>> vectors = MemoryMarshal.Cast<float, Vector<float>>(values);
                var high = new Vector<float>(limit);
                var low = new Vector<float>(-limit);
                for (int v = 0; v < vectors.Length; v++)
                {
                    Vector<float> x = vectors[v];
                    vectors[v] = Vector.ConditionalSelect(Vector.Equals(x, x), Vector.Min(Vector.Max(x, low), high), x);
                }
                i = vectors.Length * Vector<float>.Count;
            }
            for (; i < values.Length; i++)
                values[i] = Math.Min(Math.Max(values[i], -limit), limit);
        }

        // Squares summed in double: a float sum over millions of gradients would lose the small ones.
        private static double SumOfSquares(ReadOnlySpan<float> values)
        {
            double sum = 0;
            int i = 0;
            if (Vector.IsHardwareAccelerated)
            {
                ReadOnlySpan<Vector<float>> vectors = MemoryMarshal.Cast<float, Vector<float>>(values);
                Vector<double> accumulator = Vector<double>.Zero;
                for (int v = 0; v < vectors.Length; v++)
                {
                    Vector.Widen(vectors[v], out Vector<double> lower, out Vector<double> upper);
                    accumulator += lower * lower + upper * upper;
                }
                sum = Vector.Sum(accumulator);
                i = vectors.Length * Vector<float>.Count;
            }
            for (; i < values.Length; i++)
                sum += (double)values[i] * values[i];
            return sum;
        }

        private static void Scale(Span<float> values, float scale)
        {
            int i = 0;
            if (Vector.IsHardwareAccelerated)
            {
                Span<Vector<float>> vectors = MemoryMarshal.Cast<float, Vector<float>>(values);
                for (int v = 0; v < vectors.Length; v++)
                    vectors[v] *= scale;
                i = vectors.Length * Vector<float>.Count;
            }
            for (; i < values.Length; i++)
                values[i] *= scale;
        }
    }
}
