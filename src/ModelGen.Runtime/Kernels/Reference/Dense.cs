// Reference twin of Kernels.Dense: y = act(x W + b) and its gradients as explicit sums.
using System;

namespace ModelGen.Kernels.Reference
{
    internal static class Dense
    {
        internal static void Forward(Span<float> y, ReadOnlySpan<float> x, ReadOnlySpan<float> kernel, ReadOnlySpan<float> bias,
                                     int batch, int inputs, int units, Activation activation, float alpha)
        {
            if (activation == Activation.Softmax) throw new ArgumentException("Softmax is not element-wise.", nameof(activation));
            for (int s = 0; s < batch; s++)
            {
                for (int u = 0; u < units; u++)
                {
                    double sum = bias.IsEmpty ? 0.0 : bias[u];
                    for (int i = 0; i < inputs; i++) sum += (double)x[s * inputs + i] * kernel[i * units + u];
                    y[s * units + u] = Activations.Apply((float)sum, activation, alpha);
                }
            }
        }

        internal static void Backward(Span<float> dx, Span<float> dKernel, Span<float> dBias, ReadOnlySpan<float> dy, ReadOnlySpan<float> x,
                                      ReadOnlySpan<float> kernel, int batch, int inputs, int units)
        {
            for (int i = 0; i < inputs; i++)
            {
                for (int u = 0; u < units; u++)
                {
                    double sum = dKernel[i * units + u];
                    for (int s = 0; s < batch; s++) sum += (double)x[s * inputs + i] * dy[s * units + u];
                    dKernel[i * units + u] = (float)sum;
                }
            }
            if (!dBias.IsEmpty)
            {
                for (int u = 0; u < units; u++)
                {
                    double sum = dBias[u];
                    for (int s = 0; s < batch; s++) sum += dy[s * units + u];
                    dBias[u] = (float)sum;
                }
            }
            if (!dx.IsEmpty)
            {
                for (int s = 0; s < batch; s++)
                {
                    for (int i = 0; i < inputs; i++)
                    {
                        double sum = 0;
                        for (int u = 0; u < units; u++) sum += (double)dy[s * units + u] * kernel[i * units + u];
                        dx[s * inputs + i] = (float)sum;
                    }
                }
            }
        }
    }
}
