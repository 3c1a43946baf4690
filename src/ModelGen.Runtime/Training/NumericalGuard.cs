// Numerical guards: finding the first NaN or infinity in a tensor, and the exception that names where training broke.
using System;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.InteropServices;
using System.Threading;
using ModelGen.Kernels;

namespace ModelGen
{
    /// <summary>Finds non-finite values (NaN, positive or negative infinity) in float tensors, vectorized.</summary>
    public static unsafe class NumericalGuard
    {
        /// <summary>
        /// The index of the first NaN or infinity in <paramref name="values"/>, or -1 when all are finite. With more
        /// than one thread in force on the calling thread (<see cref="Parallelism.Use"/>, else
        /// <see cref="Parallelism.ThreadCount"/>) a long span (a model's whole gradient arena, checked every
        /// training step) is searched in fixed parts on the worker pool; the answer is the same first index.
        /// </summary>
        public static int FirstNonFinite(ReadOnlySpan<float> values)
        {
            int parts = ParallelChain.ElementParts(values.Length, out int size);
            if (parts <= 1)
            {
                return Search(values);
            }
            fixed (float* p = values)
            {
                var job = new SearchJob { Values = p, Length = values.Length, Size = size, First = int.MaxValue };
                Parallelism.Run(&SearchPart, &job, parts);
                return job.First == int.MaxValue ? -1 : job.First;
            }
        }

        /// <summary>A split search, on the caller's stack: <c>First</c> is the lowest non-finite index found so far.</summary>
        private struct SearchJob
        {
            public float* Values;
            public int Length, Size, First;
        }

        /// <summary>
        /// Part <paramref name="part"/>: indices [part * Size, min(Length, (part + 1) * Size)), skipped when a lower part
        /// has already found one (its index is smaller than any here); else its first hit lowers <c>First</c>.
        /// </summary>
        private static void SearchPart(void* context, int part)
        {
            ref SearchJob job = ref *(SearchJob*)context;
            int start = part * job.Size;
            if (Volatile.Read(ref job.First) < start)
            {
                return;
            }
            int found = Search(new ReadOnlySpan<float>(job.Values + start, Math.Min(job.Size, job.Length - start)));
            if (found < 0)
            {
                return;
            }
            int index = start + found, seen;
            while (index < (seen = Volatile.Read(ref job.First)) && Interlocked.CompareExchange(ref job.First, index, seen) != seen)
            {
            }
        }

        /// <summary>
        /// Whether every element of a product whose elements each sum at most <paramref name="terms"/> products
        /// <c>a_i * b_j</c> (a dense layer's kernel gradient <c>x^T dy</c> over a batch of <paramref name="terms"/>
        /// samples) is certainly finite, judged from the two factors alone: true when both hold only finite values and
        /// <c>terms * max|a| * max|b|</c>, with room for the rounding of every partial sum, stays below
        /// <see cref="float.MaxValue"/>. False means that could not be shown, not that the product overflows: then scan
        /// it. Generated models check their large dense kernel gradients this way after each training step, reading the
        /// batch's activations and deltas instead of the gradient itself (for the tutorial CNN's fc1, 0.2M floats instead
        /// of 3.2M).
        /// </summary>
        /// <exception cref="ArgumentOutOfRangeException"><paramref name="terms"/> is negative.</exception>
        public static bool ProductIsFinite(ReadOnlySpan<float> a, ReadOnlySpan<float> b, int terms)
        {
            if (terms < 0) throw new ArgumentOutOfRangeException(nameof(terms), terms, "The number of terms cannot be negative.");
            // A partial sum grows by one product at a time, each step rounding at most twice (the product, then the sum)
            // by a factor of at most 1 + 2^-24, so no partial sum exceeds terms * max|a| * max|b| * (1 + 2^-24)^(2 terms),
            // which exp(4 terms 2^-24) bounds. NaN (an infinite factor times a zero one) compares false.
            double bound = terms * MaxMagnitude(a) * MaxMagnitude(b) * Math.Exp(4.0 * terms / (1 << 24));
            return bound < float.MaxValue;
        }

