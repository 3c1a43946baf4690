// A hand-written ITrainableModel<int> test double: multinomial logistic regression, y = softmax(x W + b), written out by hand.
using System;
using ModelGen;
using ModelGen.Data;

namespace ModelGen.Runtime.Tests.Trainers
{
    /// <summary>
    /// Softmax regression with W [inputs, classes] and b [classes] in one arena, zero-initialized; TrainStep computes the
    /// mean cross-entropy gradient (ComputeGradients) and calls the optimizer, as generated models do. Allocates nothing after construction.
    /// </summary>
    internal sealed class SoftmaxRegression : ITrainableModel<int>
    {
        private readonly float[] parameters;
        private readonly float[] gradients;
        private readonly float[] probabilities;
        private readonly ParameterRange[] trainable;
        private readonly VariableInfo[] variables;
        private readonly int[] batchSizes = new int[4096];

        public SoftmaxRegression(int inputLength, int classes, int batchSize)
        {
            InputLength = inputLength;
            OutputLength = classes;
            BatchSize = batchSize;
            int length = inputLength * classes + classes;
            parameters = new float[length];
            gradients = new float[length];
            probabilities = new float[batchSize * classes];
            trainable = new[] { new ParameterRange(0, length) };
            variables = new[]
            {
                new VariableInfo("logits/kernel", new[] { inputLength, classes }, 0, VariableKind.Kernel, true),
                new VariableInfo("logits/bias", new[] { classes }, inputLength * classes, VariableKind.Bias, true),
            };
        }

        public int InputLength { get; }
        public int OutputLength { get; }
        public int BatchSize { get; }
        public int LabelLength => 1;
        public ReadOnlySpan<VariableInfo> Variables => variables;
        public Span<float> Parameters => parameters;

        /// <summary>The number of TrainStep calls so far.</summary>
        public int Steps { get; private set; }

        /// <summary>The sample count of each TrainStep call, in order (the first 4096).</summary>
        public ReadOnlySpan<int> BatchSizes => batchSizes.AsSpan(0, Math.Min(Steps, batchSizes.Length));

        /// <summary>When set, the TrainStep call with this 1-based number returns NaN, as a diverged model would.</summary>
        public int? NaNAtStep { get; set; }

        public float TrainStep(ReadOnlySpan<float> inputs, ReadOnlySpan<int> labels, Optimizer optimizer)
        {
            int n = Count(inputs, labels, BatchSize);
            if (Steps < batchSizes.Length) batchSizes[Steps] = n;
            Steps++;
            float loss = ComputeGradients(inputs, labels);
            optimizer.Apply(parameters, gradients, trainable);
            return Steps == NaNAtStep ? float.NaN : loss;
        }

        public Span<float> Gradients => gradients;

        public float ComputeGradients(ReadOnlySpan<float> inputs, ReadOnlySpan<int> labels)
        {
            int n = Count(inputs, labels, BatchSize);
            int d = InputLength, k = OutputLength;
            Span<float> p = probabilities.AsSpan(0, n * k);
            Logits(inputs, p, n);
            double loss = 0;
            gradients.AsSpan().Clear();
            for (int i = 0; i < n; i++)
            {
                Span<float> row = p.Slice(i * k, k);
                Softmax(row);
                loss -= Math.Log(Math.Max(row[labels[i]], 1e-30f));
                row[labels[i]] -= 1f; // d(loss)/d(logits) = p - onehot, before dividing by n
                for (int c = 0; c < k; c++)
                {
                    float delta = row[c] / n;
                    for (int j = 0; j < d; j++) gradients[j * k + c] += inputs[i * d + j] * delta;
                    gradients[d * k + c] += delta;
                }
            }
            return (float)(loss / n);
        }

