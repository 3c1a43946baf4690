// Losses, accuracy and regularization against their reference twins, hand values and finite differences.
using System;
using ModelGen.Kernels;
using static ModelGen.Runtime.Tests.Kernels.KernelTestData;
using Ref = ModelGen.Kernels.Reference;

namespace ModelGen.Runtime.Tests.Kernels
{
    public class LossesTests
    {
        private static int[] Labels(int batch, int classes, ulong seed)
        {
            var rng = new Rng(seed);
            var labels = new int[batch];
            for (int i = 0; i < batch; i++) labels[i] = rng.NextInt(classes);
            return labels;
        }

        [Theory]
        [MemberData(nameof(Widths), MemberType = typeof(KernelTestData))]
        public void LossesAndRegularization_MatchReference(int width)
        {
            ulong seed = 900;
            var w = (SimdWidth)width;
            foreach (int batch in new[] { 1, 3, 17 })
            foreach (int classes in OddSizes)
            {
                float[] logits = Random(batch * classes, seed++, -30f, 30f);
                int[] labels = Labels(batch, classes, seed++);
                float[] dE = new float[logits.Length], dA = new float[logits.Length];
                float lossE = Ref.Losses.SoftmaxCrossEntropy(dE, logits, labels, batch, classes);
                float lossA = Losses.SoftmaxCrossEntropy(dA, logits, labels, batch, classes, w);
                AssertClose(lossE, lossA, $"cross entropy {batch}x{classes}");
                AssertClose(dE, dA, $"dLogits {batch}x{classes}");
                Assert.Equal(lossA, Losses.SoftmaxCrossEntropy(Span<float>.Empty, logits, labels, batch, classes, w));

                float[] targets = Random(logits.Length, seed++, -30f, 30f);
                float mseE = Ref.Losses.MeanSquaredError(dE, logits, targets, batch, classes);
                float mseA = Losses.MeanSquaredError(dA, logits, targets, batch, classes, w);
                AssertClose(mseE, mseA, $"mse {batch}x{classes}");
                AssertClose(dE, dA, $"dOutput {batch}x{classes}");

                Assert.Equal(Ref.Losses.CountCorrect(logits, labels, batch, classes), Losses.CountCorrect(logits, labels, batch, classes));
                Assert.Equal(Ref.Losses.CountCorrect(logits, targets, batch, classes), Losses.CountCorrect(logits, targets, batch, classes));

                float[] gradientE = Random(logits.Length, seed++), gradientA = (float[])gradientE.Clone();
                logits[0] = 0f; // sign(0) = 0
                float penaltyE = Ref.Regularization.Apply(gradientE, logits, 0.01f, 0.002f);
                float penaltyA = Regularization.Apply(gradientA, logits, 0.01f, 0.002f, w);
                AssertClose(penaltyE, penaltyA, $"penalty {logits.Length}");
                AssertClose(gradientE, gradientA, $"penalty gradient {logits.Length}");
            }
        }

        [Fact]
        public void LongReductions_StayAccurate()
        {
            // 1e6 squared errors of 1: float accumulation in one register would drift; the result must be 1 to 1e-6.
            float[] output = new float[1_000_000], targets = new float[1_000_000];
            Array.Fill(output, 1.5f);
            Array.Fill(targets, 0.5f);
            Assert.Equal(1f, Losses.MeanSquaredError(Span<float>.Empty, output, targets, 1000, 1000), 6);
            Assert.Equal(1_000_000f * 0.5f, Regularization.Apply(Span<float>.Empty, targets, 1f, 0f), 0);
        }

        [Fact]
        public void CrossEntropy_OfUniformLogits_IsLogClassesAndGradientSumsToZero()
        {
            // Equal logits: softmax = 1/4 each, loss = ln 4, dLogits = (1/4 - onehot) / batch.
            float[] logits = { 7, 7, 7, 7, -3, -3, -3, -3 }, d = new float[8];
            float loss = Losses.SoftmaxCrossEntropy(d, logits, new[] { 2, 0 }, 2, 4);
            Assert.Equal(MathF.Log(4f), loss, 5);
            AssertClose(new[] { 0.125f, 0.125f, -0.375f, 0.125f, -0.375f, 0.125f, 0.125f, 0.125f }, d, "dLogits");
        }