        /// <summary>The largest magnitude in <paramref name="values"/> (0 when empty), or infinity when one is not finite.</summary>
        private static double MaxMagnitude(ReadOnlySpan<float> values)
        {
            // With the sign bit cleared, float bit patterns order as their magnitudes do, and the infinities and NaNs
            // (exponent all ones) lie above every finite value: integer maxima find both the largest magnitude and whether
            // any value is not finite. With Vector512, four maxima side by side take 64 values a step, where one chain
            // would wait a cycle per vector: the bound reads a whole batch of a dense layer's input on one thread (the
            // MLP's at batch 128: 100,352 values).
            int largest = 0, i = 0;
            if (Vector512.IsHardwareAccelerated && values.Length >= 64)
            {
                ref int start = ref Unsafe.As<float, int>(ref MemoryMarshal.GetReference(values));
                var magnitude = Vector512.Create(int.MaxValue);
                Vector512<int> m0 = default, m1 = default, m2 = default, m3 = default;
                for (; i + 64 <= values.Length; i += 64)
                {
                    m0 = Vector512.Max(m0, Vector512.LoadUnsafe(ref start, (nuint)i) & magnitude);
                    m1 = Vector512.Max(m1, Vector512.LoadUnsafe(ref start, (nuint)i + 16) & magnitude);
                    m2 = Vector512.Max(m2, Vector512.LoadUnsafe(ref start, (nuint)i + 32) & magnitude);
                    m3 = Vector512.Max(m3, Vector512.LoadUnsafe(ref start, (nuint)i + 48) & magnitude);
                }
                Vector512<int> max = Vector512.Max(Vector512.Max(m0, m1), Vector512.Max(m2, m3));
                for (int lane = 0; lane < Vector512<int>.Count; lane++) largest = Math.Max(largest, max[lane]);
            }
            else if (Vector.IsHardwareAccelerated && values.Length >= Vector<int>.Count)
            {
                ReadOnlySpan<Vector<int>> vectors = MemoryMarshal.Cast<float, Vector<int>>(values);
                var magnitude = new Vector<int>(int.MaxValue);
                Vector<int> max = Vector<int>.Zero;
                for (int v = 0; v < vectors.Length; v++) max = Vector.Max(max, vectors[v] & magnitude);
                for (int lane = 0; lane < Vector<int>.Count; lane++) largest = Math.Max(largest, max[lane]);
                i = vectors.Length * Vector<int>.Count;
            }
            for (; i < values.Length; i++) largest = Math.Max(largest, BitConverter.SingleToInt32Bits(values[i]) & int.MaxValue);
            return largest >= InfinityBits ? double.PositiveInfinity : BitConverter.Int32BitsToSingle(largest);
        }

        // The bit pattern of +infinity: the smallest of the non-finite patterns with the sign cleared.
        private const int InfinityBits = 0x7F800000;

        private static int Search(ReadOnlySpan<float> values)
        {
            int i = 0;
            if (Vector.IsHardwareAccelerated && values.Length >= Vector<float>.Count)
            {
                // x * 0 is 0 for every finite x, NaN for NaN and the infinities.
                ReadOnlySpan<Vector<float>> vectors = MemoryMarshal.Cast<float, Vector<float>>(values);
                for (int v = 0; v < vectors.Length; v++)
                {
                    if (Vector.EqualsAll(vectors[v] * Vector<float>.Zero, Vector<float>.Zero)) continue;
                    for (int j = v * Vector<float>.Count; ; j++)
                        if (!float.IsFinite(values[j])) return j;
                }
                i = vectors.Length * Vector<float>.Count;
            }
            for (; i < values.Length; i++)
                if (!float.IsFinite(values[i])) return i;
            return -1;
        }
    }

    /// <summary>
    /// A training step produced a NaN or an infinity. Thrown by generated models (unless a handler of their
    /// <c>NonFinite</c> event takes it instead), before the optimizer touches the weights.
    /// </summary>
    public sealed class NonFiniteException : ArithmeticException
    {
        /// <summary>Describes where the first non-finite value appeared.</summary>
        public NonFiniteException(long step, string quantity, int layer, string where, float loss)
            : base($"Training step {step}: the {quantity} is not finite (loss {loss}); the first non-finite value appears in {where}. The weights were not updated.")
        {
            Step = step;
            Quantity = quantity;
            Layer = layer;
            Where = where;
            Loss = loss;
        }

        /// <summary>The model's training step count (1 for its first ComputeGradients or TrainStep).</summary>
        public long Step { get; }

        /// <summary>"loss" or "gradient".</summary>
        public string Quantity { get; }

        /// <summary>The layer index where the first non-finite value appeared (0: the input).</summary>
        public int Layer { get; }

        /// <summary>The place, in words: "the output of Layer 3 Dense 'fc1'".</summary>
        public string Where { get; }

        /// <summary>The step's loss.</summary>
        public float Loss { get; }
    }
}
