// Initializers: bounds, mean and variance over many samples against each scheme's formula; determinism from the seed.
using System;

namespace ModelGen.Runtime.Tests.Training
{
    public class InitializerTests
    {
        private const int N = 100_000;

        // The standard deviation of a standard normal truncated to [-2, 2].
        private const double TruncatedStd = 0.87962566103423978;

        private static float[] Draw(Initializer initializer, float value, int fanIn, int fanOut, ulong seed = 42)
        {
            var values = new float[N];
            var rng = new Rng(seed);
            Initializers.Fill(values, initializer, value, fanIn, fanOut, ref rng);
            return values;
        }

        private static (double Mean, double Variance, double MaxAbs) Stats(float[] values)
        {
            double sum = 0, maxAbs = 0;
            foreach (float x in values) { sum += x; maxAbs = Math.Max(maxAbs, Math.Abs(x)); }
            double mean = sum / values.Length, squares = 0;
            foreach (float x in values) squares += (x - mean) * (x - mean);
            return (mean, squares / (values.Length - 1), maxAbs);
        }

        /// <summary>Mean within 5 standard errors of 0, variance within 3% (its standard error is about 0.5% here).</summary>
        private static void AssertMoments(float[] values, double expectedVariance)
        {
            var (mean, variance, _) = Stats(values);
            Assert.InRange(mean, -5 * Math.Sqrt(expectedVariance / N), 5 * Math.Sqrt(expectedVariance / N));
            Assert.InRange(variance / expectedVariance, 0.97, 1.03);
        }

        [Theory]
        [InlineData(Initializer.GlorotUniform, 300, 100)]
        [InlineData(Initializer.GlorotUniform, 25, 800)]
        [InlineData(Initializer.HeUniform, 300, 100)]
        [InlineData(Initializer.HeUniform, 800, 1)]
        [InlineData(Initializer.LeCunUniform, 300, 100)]
        public void Uniform_StaysWithinLimitWithVarianceLimitSquaredOverThree(Initializer initializer, int fanIn, int fanOut)
        {
            // Glorot: l = sqrt(6 / (fanIn + fanOut)); He: l = sqrt(6 / fanIn); LeCun: l = sqrt(3 / fanIn). U(-l, l) has variance l^2 / 3.
            double limit = initializer switch
            {
                Initializer.GlorotUniform => Math.Sqrt(6.0 / (fanIn + fanOut)),
                Initializer.LeCunUniform => Math.Sqrt(3.0 / fanIn),
                _ => Math.Sqrt(6.0 / fanIn),
            };
            float[] values = Draw(initializer, 0, fanIn, fanOut);
            Assert.InRange(Stats(values).MaxAbs, 0.99 * limit, limit);
            AssertMoments(values, limit * limit / 3);
        }

        [Theory]
        [InlineData(Initializer.GlorotNormal, 300, 100)]
        [InlineData(Initializer.GlorotNormal, 5 * 5 * 32, 5 * 5 * 64)]
        [InlineData(Initializer.HeNormal, 300, 100)]
        [InlineData(Initializer.HeNormal, 5 * 5 * 1, 5 * 5 * 32)]
        [InlineData(Initializer.LeCunNormal, 784, 300)]
        public void TruncatedScaled_HasTheIntendedVarianceAfterTruncation(Initializer initializer, int fanIn, int fanOut)
        {
            // Keras divides by 0.8796 so that the truncated values have variance 2 / (fanIn + fanOut) (Glorot), 2 / fanIn (He)
            // or 1 / fanIn (LeCun, tf.variance_scaling_initializer's defaults).
            double variance = initializer switch
            {
                Initializer.GlorotNormal => 2.0 / (fanIn + fanOut),
                Initializer.LeCunNormal => 1.0 / fanIn,
                _ => 2.0 / fanIn,
            };
            double stddev = Math.Sqrt(variance) / TruncatedStd;
            float[] values = Draw(initializer, 0, fanIn, fanOut);
            Assert.InRange(Stats(values).MaxAbs, 1.95 * stddev, 2 * stddev * (1 + 1e-6));
            AssertMoments(values, variance);
        }