        public Evaluation Evaluate(ReadOnlySpan<float> inputs, ReadOnlySpan<int> labels)
        {
            int count = Count(inputs, labels, int.MaxValue);
            double loss = 0;
            int correct = 0;
            for (int start = 0; start < count; start += BatchSize)
            {
                int n = Math.Min(BatchSize, count - start);
                Span<float> p = probabilities.AsSpan(0, n * OutputLength);
                Logits(inputs.Slice(start * InputLength, n * InputLength), p, n);
                for (int i = 0; i < n; i++)
                {
                    Span<float> row = p.Slice(i * OutputLength, OutputLength);
                    if (ArgMax(row) == labels[start + i]) correct++;
                    Softmax(row);
                    loss -= Math.Log(Math.Max(row[labels[start + i]], 1e-30f));
                }
            }
            return new Evaluation(loss / count, (double)correct / count, count);
        }

        public void Forward(ReadOnlySpan<float> inputs, Span<float> outputs) => Logits(inputs, outputs, inputs.Length / InputLength);

        public int Predict(ReadOnlySpan<float> input)
        {
            Span<float> logits = stackalloc float[OutputLength];
            Logits(input, logits, 1);
            return ArgMax(logits);
        }

        private void Logits(ReadOnlySpan<float> inputs, Span<float> outputs, int n)
        {
            int d = InputLength, k = OutputLength;
            for (int i = 0; i < n; i++)
            {
                for (int c = 0; c < k; c++)
                {
                    float sum = parameters[d * k + c];
                    for (int j = 0; j < d; j++) sum += inputs[i * d + j] * parameters[j * k + c];
                    outputs[i * k + c] = sum;
                }
            }
        }

        private static void Softmax(Span<float> row)
        {
            float max = row[0];
            foreach (float v in row) max = Math.Max(max, v);
            float sum = 0;
            for (int c = 0; c < row.Length; c++) sum += row[c] = MathF.Exp(row[c] - max);
            for (int c = 0; c < row.Length; c++) row[c] /= sum;
        }

        private static int ArgMax(ReadOnlySpan<float> row)
        {
            int arg = 0;
            for (int c = 1; c < row.Length; c++) if (row[c] > row[arg]) arg = c;
            return arg;
        }

        private int Count(ReadOnlySpan<float> inputs, ReadOnlySpan<int> labels, int max)
        {
            int n = inputs.Length / InputLength;
            if (n < 1 || n > max || inputs.Length % InputLength != 0 || labels.Length != n)
                throw new ArgumentException($"{inputs.Length} inputs and {labels.Length} labels do not make 1..{max} samples.");
            return n;
        }

        /// <summary>
        /// <paramref name="count"/> samples of <paramref name="inputLength"/> floats in <paramref name="classes"/> Gaussian
        /// blobs: class c is centred at 2 on feature c (mod inputLength), with noise of standard deviation
        /// <paramref name="noise"/>, so the classes are linearly separable for a small noise.
        /// </summary>
        public static Dataset Blobs(int count, int inputLength, int classes, ulong seed, double noise = 0.5)
        {
            var rng = new Rng(seed);
            float[] inputs = new float[count * inputLength];
            int[] labels = new int[count];
            for (int i = 0; i < count; i++)
            {
                int label = rng.NextInt(classes);
                labels[i] = label;
                for (int j = 0; j < inputLength; j++)
                    inputs[i * inputLength + j] = (float)(noise * rng.NextGaussian()) + (j == label % inputLength ? 2f : 0f);
            }
            return new Dataset(inputs, labels, inputLength);
        }

        /// <summary>The same samples with every label c replaced by (c + 1) mod classes: a set the model gets worse on as it learns.</summary>
        public static Dataset ShiftLabels(Dataset data, int classes)
        {
            int[] labels = new int[data.Count];
            for (int i = 0; i < labels.Length; i++) labels[i] = (data.Labels[i] + 1) % classes;
            return new Dataset(data.Inputs, labels, data.InputLength);
        }
    }

    /// <summary>An IProgress that reports synchronously on the caller's thread, so tests see every report in order.</summary>
    internal sealed class Report<T> : IProgress<T>
    {
        private readonly Action<T> action;

        public Report(Action<T> action) => this.action = action;

        void IProgress<T>.Report(T value) => action(value);
    }
}
