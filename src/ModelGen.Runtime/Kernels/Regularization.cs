// L1/L2 weight penalties: the penalty value and its gradient in one vector pass over a kernel.
using System;

namespace ModelGen.Kernels
{
    /// <summary>Weight regularization with Keras' <c>l1</c>, <c>l2</c> and <c>l1_l2</c> semantics (no factor 1/2 on L2, unlike <c>tf.nn.l2_loss</c>).</summary>
    public static unsafe class Regularization
    {
        // Partial sums stay in float for at most this many vectors before folding into a double.
        private const int FoldEvery = 256;

        /// <summary>
        /// Returns <c>l1 * sum|w| + l2 * sum w^2</c> and adds <c>l1 * sign(w) + 2 * l2 * w</c> to <paramref name="gradient"/>
        /// (sign(0) = 0, as <c>tf.sign</c>). An empty <paramref name="gradient"/> computes the penalty only.
        /// </summary>
        /// <exception cref="ArgumentException"><paramref name="gradient"/> is neither empty nor as long as <paramref name="weights"/>.</exception>
        /// <exception cref="ArgumentOutOfRangeException"><paramref name="l1"/> or <paramref name="l2"/> is negative or not finite.</exception>
        public static float Apply(Span<float> gradient, ReadOnlySpan<float> weights, float l1, float l2) =>
            Apply(gradient, weights, l1, l2, Simd.Best);

        internal static float Apply(Span<float> gradient, ReadOnlySpan<float> weights, float l1, float l2, SimdWidth width)
        {
            CheckFactor(l1, nameof(l1));
            CheckFactor(l2, nameof(l2));
            Check.LengthOrEmpty(gradient.Length, weights.Length, nameof(gradient));
            fixed (float* pg = gradient, pw = weights)
            {
                var kernel = new PenaltyKernel { Gradient = gradient.IsEmpty ? null : pg, Weights = pw, L1 = l1, L2 = l2 };
                Simd.Chain(ref kernel, width, weights.Length);
                return (float)(l1 * kernel.SumAbs + l2 * kernel.SumSquares);
            }
        }

        private static void CheckFactor(float value, string name)
        {
            if (!(value >= 0f) || float.IsInfinity(value))
            {
                throw new ArgumentOutOfRangeException(name, value, $"{name} must be finite and non-negative, but is {value}.");
            }
        }

        private struct PenaltyKernel : IVectorKernel
        {
            public float* Gradient, Weights;
            public float L1, L2;
            public double SumAbs, SumSquares;

            public void Run<TOps, TVec>(int start, int count)
                where TOps : struct, IVectorOps<TVec>
                where TVec : unmanaged
            {
                int w = TOps.Count;
                float* p = Weights + start, g = Gradient == null ? null : Gradient + start;
                TVec l1 = TOps.Broadcast(L1), twoL2 = TOps.Broadcast(2f * L2);
                TVec one = TOps.Broadcast(1f), minusOne = TOps.Broadcast(-1f);
                for (int i0 = 0; i0 < count; i0 += FoldEvery * w)
                {
                    int end = Math.Min(count, i0 + FoldEvery * w);
                    TVec sumAbs = TOps.Zero, sumSquares = TOps.Zero;
                    for (int i = i0; i < end; i += w)
                    {
                        TVec v = TOps.Load(p + i);
                        sumAbs = TOps.Add(sumAbs, TOps.Abs(v));
                        sumSquares = TOps.MultiplyAdd(v, v, sumSquares);
                        if (g != null)
                        {
                            TVec sign = TOps.Select(TOps.GreaterThan(v, TOps.Zero), one,
                                                    TOps.Select(TOps.GreaterThan(TOps.Zero, v), minusOne, TOps.Zero));
                            TOps.Store(g + i, TOps.Add(TOps.Load(g + i), TOps.MultiplyAdd(v, twoL2, TOps.Multiply(sign, l1))));
                        }
                    }
                    SumAbs += TOps.Sum(sumAbs);
                    SumSquares += TOps.Sum(sumSquares);
                }
            }
        }
    }
}