        [Fact]
        public void CrossEntropy_WithGradientOverTheLogits_GivesTheSameLossAndGradient()
        {
            float[] logits = Random(3 * 7, 71, -4f, 4f), inPlace = (float[])logits.Clone(), d = new float[logits.Length];
            int[] labels = { 6, 0, 3 };
            float loss = Losses.SoftmaxCrossEntropy(d, logits, labels, 3, 7);
            Assert.Equal(loss, Losses.SoftmaxCrossEntropy(inPlace, inPlace, labels, 3, 7));
            Assert.Equal(d, inPlace);
        }

        [Fact]
        public void CrossEntropy_OfHugeLogits_StaysFinite()
        {
            float[] logits = { 1000f, -1000f, 0f }, d = new float[3];
            float loss = Losses.SoftmaxCrossEntropy(d, logits, new[] { 1 }, 1, 3);
            Assert.Equal(2000f, loss, 2);
            AssertClose(new[] { 1f, -1f, 0f }, d, "dLogits");
        }

        [Fact]
        public void LossGradients_MatchFiniteDifferences()
        {
            const int batch = 3, classes = 5;
            float[] logits = Random(batch * classes, 61, -3f, 3f), targets = Random(batch * classes, 62);
            int[] labels = { 4, 0, 2 };
            double[] numeric = NumericGradient(logits, () => Ref.Losses.SoftmaxCrossEntropy(Span<float>.Empty, logits, labels, batch, classes), 1e-2f);
            var d = new float[logits.Length];
            Losses.SoftmaxCrossEntropy(d, logits, labels, batch, classes);
            AssertGradient(numeric, d, "dLogits");

            numeric = NumericGradient(logits, () => Ref.Losses.MeanSquaredError(Span<float>.Empty, logits, targets, batch, classes), 1e-2f);
            Losses.MeanSquaredError(d, logits, targets, batch, classes);
            AssertGradient(numeric, d, "dOutput");
        }

        [Fact]
        public void ArgMaxAndCountCorrect_PickTheFirstMaximum()
        {
            Assert.Equal(1, Losses.ArgMax(new[] { 1f, 5f, 5f, -2f }));
            Assert.Equal(0, Losses.ArgMax(new[] { 3f }));
            float[] outputs = { 0.1f, 0.9f, 0f, 0.7f, 0.2f, 0.1f };
            Assert.Equal(1, Losses.CountCorrect(outputs, new[] { 1, 1 }, 2, 3));
            Assert.Equal(2, Losses.CountCorrect(outputs, new[] { 0f, 1f, 0f, 1f, 0f, 0f }, 2, 3));
        }

        [Fact]
        public void Regularization_OfKnownWeights_FollowsKeras()
        {
            // w = [-2, 0, 3], l1 = 0.5, l2 = 0.25: penalty 0.5 * 5 + 0.25 * 13 = 5.75; gradient += 0.5 sign(w) + 0.5 w.
            float[] weights = { -2, 0, 3 }, gradient = { 1, 1, 1 };
            Assert.Equal(5.75f, Regularization.Apply(gradient, weights, 0.5f, 0.25f));
            Assert.Equal(new[] { 1f - 0.5f - 1f, 1f, 1f + 0.5f + 1.5f }, gradient);
        }

        [Fact]
        public void BadArguments_Throw()
        {
            float[] logits = new float[6];
            var error = Assert.Throws<ArgumentOutOfRangeException>(() => Losses.SoftmaxCrossEntropy(Span<float>.Empty, logits, new[] { 0, 3 }, 2, 3));
            Assert.Equal("labels", error.ParamName);
            Assert.Contains("sample 1", error.Message);
            Assert.Contains("3", error.Message);
            Assert.Equal("labels", Assert.Throws<ArgumentOutOfRangeException>(() => Losses.SoftmaxCrossEntropy(logits, logits, new[] { -1, 0 }, 2, 3)).ParamName);
            Assert.Equal("dLogits", Assert.Throws<ArgumentException>(() => Losses.SoftmaxCrossEntropy(new float[5], logits, new[] { 0, 0 }, 2, 3)).ParamName);
            Assert.Equal("targets", Assert.Throws<ArgumentException>(() => Losses.MeanSquaredError(logits, logits, new float[5], 2, 3)).ParamName);
            Assert.Equal("values", Assert.Throws<ArgumentException>(() => Losses.ArgMax(ReadOnlySpan<float>.Empty)).ParamName);
            Assert.Equal("gradient", Assert.Throws<ArgumentException>(() => Regularization.Apply(new float[2], logits, 0.1f, 0f)).ParamName);
            Assert.Equal("l2", Assert.Throws<ArgumentOutOfRangeException>(() => Regularization.Apply(logits, logits, 0.1f, -1f)).ParamName);
        }
    }
}
