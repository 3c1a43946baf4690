// Vector transcendental functions and the element-wise activations, written once over IVectorOps so that every
// width (and the scalar tail) computes the same polynomial; net8.0 has no Vector512.Exp.
using System.Runtime.CompilerServices;

namespace ModelGen.Kernels
{
    internal static class VectorMath
    {
        // exp(x) = 2^n * exp(r), n = round(x / ln 2), r = x - n ln 2 in [-ln2/2, ln2/2]; ln 2 split in a part exact in
        // float and a correction (Cody-Waite), and a degree-7 minimax polynomial for exp(r) (Cephes expf, ~1 ulp).
        private const float ExpHigh = 88.3762626647949f;
        private const float ExpLow = -87.3365447505531f;
        private const float Log2E = 1.44269504088896341f;
        private const float Ln2High = 0.693359375f;
        private const float Ln2Low = -2.12194440e-4f;

        /// <summary>e^x per lane; inputs are clamped to [-87.34, 88.38] so results stay finite and normal.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        internal static TVec Exp<TOps, TVec>(TVec x)
            where TOps : struct, IVectorOps<TVec>
            where TVec : unmanaged
        {
            x = TOps.Min(TOps.Max(x, TOps.Broadcast(ExpLow)), TOps.Broadcast(ExpHigh));
            TVec n = TOps.Floor(TOps.MultiplyAdd(x, TOps.Broadcast(Log2E), TOps.Broadcast(0.5f)));
            TVec r = TOps.MultiplyAdd(n, TOps.Broadcast(-Ln2High), x);
            r = TOps.MultiplyAdd(n, TOps.Broadcast(-Ln2Low), r);
            TVec p = TOps.Broadcast(1.9875691500e-4f);
            p = TOps.MultiplyAdd(p, r, TOps.Broadcast(1.3981999507e-3f));
            p = TOps.MultiplyAdd(p, r, TOps.Broadcast(8.3334519073e-3f));
            p = TOps.MultiplyAdd(p, r, TOps.Broadcast(4.1665795894e-2f));
            p = TOps.MultiplyAdd(p, r, TOps.Broadcast(1.6666665459e-1f));
            p = TOps.MultiplyAdd(p, r, TOps.Broadcast(5.0000001201e-1f));
            TVec y = TOps.MultiplyAdd(p, TOps.Multiply(r, r), TOps.Add(r, TOps.Broadcast(1f)));
            return TOps.Multiply(y, TOps.PowerOfTwo(n));
        }

        /// <summary>
        /// tanh per lane: an odd polynomial below |x| = 0.625 (where 1 - e^-2|x| would cancel), else
        /// (1 - e^-2|x|) / (1 + e^-2|x|) with the sign of x restored.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        internal static TVec Tanh<TOps, TVec>(TVec x)
            where TOps : struct, IVectorOps<TVec>
            where TVec : unmanaged
        {
            TVec one = TOps.Broadcast(1f);
            TVec ax = TOps.Abs(x);
            TVec e = Exp<TOps, TVec>(TOps.Multiply(ax, TOps.Broadcast(-2f)));
            TVec large = TOps.Divide(TOps.Subtract(one, e), TOps.Add(one, e));
            TVec z = TOps.Multiply(ax, ax);
            TVec p = TOps.Broadcast(-5.70498872745e-3f);
            p = TOps.MultiplyAdd(p, z, TOps.Broadcast(2.06390887954e-2f));
            p = TOps.MultiplyAdd(p, z, TOps.Broadcast(-5.37397155531e-2f));
            p = TOps.MultiplyAdd(p, z, TOps.Broadcast(1.33314422036e-1f));
            p = TOps.MultiplyAdd(p, z, TOps.Broadcast(-3.33332819422e-1f));
            TVec small = TOps.MultiplyAdd(TOps.Multiply(ax, z), p, ax);
            TVec magnitude = TOps.Select(TOps.GreaterThan(ax, TOps.Broadcast(0.625f)), large, small);
            return TOps.Or(magnitude, TOps.And(x, TOps.Broadcast(-0f)));
        }

