// SyntheticDigits: deterministic, balanced, in range, and learnable by a small network (a plain MLP written here).
using System;
using System.Linq;
using ModelGen.Data;

namespace ModelGen.Runtime.Tests.Data
{
    public sealed class SyntheticDigitsTests
    {
        [Fact]
        public void SameSeed_GivesIdenticalData_OtherSeedDoesNot()
        {
            Dataset a = SyntheticDigits.Generate(50, seed: 7), b = SyntheticDigits.Generate(50, seed: 7), c = SyntheticDigits.Generate(50, seed: 8);
            Assert.Equal(a.Inputs, b.Inputs);
            Assert.Equal(a.Labels, b.Labels);
            Assert.NotEqual(a.Inputs, c.Inputs);
        }

        [Fact]
        public void Labels_AreBalancedAndShuffled()
        {
            Dataset data = SyntheticDigits.Generate(1003, seed: 1);
            Assert.Equal(new[] { 101, 101, 101, 100, 100, 100, 100, 100, 100, 100 }, data.CountPerClass());
            Assert.NotEqual(Enumerable.Range(0, 1003).Select(i => i % 10), data.Labels);
        }

        [Fact]
        public void Images_AreMnistShapedWithInkAndBackground()
        {
            Dataset data = SyntheticDigits.Generate(100, seed: 2);
            Assert.Equal(Mnist.InputLength, data.InputLength);
            Assert.All(data.Inputs, v => Assert.InRange(v, 0f, 1f));
            for (int i = 0; i < data.Count; i++)
            {
                float[] image = data.Input(i).ToArray();
                int ink = image.Count(v => v > 0.5f);
                Assert.InRange(ink, 20, 400); // a stroke, not an empty or a filled square
                Assert.True(image.Average() < 0.35f);
            }
        }

        [Fact]
        public void SmallMlp_LearnsItToOver90Percent()
        {
            Dataset train = SyntheticDigits.Generate(3000, seed: 11), test = SyntheticDigits.Generate(1000, seed: 12);
            var mlp = new TinyMlp(Mnist.InputLength, 48, 10, seed: 3);
            var batches = new Batcher(train, 1, seed: 4);
            for (int epoch = 0; epoch < 6; epoch++)
            {
                batches.StartEpoch();
                while (batches.TryNext(out _)) mlp.Train(batches.Inputs, batches.Labels[0], learningRate: 0.05f);
            }
            int correct = Enumerable.Range(0, test.Count).Count(i => mlp.Predict(test.Input(i)) == test.Labels[i]);
            Assert.True(correct > 900, $"accuracy {correct / 10.0}% on 1000 test images");
        }

        /// <summary>784-48-10, ReLU, softmax cross entropy, plain SGD on one sample at a time.</summary>
        private sealed class TinyMlp
        {
            private readonly int n, h, k;
            private readonly float[] w1, b1, w2, b2, hidden, logits;

            public TinyMlp(int inputs, int hiddenUnits, int classes, ulong seed)
            {
                (n, h, k) = (inputs, hiddenUnits, classes);
                var rng = new Rng(seed);
                w1 = Enumerable.Range(0, n * h).Select(_ => (float)(rng.NextGaussian() * Math.Sqrt(2.0 / n))).ToArray();
                w2 = Enumerable.Range(0, h * k).Select(_ => (float)(rng.NextGaussian() * Math.Sqrt(2.0 / h))).ToArray();
                (b1, b2, hidden, logits) = (new float[h], new float[k], new float[h], new float[k]);
            }

            private void Forward(ReadOnlySpan<float> x)
            {
                for (int j = 0; j < h; j++)
                {
                    float s = b1[j];
                    for (int i = 0; i < n; i++) s += x[i] * w1[i * h + j];
                    hidden[j] = Math.Max(0, s);
                }
                for (int c = 0; c < k; c++)
                {
                    float s = b2[c];
                    for (int j = 0; j < h; j++) s += hidden[j] * w2[j * k + c];
                    logits[c] = s;
                }
            }

            public int Predict(ReadOnlySpan<float> x)
            {
                Forward(x);
                return Array.IndexOf(logits, logits.Max());
            }

            public void Train(ReadOnlySpan<float> x, int label, float learningRate)
            {
                Forward(x);
                float max = logits.Max(), sum = 0;
                Span<float> d = stackalloc float[k];
                for (int c = 0; c < k; c++) sum += d[c] = MathF.Exp(logits[c] - max);
                for (int c = 0; c < k; c++) d[c] = d[c] / sum - (c == label ? 1 : 0);
                Span<float> dh = stackalloc float[h];
                for (int j = 0; j < h; j++)
                {
                    float g = 0;
                    for (int c = 0; c < k; c++) g += d[c] * w2[j * k + c];
                    dh[j] = hidden[j] > 0 ? g : 0;
                    for (int c = 0; c < k; c++) w2[j * k + c] -= learningRate * d[c] * hidden[j];
                }
                for (int c = 0; c < k; c++) b2[c] -= learningRate * d[c];
                for (int i = 0; i < n; i++)
                {
                    if (x[i] == 0) continue;
                    for (int j = 0; j < h; j++) w1[i * h + j] -= learningRate * dh[j] * x[i];
                }
                for (int j = 0; j < h; j++) b1[j] -= learningRate * dh[j];
            }
        }
    }
}
