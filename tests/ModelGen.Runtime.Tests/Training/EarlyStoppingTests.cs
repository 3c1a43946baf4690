// EarlyStopping: patience, minDelta, and restoring the best parameters.
using System;

namespace ModelGen.Runtime.Tests.Training
{
    public class EarlyStoppingTests
    {
        [Fact]
        public void Patience_StopsAfterThatManyReportsWithoutImprovement()
        {
            var stopping = new EarlyStopping(patience: 2);
            float[] p = [1f, 2f];
            Assert.False(stopping.Report(0.9, p));
            Assert.False(stopping.Report(0.7, p));
            Assert.False(stopping.Report(0.8, p)); // 1 without improvement
            Assert.False(stopping.Report(0.6, p)); // improvement resets the count
            Assert.False(stopping.Report(0.6, p)); // equal is not better: 1
            Assert.True(stopping.Report(0.65, p)); // 2 = patience
            Assert.True(stopping.ShouldStop);
            Assert.Equal(0.6, stopping.BestLoss);
            Assert.Equal(3, stopping.BestEpoch);
            Assert.Equal(6, stopping.Epochs);
        }

        [Fact]
        public void RestoreBest_CopiesBackTheParametersOfTheBestReport()
        {
            var stopping = new EarlyStopping(patience: 3);
            float[] p = [0f, 0f, 0f];
            double[] losses = [1.0, 0.5, 0.7, 0.8];
            for (int epoch = 0; epoch < losses.Length; epoch++)
            {
                p[0] = epoch; p[1] = 10 * epoch; p[2] = -epoch; // the "training" of each epoch
                stopping.Report(losses[epoch], p);
            }
            stopping.RestoreBest(p);
            Assert.Equal([1f, 10f, -1f], p);
            Assert.Equal(1, stopping.BestEpoch);
        }

        [Fact]
        public void MinDelta_SmallDecreaseIsNotAnImprovement()
        {
            var stopping = new EarlyStopping(patience: 1, minDelta: 0.1);
            float[] p = [1f];
            stopping.Report(1.0, p);
            p[0] = 2f;
            Assert.True(stopping.Report(0.95, p));
            stopping.RestoreBest(p);
            Assert.Equal(1f, p[0]);
            Assert.Equal(1.0, stopping.BestLoss);
        }

        [Fact]
        public void NaNLoss_NeverBecomesTheBest()
        {
            var stopping = new EarlyStopping(patience: 2);
            float[] p = [1f];
            stopping.Report(0.5, p);
            p[0] = float.NaN;
            stopping.Report(double.NaN, p);
            Assert.True(stopping.Report(double.NaN, p));
            stopping.RestoreBest(p);
            Assert.Equal(1f, p[0]);
        }

        [Fact]
        public void RestoreBest_BeforeAnyReport_Throws()
        {
            Assert.Throws<InvalidOperationException>(() => new EarlyStopping(3).RestoreBest(new float[2]));
        }

        [Fact]
        public void ArenaOfAnotherLength_ThrowsNamingParameters()
        {
            var stopping = new EarlyStopping(3);
            stopping.Report(1.0, new float[4]);
            Assert.Equal("parameters", Assert.Throws<ArgumentException>(() => stopping.Report(0.5, new float[5])).ParamName);
            Assert.Equal("parameters", Assert.Throws<ArgumentException>(() => stopping.RestoreBest(new float[3])).ParamName);
        }

        [Fact]
        public void BadArguments_ThrowNamingThem()
        {
            Assert.Equal("patience", Assert.Throws<ArgumentOutOfRangeException>(() => new EarlyStopping(0)).ParamName);
            Assert.Equal("minDelta", Assert.Throws<ArgumentOutOfRangeException>(() => new EarlyStopping(1, -0.1)).ParamName);
        }
    }
}
