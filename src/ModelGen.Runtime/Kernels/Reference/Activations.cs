// Reference twin of Kernels.Activations: each activation and derivative from its textbook formula with MathF.
using System;

namespace ModelGen.Kernels.Reference
{
    internal static class Activations
    {
        internal static float Apply(float x, Activation activation, float alpha) => activation switch
        {
            Activation.Linear => x,
            Activation.Relu => x > 0f ? x : 0f,
            Activation.LeakyRelu => x > 0f ? x : alpha * x,
            Activation.Elu => x > 0f ? x : alpha * (MathF.Exp(x) - 1f),
            Activation.Sigmoid => 1f / (1f + MathF.Exp(-x)),
            Activation.Tanh => MathF.Tanh(x),
            _ => throw new ArgumentException("Softmax is not element-wise.", nameof(activation)),
        };

        internal static float DerivativeFromOutput(float y, Activation activation, float alpha) => activation switch
        {
            Activation.Linear => 1f,
            Activation.Relu => y > 0f ? 1f : 0f,
            Activation.LeakyRelu => y > 0f ? 1f : alpha,
            Activation.Elu => y > 0f ? 1f : y + alpha,
            Activation.Sigmoid => y * (1f - y),
            Activation.Tanh => 1f - y * y,
            _ => throw new ArgumentException("Softmax is not element-wise.", nameof(activation)),
        };

        internal static void Forward(Span<float> y, ReadOnlySpan<float> x, Activation activation, float alpha)
        {
            for (int i = 0; i < x.Length; i++) y[i] = Apply(x[i], activation, alpha);
        }

        internal static void Backward(Span<float> dx, ReadOnlySpan<float> dy, ReadOnlySpan<float> y, Activation activation, float alpha)
        {
            for (int i = 0; i < y.Length; i++) dx[i] = dy[i] * DerivativeFromOutput(y[i], activation, alpha);
        }

        internal static void Softmax(Span<float> y, ReadOnlySpan<float> x, int rows, int cols)
        {
            for (int r = 0; r < rows; r++)
            {
                ReadOnlySpan<float> xr = x.Slice(r * cols, cols);
                Span<float> yr = y.Slice(r * cols, cols);
                float max = float.NegativeInfinity;
                for (int j = 0; j < cols; j++) max = Math.Max(max, xr[j]);
                double sum = 0;
                for (int j = 0; j < cols; j++) sum += Math.Exp(xr[j] - max);
                for (int j = 0; j < cols; j++) yr[j] = (float)(Math.Exp(xr[j] - max) / sum);
            }
        }

        internal static void SoftmaxBackward(Span<float> dx, ReadOnlySpan<float> dy, ReadOnlySpan<float> y, int rows, int cols)
        {
            for (int r = 0; r < rows; r++)
            {
                double dot = 0;
                for (int j = 0; j < cols; j++) dot += (double)dy[r * cols + j] * y[r * cols + j];
                for (int j = 0; j < cols; j++) dx[r * cols + j] = (float)(y[r * cols + j] * (dy[r * cols + j] - dot));
            }
        }
    }
}
