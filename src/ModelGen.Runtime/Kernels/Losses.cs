// Losses (mean over the batch) with their gradients, and accuracy counting. Softmax cross entropy works from
// log-sum-exp with the row maximum subtracted, so no logit overflows and no probability underflows to log(0).
using System;

namespace ModelGen.Kernels
{
    /// <summary>The training losses of the tutorials and the accuracy helpers that go with them.</summary>
    public static unsafe class Losses
    {
        // Long reductions add float vectors for at most this many vectors, then fold into a double.
        private const int FoldEvery = 256;

        /// <summary>
        /// Mean softmax cross entropy of [batch x classes] logits against class indices, as TensorFlow's
        /// <c>sparse_softmax_cross_entropy_with_logits</c> followed by <c>reduce_mean</c>: per row
        /// <c>log(sum_j exp(x_j - max)) + max - x_label</c>. When <paramref name="dLogits"/> is not empty it receives
        /// <c>(softmax - onehot) / batch</c>; it may be the same memory as <paramref name="logits"/>.
        /// </summary>
        /// <exception cref="ArgumentOutOfRangeException">A size is not positive, or a label is outside [0, classes) (the message names the sample).</exception>
        /// <exception cref="ArgumentException">A span's length does not match the sizes.</exception>
        public static float SoftmaxCrossEntropy(Span<float> dLogits, ReadOnlySpan<float> logits, ReadOnlySpan<int> labels, int batch, int classes) =>
            SoftmaxCrossEntropy(dLogits, logits, labels, batch, classes, Simd.Best);

        /// <summary>
        /// Mean squared error over all <c>batch * outputs</c> values, as <c>tf.losses.mean_squared_error</c>. When
        /// <paramref name="dOutput"/> is not empty it receives <c>2 (y - t) / (batch * outputs)</c>.
        /// </summary>
        /// <exception cref="ArgumentOutOfRangeException">A size is not positive.</exception>
        /// <exception cref="ArgumentException">A span's length does not match the sizes.</exception>
        public static float MeanSquaredError(Span<float> dOutput, ReadOnlySpan<float> output, ReadOnlySpan<float> targets, int batch, int outputs) =>
            MeanSquaredError(dOutput, output, targets, batch, outputs, Simd.Best);

        /// <summary>The first index of the largest value, as <c>tf.argmax</c> (a NaN is never larger, so it wins only in first place).</summary>
        /// <exception cref="ArgumentException"><paramref name="values"/> is empty.</exception>
        public static int ArgMax(ReadOnlySpan<float> values)
        {
            if (values.IsEmpty)
            {
                throw new ArgumentException("values must not be empty.", nameof(values));
            }
            // A plain scan: rows are class scores (tens of values) and a vector maximum would mishandle NaNs.
            int best = 0;
            float bestValue = values[0];
            for (int i = 1; i < values.Length; i++)
            {
                if (values[i] > bestValue)
                {
                    best = i;
                    bestValue = values[i];
                }
            }
            return best;
        }

        /// <summary>The number of rows of [batch x classes] <paramref name="outputs"/> whose <see cref="ArgMax(ReadOnlySpan{float})"/> equals the row's label.</summary>
        /// <exception cref="ArgumentOutOfRangeException">A size is not positive, or a label is outside [0, classes).</exception>
        /// <exception cref="ArgumentException">A span's length does not match the sizes.</exception>
        public static int CountCorrect(ReadOnlySpan<float> outputs, ReadOnlySpan<int> labels, int batch, int classes)
        {
            CheckSizes(batch, classes, nameof(classes));
            Check.Length(outputs.Length, (long)batch * classes, nameof(outputs));
            Check.Length(labels.Length, batch, nameof(labels));
            CheckLabels(labels, classes);
            int correct = 0;
            for (int r = 0; r < batch; r++)
            {
                if (ArgMax(outputs.Slice(r * classes, classes)) == labels[r]) correct++;
            }
            return correct;
        }

