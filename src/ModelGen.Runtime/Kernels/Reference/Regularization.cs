// Reference twin of Kernels.Regularization: Keras l1_l2 penalty and gradient, element by element.
using System;

namespace ModelGen.Kernels.Reference
{
    internal static class Regularization
    {
        internal static float Apply(Span<float> gradient, ReadOnlySpan<float> weights, float l1, float l2)
        {
            double sumAbs = 0, sumSquares = 0;
            for (int i = 0; i < weights.Length; i++)
            {
                float w = weights[i];
                sumAbs += Math.Abs(w);
                sumSquares += (double)w * w;
                if (!gradient.IsEmpty) gradient[i] += l1 * MathF.Sign(w) + 2f * l2 * w;
            }
            return (float)(l1 * sumAbs + l2 * sumSquares);
        }
    }
}
