// Reference twin of Kernels.BatchNorm: per channel statistics in double, then the normalization formulas.
using System;

namespace ModelGen.Kernels.Reference
{
    internal static class BatchNorm
    {
        internal static void Inference(Span<float> y, ReadOnlySpan<float> x, ReadOnlySpan<float> gamma, ReadOnlySpan<float> beta,
                                       ReadOnlySpan<float> movingMean, ReadOnlySpan<float> movingVariance, int rows, int channels, float epsilon)
        {
            for (int c = 0; c < channels; c++)
            {
                float g = gamma.IsEmpty ? 1f : gamma[c], b = beta.IsEmpty ? 0f : beta[c];
                double std = Math.Sqrt(movingVariance[c] + (double)epsilon);
                for (int r = 0; r < rows; r++)
                {
                    y[r * channels + c] = (float)(g * (x[r * channels + c] - movingMean[c]) / std + b);
                }
            }
        }

        internal static void TrainingForward(Span<float> y, Span<float> normalized, Span<float> inverseStd, Span<float> movingMean,
                                             Span<float> movingVariance, ReadOnlySpan<float> x, ReadOnlySpan<float> gamma, ReadOnlySpan<float> beta,
                                             int rows, int channels, float momentum, float epsilon)
        {
            for (int c = 0; c < channels; c++)
            {
                double mean = 0, variance = 0;
                for (int r = 0; r < rows; r++) mean += x[r * channels + c];
                mean /= rows;
                for (int r = 0; r < rows; r++) variance += (x[r * channels + c] - mean) * (x[r * channels + c] - mean);
                variance /= rows; // biased, as Keras
                double invStd = 1.0 / Math.Sqrt(variance + epsilon);
                inverseStd[c] = (float)invStd;
                float g = gamma.IsEmpty ? 1f : gamma[c], b = beta.IsEmpty ? 0f : beta[c];
                for (int r = 0; r < rows; r++)
                {
                    double xhat = (x[r * channels + c] - mean) * invStd;
                    normalized[r * channels + c] = (float)xhat;
                    y[r * channels + c] = (float)(g * xhat + b);
                }
                movingMean[c] = (float)(movingMean[c] * momentum + mean * (1.0 - momentum));
                movingVariance[c] = (float)(movingVariance[c] * momentum + variance * (1.0 - momentum));
            }
        }

        internal static void Backward(Span<float> dx, Span<float> dGamma, Span<float> dBeta, ReadOnlySpan<float> dy, ReadOnlySpan<float> normalized,
                                      ReadOnlySpan<float> inverseStd, ReadOnlySpan<float> gamma, int rows, int channels)
        {
            for (int c = 0; c < channels; c++)
            {
                double sumDy = 0, sumDyXhat = 0;
                for (int r = 0; r < rows; r++)
                {
                    sumDy += dy[r * channels + c];
                    sumDyXhat += (double)dy[r * channels + c] * normalized[r * channels + c];
                }
                if (!dGamma.IsEmpty) dGamma[c] += (float)sumDyXhat;
                if (!dBeta.IsEmpty) dBeta[c] += (float)sumDy;
                if (dx.IsEmpty) continue;
                double g = gamma.IsEmpty ? 1.0 : gamma[c];
                double factor = g * inverseStd[c] / rows;
                for (int r = 0; r < rows; r++)
                {
                    int i = r * channels + c;
                    dx[i] = (float)(factor * (rows * (double)dy[i] - sumDy - normalized[i] * sumDyXhat));
                }
            }
        }
    }
}