        /// <summary>The number of rows whose arg max over <paramref name="outputs"/> equals the arg max over <paramref name="targets"/> (one-hot or soft targets). <paramref name="classes"/> is the number of values per row.</summary>
        /// <exception cref="ArgumentOutOfRangeException">A size is not positive.</exception>
        /// <exception cref="ArgumentException">A span's length does not match the sizes.</exception>
        public static int CountCorrect(ReadOnlySpan<float> outputs, ReadOnlySpan<float> targets, int batch, int classes)
        {
            CheckSizes(batch, classes, nameof(classes));
            Check.Length(outputs.Length, (long)batch * classes, nameof(outputs));
            Check.Length(targets.Length, (long)batch * classes, nameof(targets));
            int correct = 0;
            for (int r = 0; r < batch; r++)
            {
                if (ArgMax(outputs.Slice(r * classes, classes)) == ArgMax(targets.Slice(r * classes, classes))) correct++;
            }
            return correct;
        }

        internal static float SoftmaxCrossEntropy(Span<float> dLogits, ReadOnlySpan<float> logits, ReadOnlySpan<int> labels, int batch, int classes, SimdWidth width)
        {
            CheckSizes(batch, classes, nameof(classes));
            Check.LengthOrEmpty(dLogits.Length, (long)batch * classes, nameof(dLogits));
            Check.Length(logits.Length, (long)batch * classes, nameof(logits));
            Check.Length(labels.Length, batch, nameof(labels));
            CheckLabels(labels, classes);
            double total = 0;
            float inverseBatch = 1f / batch;
            fixed (float* pd = dLogits, px = logits)
            {
                for (int r = 0; r < batch; r++)
                {
                    float* x = px + (long)r * classes;
                    float* d = dLogits.IsEmpty ? null : pd + (long)r * classes;
                    float labelLogit = x[labels[r]]; // read first: dLogits may be the logits' own memory
                    float max = Elementwise.Max(width, x, classes);
                    float sum = Elementwise.ExpSum(width, d, x, max, classes);
                    total += Math.Log(sum) + max - labelLogit;
                    if (d != null)
                    {
                        Elementwise.Scale(width, d, d, inverseBatch / sum, classes);
                        d[labels[r]] -= inverseBatch;
                    }
                }
            }
            return (float)(total / batch);
        }

        internal static float MeanSquaredError(Span<float> dOutput, ReadOnlySpan<float> output, ReadOnlySpan<float> targets, int batch, int outputs, SimdWidth width)
        {
            CheckSizes(batch, outputs, nameof(outputs));
            long length = (long)batch * outputs;
            Check.LengthOrEmpty(dOutput.Length, length, nameof(dOutput));
            Check.Length(output.Length, length, nameof(output));
            Check.Length(targets.Length, length, nameof(targets));
            fixed (float* pd = dOutput, py = output, pt = targets)
            {
                var kernel = new SquaredErrorKernel { Gradient = dOutput.IsEmpty ? null : pd, Output = py, Targets = pt, Scale = 2f / length };
                Simd.Chain(ref kernel, width, (int)length);
                return (float)(kernel.Sum / length);
            }
        }

        private static void CheckSizes(int batch, int width, string widthName)
        {
            Check.Positive(batch, nameof(batch));
            Check.Positive(width, widthName);
        }

        private static void CheckLabels(ReadOnlySpan<int> labels, int classes)
        {
            for (int i = 0; i < labels.Length; i++)
            {
                if ((uint)labels[i] >= (uint)classes)
                {
                    throw new ArgumentOutOfRangeException(
                        nameof(labels), labels[i], $"Label {labels[i]} of sample {i} is outside [0, {classes}).");
                }
            }
        }

        private struct SquaredErrorKernel : IVectorKernel
        {
            public float* Gradient, Output, Targets;
            public float Scale;
            public double Sum;

            public void Run<TOps, TVec>(int start, int count)
                where TOps : struct, IVectorOps<TVec>
                where TVec : unmanaged
            {
                int w = TOps.Count;
                float* y = Output + start, t = Targets + start, g = Gradient == null ? null : Gradient + start;
                TVec scale = TOps.Broadcast(Scale);
                for (int i0 = 0; i0 < count; i0 += FoldEvery * w)
                {
                    int end = Math.Min(count, i0 + FoldEvery * w);
                    TVec s = TOps.Zero;
                    for (int i = i0; i < end; i += w)
                    {
                        TVec e = TOps.Subtract(TOps.Load(y + i), TOps.Load(t + i));
                        s = TOps.MultiplyAdd(e, e, s);
                        if (g != null) TOps.Store(g + i, TOps.Multiply(e, scale));
                    }
                    Sum += TOps.Sum(s);
                }
            }
        }
    }
}
