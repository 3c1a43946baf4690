// Reference twin of Kernels.Dropout: one draw per element, in order.
using System;

namespace ModelGen.Kernels.Reference
{
    internal static class Dropout
    {
        internal static void Forward(Span<float> y, Span<float> mask, ReadOnlySpan<float> x, float rate, ref Rng rng)
        {
            for (int i = 0; i < x.Length; i++)
            {
                mask[i] = rng.NextFloat() >= rate ? 1f / (1f - rate) : 0f;
                y[i] = x[i] * mask[i];
            }
        }

        internal static void Backward(Span<float> dx, ReadOnlySpan<float> dy, ReadOnlySpan<float> mask)
        {
            for (int i = 0; i < mask.Length; i++) dx[i] = dy[i] * mask[i];
        }
    }
}
