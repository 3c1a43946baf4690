// Inverted dropout: a mask of 0 or 1/keep drawn element by element from the model's generator and applied in the same
// loop; backward is a vector multiply, split between threads when large.
using System;

namespace ModelGen.Kernels
{
    /// <summary>Dropout as in TensorFlow's <c>tf.nn.dropout</c>: kept values are scaled by <c>1 / (1 - rate)</c> at training time, so inference is the identity.</summary>
    public static unsafe class Dropout
    {
        /// <summary>
        /// <c>mask[i] = rng.NextFloat() &gt;= rate ? 1 / (1 - rate) : 0</c>, one draw per element in order (so a seed fixes
        /// the mask), and <c>y = x * mask</c>. <paramref name="y"/> may be the same memory as <paramref name="x"/>.
        /// </summary>
        /// <exception cref="ArgumentException">A span's length differs from <paramref name="x"/>'s.</exception>
        /// <exception cref="ArgumentOutOfRangeException"><paramref name="rate"/> is outside [0, 1).</exception>
        public static void Forward(Span<float> y, Span<float> mask, ReadOnlySpan<float> x, float rate, ref Rng rng) =>
            Forward(y, mask, x, rate, ref rng, Simd.Best);

        /// <summary><c>dx = dy * mask</c>; <paramref name="dx"/> may be the same memory as <paramref name="dy"/>.</summary>
        /// <exception cref="ArgumentException">A span's length differs from <paramref name="mask"/>'s.</exception>
        public static void Backward(Span<float> dx, ReadOnlySpan<float> dy, ReadOnlySpan<float> mask) =>
            Backward(dx, dy, mask, Simd.Best);

        // width is kept for the tests' per-width calls; the fused loop is scalar, bound by the draws' dependency chain.
        internal static void Forward(Span<float> y, Span<float> mask, ReadOnlySpan<float> x, float rate, ref Rng rng, SimdWidth width)
        {
            if (!(rate >= 0f && rate < 1f))
            {
                throw new ArgumentOutOfRangeException(nameof(rate), rate, $"rate must be in [0, 1), but is {rate}.");
            }
            Check.Length(y.Length, x.Length, nameof(y));
            Check.Length(mask.Length, x.Length, nameof(mask));
            float scale = 1f / (1f - rate);
            // NextFloat() is (NextUInt32() >> 8) * 2^-24, exactly, so it is >= rate exactly when the 24-bit draw is >=
            // ceil(rate * 2^24): the keep test becomes an integer sign mask, with no branch to mispredict on random draws.
            int threshold = (int)Math.Ceiling(rate * 16777216.0), scaleBits = BitConverter.SingleToInt32Bits(scale);
            Rng local = rng; // a local copy lives in registers; the caller's state is written back once
            // The multiply rides along in the draw loop, whose length is set by the generator's dependency chain; it is
            // not split between threads, as the draws must come in order.
            fixed (float* py = y, pm = mask, px = x)
            {
                for (int i = 0; i < mask.Length; i++)
                {
                    int draw = (int)(local.NextUInt32() >> 8);
                    int keep = (threshold - 1 - draw) >> 31; // -1 (all bits) when draw >= threshold, else 0
                    float m = BitConverter.Int32BitsToSingle(scaleBits & keep);
                    pm[i] = m;
                    py[i] = px[i] * m;
                }
            }
            rng = local;
        }

        internal static void Backward(Span<float> dx, ReadOnlySpan<float> dy, ReadOnlySpan<float> mask, SimdWidth width)
        {
            Check.Length(dx.Length, mask.Length, nameof(dx));
            Check.Length(dy.Length, mask.Length, nameof(dy));
            fixed (float* pdx = dx, pdy = dy, pm = mask)
            {
                Elementwise.Multiply(width, pdx, pdy, pm, mask.Length);
            }
        }
    }
}
