// Reference twin of Kernels.Losses: log-sum-exp cross entropy and squared error in double.
using System;

namespace ModelGen.Kernels.Reference
{
    internal static class Losses
    {
        internal static float SoftmaxCrossEntropy(Span<float> dLogits, ReadOnlySpan<float> logits, ReadOnlySpan<int> labels, int batch, int classes)
        {
            for (int s = 0; s < batch; s++)
            {
                if (labels[s] < 0 || labels[s] >= classes)
                {
                    throw new ArgumentOutOfRangeException(nameof(labels), labels[s], $"Label {labels[s]} of sample {s} is outside [0, {classes}).");
                }
            }
            double total = 0;
            for (int s = 0; s < batch; s++)
            {
                ReadOnlySpan<float> row = logits.Slice(s * classes, classes);
                double max = double.NegativeInfinity;
                foreach (float v in row) max = Math.Max(max, v);
                double sum = 0;
                foreach (float v in row) sum += Math.Exp(v - max);
                total += Math.Log(sum) + max - row[labels[s]];
                if (!dLogits.IsEmpty)
                {
                    for (int j = 0; j < classes; j++)
                    {
                        double softmax = Math.Exp(row[j] - max) / sum;
                        dLogits[s * classes + j] = (float)((softmax - (j == labels[s] ? 1.0 : 0.0)) / batch);
                    }
                }
            }
            return (float)(total / batch);
        }

        internal static float MeanSquaredError(Span<float> dOutput, ReadOnlySpan<float> output, ReadOnlySpan<float> targets, int batch, int outputs)
        {
            int n = batch * outputs;
            double sum = 0;
            for (int i = 0; i < n; i++)
            {
                double e = output[i] - (double)targets[i];
                sum += e * e;
                if (!dOutput.IsEmpty) dOutput[i] = (float)(2.0 * e / n);
            }
            return (float)(sum / n);
        }

        internal static int ArgMax(ReadOnlySpan<float> values)
        {
            int best = 0;
            for (int i = 1; i < values.Length; i++)
            {
                if (values[i] > values[best]) best = i;
            }
            return best;
        }

        internal static int CountCorrect(ReadOnlySpan<float> outputs, ReadOnlySpan<int> labels, int batch, int classes)
        {
            int correct = 0;
            for (int s = 0; s < batch; s++)
            {
                if (ArgMax(outputs.Slice(s * classes, classes)) == labels[s]) correct++;
            }
            return correct;
        }

        internal static int CountCorrect(ReadOnlySpan<float> outputs, ReadOnlySpan<float> targets, int batch, int classes)
        {
            int correct = 0;
            for (int s = 0; s < batch; s++)
            {
                if (ArgMax(outputs.Slice(s * classes, classes)) == ArgMax(targets.Slice(s * classes, classes))) correct++;
            }
            return correct;
        }
    }
}
