// Batch norm against its reference twin on every path, hand-checked statistics, and backward against finite differences.
using System;
using ModelGen.Kernels;
using static ModelGen.Runtime.Tests.Kernels.KernelTestData;
using Ref = ModelGen.Kernels.Reference;

namespace ModelGen.Runtime.Tests.Kernels
{
    public class BatchNormTests
    {
        [Theory]
        [MemberData(nameof(Widths), MemberType = typeof(KernelTestData))]
        public void AllKernels_MatchReference(int width)
        {
            ulong seed = 800;
            var w = (SimdWidth)width;
            foreach (int rows in new[] { 1, 3, 7, 17 })
            foreach (int channels in OddSizes)
            {
                bool affine = (seed & 1) == 0;
                int n = rows * channels;
                float[] x = Random(n, seed++, -2f, 3f);
                float[] gamma = affine ? Random(channels, seed++, 0.5f, 2f) : Array.Empty<float>();
                float[] beta = affine ? Random(channels, seed++) : Array.Empty<float>();
                float[] mean0 = Random(channels, seed++), variance0 = Random(channels, seed++, 0.5f, 2f);
                string shape = $"{rows}x{channels} affine={affine}";

                float[] yE = new float[n], yA = new float[n];
                Ref.BatchNorm.Inference(yE, x, gamma, beta, mean0, variance0, rows, channels, 1e-3f);
                BatchNorm.Inference(yA, x, gamma, beta, mean0, variance0, rows, channels, 1e-3f, w);
                AssertClose(yE, yA, "inference " + shape);

                float[] normE = new float[n], normA = new float[n], invE = new float[channels], invA = new float[channels];
                float[] meanE = (float[])mean0.Clone(), meanA = (float[])mean0.Clone();
                float[] varE = (float[])variance0.Clone(), varA = (float[])variance0.Clone();
                Ref.BatchNorm.TrainingForward(yE, normE, invE, meanE, varE, x, gamma, beta, rows, channels, 0.9f, 1e-3f);
                BatchNorm.TrainingForward(yA, normA, invA, meanA, varA, x, gamma, beta, rows, channels, 0.9f, 1e-3f, w);
                AssertClose(yE, yA, "training y " + shape, relative: 2e-5);
                AssertClose(normE, normA, "normalized " + shape, relative: 2e-5);
                AssertClose(invE, invA, "inverseStd " + shape);
                AssertClose(meanE, meanA, "moving mean " + shape);
                AssertClose(varE, varA, "moving variance " + shape);

                float[] dy = Random(n, seed++), dxE = new float[n], dxA = Random(n, seed++);
                float[] dGamma0 = Random(channels, seed++), dBeta0 = Random(channels, seed++);
                float[] dGammaE = (float[])dGamma0.Clone(), dGammaA = (float[])dGamma0.Clone();
                float[] dBetaE = (float[])dBeta0.Clone(), dBetaA = (float[])dBeta0.Clone();
                Ref.BatchNorm.Backward(dxE, dGammaE, dBetaE, dy, normE, invE, gamma, rows, channels);
                BatchNorm.Backward(dxA, dGammaA, dBetaA, dy, normE, invE, gamma, rows, channels, w);
                AssertClose(dxE, dxA, "dx " + shape, relative: 2e-5);
                AssertClose(dGammaE, dGammaA, "dGamma " + shape);
                AssertClose(dBetaE, dBetaA, "dBeta " + shape);
            }
        }

        [Fact]
        public void TrainingForward_OfKnownColumn_UsesBiasedVarianceAndMomentum()
        {
            // One channel, x = [1, 2, 3, 6]: mean 3, biased variance (4 + 1 + 0 + 9) / 4 = 3.5 (unbiased would be 14/3).
            // With epsilon 0.5, invStd = 1/2, xhat = [-1, -0.5, 0, 1.5]; momentum 0.75 from moving (1, 1) gives
            // mean 0.75 + 0.25 * 3 = 1.5 and variance 0.75 + 0.25 * 3.5 = 1.625.
            float[] x = { 1, 2, 3, 6 }, y = new float[4], normalized = new float[4], inverseStd = new float[1];
            float[] movingMean = { 1 }, movingVariance = { 1 };
            Ref.BatchNorm.TrainingForward(y, normalized, inverseStd, movingMean, movingVariance, x, new[] { 2f }, new[] { 1f }, 4, 1, 0.75f, 0.5f);
            Assert.Equal(new[] { -1f, -0.5f, 0f, 1.5f }, normalized);
            Assert.Equal(new[] { -1f, 0f, 1f, 4f }, y);
            Assert.Equal(0.5f, inverseStd[0]);
            Assert.Equal(1.5f, movingMean[0]);
            Assert.Equal(1.625f, movingVariance[0]);
        }

        [Fact]
        public void Backward_MatchesFiniteDifferencesOfTrainingForward()
        {
            const int rows = 6, channels = 3;
            float[] x = Random(rows * channels, 51, -1f, 2f), gamma = Random(channels, 52, 0.5f, 1.5f), beta = Random(channels, 53);
            float[] weights = Random(rows * channels, 54);
            float[] y = new float[x.Length], normalized = new float[x.Length], inverseStd = new float[channels];
            double Loss()
            {
                // Fresh moving statistics each time: they do not feed y.
                Ref.BatchNorm.TrainingForward(y, normalized, inverseStd, new float[channels], new float[channels], x, gamma, beta,
                                              rows, channels, 0.99f, 1e-3f);
                return WeightedSum(y, weights);
            }

            double[] dxNumeric = NumericGradient(x, Loss, 1e-3f);
            double[] dGammaNumeric = NumericGradient(gamma, Loss, 1e-3f);
            double[] dBetaNumeric = NumericGradient(beta, Loss, 1e-3f);
            Loss();
            float[] dx = new float[x.Length], dGamma = new float[channels], dBeta = new float[channels];
            BatchNorm.Backward(dx, dGamma, dBeta, weights, normalized, inverseStd, gamma, rows, channels);
            AssertGradient(dxNumeric, dx, "dx");
            AssertGradient(dGammaNumeric, dGamma, "dGamma");
            AssertGradient(dBetaNumeric, dBeta, "dBeta");
        }

        [Fact]
        public void BadArguments_Throw()
        {
            float[] x = new float[6], c = new float[3];
            Assert.Equal("movingVariance", Assert.Throws<ArgumentException>(() => BatchNorm.Inference(x, x, c, c, c, new float[2], 2, 3, 1e-3f)).ParamName);
            Assert.Equal("gamma", Assert.Throws<ArgumentException>(() => BatchNorm.Inference(x, x, new float[2], c, c, c, 2, 3, 1e-3f)).ParamName);
            Assert.Equal("normalized", Assert.Throws<ArgumentException>(() => BatchNorm.TrainingForward(x, new float[5], c, c, c, x, c, c, 2, 3, 0.9f, 1e-3f)).ParamName);
            Assert.Equal("momentum", Assert.Throws<ArgumentOutOfRangeException>(() => BatchNorm.TrainingForward(x, x, c, c, c, x, c, c, 2, 3, 1.5f, 1e-3f)).ParamName);
            Assert.Equal("inverseStd", Assert.Throws<ArgumentException>(() => BatchNorm.Backward(x, c, c, x, x, new float[1], c, 2, 3)).ParamName);
            Assert.Equal("epsilon", Assert.Throws<ArgumentOutOfRangeException>(() => BatchNorm.Inference(x, x, c, c, c, c, 2, 3, -1f)).ParamName);
        }
    }
}