        [Theory]
        [InlineData(0.1f, 0.1)]
        [InlineData(0f, 0.05)] // 0 means the default stddev 0.05
        public void TruncatedNormal_RedrawsBeyondTwoStddev(float value, double stddev)
        {
            float[] values = Draw(Initializer.TruncatedNormal, value, 0, 0);
            Assert.InRange(Stats(values).MaxAbs, 1.95 * stddev, 2 * stddev * (1 + 1e-6));
            AssertMoments(values, Math.Pow(stddev * TruncatedStd, 2));
        }

        [Theory]
        [InlineData(0.1f, 0.1)]
        [InlineData(0f, 0.05)]
        public void RandomNormal_HasStddevAndUntruncatedTails(float value, double stddev)
        {
            float[] values = Draw(Initializer.RandomNormal, value, 0, 0);
            AssertMoments(values, stddev * stddev);
            // P(|z| > 2) = 4.55% for a standard normal.
            int beyond = 0;
            foreach (float x in values) if (Math.Abs(x) > 2 * stddev) beyond++;
            Assert.InRange(beyond / (double)N, 0.042, 0.049);
        }

        [Fact]
        public void Constants_FillEveryElementAndDrawNothing()
        {
            var rng = new Rng(5);
            var untouched = new Rng(5);
            float[] values = [3f, 3f, 3f];
            Initializers.Fill(values, Initializer.Zeros, 0, 0, 0, ref rng);
            Assert.Equal([0f, 0f, 0f], values);
            Initializers.Fill(values, Initializer.Ones, 0, 0, 0, ref rng);
            Assert.Equal([1f, 1f, 1f], values);
            Initializers.Fill(values, Initializer.Constant, 0.1f, 0, 0, ref rng);
            Assert.Equal([0.1f, 0.1f, 0.1f], values);
            Assert.Equal(untouched.NextUInt32(), rng.NextUInt32());
        }

        [Theory]
        [InlineData(Initializer.GlorotUniform)]
        [InlineData(Initializer.GlorotNormal)]
        [InlineData(Initializer.HeNormal)]
        [InlineData(Initializer.HeUniform)]
        [InlineData(Initializer.TruncatedNormal)]
        [InlineData(Initializer.RandomNormal)]
        public void SameSeed_GivesTheSameValuesInElementOrder(Initializer initializer)
        {
            float[] whole = new float[64];
            var rng = new Rng(123);
            Initializers.Fill(whole, initializer, 0, 30, 20, ref rng);

            // Two halves drawn one after the other from the same generator continue the same stream.
            float[] halves = new float[64];
            var again = new Rng(123);
            Initializers.Fill(halves.AsSpan(0, 32), initializer, 0, 30, 20, ref again);
            Initializers.Fill(halves.AsSpan(32), initializer, 0, 30, 20, ref again);
            Assert.Equal(whole, halves);

            float[] other = new float[64];
            var otherRng = new Rng(124);
            Initializers.Fill(other, initializer, 0, 30, 20, ref otherRng);
            Assert.NotEqual(whole, other);
        }

        [Fact]
        public void BadArguments_ThrowNamingThem()
        {
            var rng = new Rng(1);
            float[] values = new float[4];
            Assert.Equal("fanIn", Assert.Throws<ArgumentOutOfRangeException>(() => Initializers.Fill(values, Initializer.HeNormal, 0, 0, 10, ref rng)).ParamName);
            Assert.Equal("fanOut", Assert.Throws<ArgumentOutOfRangeException>(() => Initializers.Fill(values, Initializer.GlorotUniform, 0, 10, -1, ref rng)).ParamName);
            Assert.Equal("value", Assert.Throws<ArgumentOutOfRangeException>(() => Initializers.Fill(values, Initializer.TruncatedNormal, -0.1f, 0, 0, ref rng)).ParamName);
            Assert.Equal("value", Assert.Throws<ArgumentOutOfRangeException>(() => Initializers.Fill(values, Initializer.Constant, float.NaN, 0, 0, ref rng)).ParamName);
            Assert.Equal("initializer", Assert.Throws<ArgumentOutOfRangeException>(() => Initializers.Fill(values, (Initializer)99, 0, 1, 1, ref rng)).ParamName);
        }
    }
}