        /// <summary>x for x &gt; 0, else alpha x.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        internal static TVec LeakyRelu<TOps, TVec>(TVec x, TVec alpha)
            where TOps : struct, IVectorOps<TVec>
            where TVec : unmanaged
            => TOps.Select(TOps.GreaterThan(x, TOps.Zero), x, TOps.Multiply(x, alpha));

        /// <summary>x for x &gt; 0, else alpha (e^x - 1).</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        internal static TVec Elu<TOps, TVec>(TVec x, TVec alpha)
            where TOps : struct, IVectorOps<TVec>
            where TVec : unmanaged
        {
            TVec expm1 = TOps.Subtract(Exp<TOps, TVec>(x), TOps.Broadcast(1f));
            return TOps.Select(TOps.GreaterThan(x, TOps.Zero), x, TOps.Multiply(alpha, expm1));
        }

        /// <summary>1 / (1 + e^-x).</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        internal static TVec Sigmoid<TOps, TVec>(TVec x)
            where TOps : struct, IVectorOps<TVec>
            where TVec : unmanaged
        {
            TVec one = TOps.Broadcast(1f);
            return TOps.Divide(one, TOps.Add(one, Exp<TOps, TVec>(TOps.Subtract(TOps.Zero, x))));
        }

        /// <summary>
        /// y[i] = activation(x[i]) for i in [0, <paramref name="count"/>), count a multiple of <c>TOps.Count</c>;
        /// y may equal x. The switch sits outside the loops so each loop body is branch-free.
        /// </summary>
        internal static unsafe void ActivateRange<TOps, TVec>(float* y, float* x, int count, Activation activation, float alpha)
            where TOps : struct, IVectorOps<TVec>
            where TVec : unmanaged
        {
            int w = TOps.Count;
            TVec a = TOps.Broadcast(alpha);
            switch (activation)
            {
                case Activation.Relu:
                    for (int i = 0; i < count; i += w) TOps.Store(y + i, TOps.Max(TOps.Load(x + i), TOps.Zero));
                    break;
                case Activation.LeakyRelu:
                    for (int i = 0; i < count; i += w) TOps.Store(y + i, LeakyRelu<TOps, TVec>(TOps.Load(x + i), a));
                    break;
                case Activation.Elu:
                    for (int i = 0; i < count; i += w) TOps.Store(y + i, Elu<TOps, TVec>(TOps.Load(x + i), a));
                    break;
                case Activation.Sigmoid:
                    for (int i = 0; i < count; i += w) TOps.Store(y + i, Sigmoid<TOps, TVec>(TOps.Load(x + i)));
                    break;
                case Activation.Tanh:
                    for (int i = 0; i < count; i += w) TOps.Store(y + i, Tanh<TOps, TVec>(TOps.Load(x + i)));
                    break;
                default:
                    if (y != x)
                    {
                        for (int i = 0; i < count; i += w) TOps.Store(y + i, TOps.Load(x + i));
                    }
                    break;
            }
        }

        /// <summary>The derivative of <paramref name="activation"/> expressed through its output <paramref name="y"/>.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        internal static TVec DerivativeFromOutput<TOps, TVec>(TVec y, Activation activation, TVec alpha)
            where TOps : struct, IVectorOps<TVec>
            where TVec : unmanaged
        {
            TVec one = TOps.Broadcast(1f);
            switch (activation)
            {
                case Activation.Relu:
                    return TOps.And(TOps.GreaterThan(y, TOps.Zero), one);
                case Activation.LeakyRelu:
                    return TOps.Select(TOps.GreaterThan(y, TOps.Zero), one, alpha);
                case Activation.Elu:
                    return TOps.Select(TOps.GreaterThan(y, TOps.Zero), one, TOps.Add(y, alpha));
                case Activation.Sigmoid:
                    return TOps.Multiply(y, TOps.Subtract(one, y));
                case Activation.Tanh:
                    return TOps.Subtract(one, TOps.Multiply(y, y));
                default:
                    return one;
            }
        }
    }
}
