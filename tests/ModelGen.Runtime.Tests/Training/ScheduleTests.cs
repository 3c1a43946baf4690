// The learning-rate schedules against their formulas, and ReduceOnPlateau's patience, factor and floor.
using System;

namespace ModelGen.Runtime.Tests.Training
{
    public class ScheduleTests
    {
        [Theory]
        [InlineData(0L)]
        [InlineData(1L)]
        [InlineData(99L)]
        [InlineData(100L)]
        [InlineData(250L)]
        [InlineData(1000L)]
        public void ExponentialDecay_MatchesTfExponentialDecay(long step)
        {
            const double lr = 0.1, rate = 0.96;
            // tf.train.exponential_decay: lr * rate ^ (step / decay_steps), the division an integer one when staircase.
            Assert.Equal(lr * Math.Pow(rate, step / 100.0), new ExponentialDecay(100, rate).Rate(lr, step), 14);
            Assert.Equal(lr * Math.Pow(rate, Math.Floor(step / 100.0)), new ExponentialDecay(100, rate, staircase: true).Rate(lr, step), 14);
        }

        [Fact]
        public void ExponentialDecayStaircase_IsConstantWithinAPeriod()
        {
            var schedule = new ExponentialDecay(10, 0.5, staircase: true);
            Assert.Equal(1.0, schedule.Rate(1.0, 9));
            Assert.Equal(0.5, schedule.Rate(1.0, 10));
            Assert.Equal(0.5, schedule.Rate(1.0, 19));
            Assert.True(new ExponentialDecay(10, 0.5).Rate(1.0, 9) < 1.0);
        }

        [Theory]
        [InlineData(0L, 1.0)]
        [InlineData(100L, 1.0)]   // step <= boundaries[0] keeps values[0]
        [InlineData(101L, 0.5)]
        [InlineData(200L, 0.5)]
        [InlineData(201L, 0.1)]
        [InlineData(100000L, 0.1)]
        public void PiecewiseConstant_MatchesTfPiecewiseConstant(long step, double expected)
        {
            var schedule = new PiecewiseConstant([100, 200], [1.0, 0.5, 0.1]);
            Assert.Equal(expected, schedule.Rate(123.0, step)); // the base rate is ignored, as in TensorFlow
        }

        [Theory]
        [InlineData(0L, 1.0)]
        [InlineData(0L, 2.0)]
        [InlineData(50L, 1.0)]
        [InlineData(500L, 1.0)]
        [InlineData(500L, 0.5)]
        [InlineData(12345L, 2.0)]
        public void PowerDecay_MatchesBaseOverOnePlusStepOverS(long step, double power)
        {
            const double lr = 0.01;
            double expected = lr / Math.Pow(1 + step / 500.0, power); // lr / (1 + t / s)^c
            Assert.Equal(expected, new PowerDecay(500, power).Rate(lr, step), 15);
        }

        [Fact]
        public void PowerDecay_PowerOne_HalvesAfterDecaySteps()
        {
            Assert.Equal(0.05, new PowerDecay(1000).Rate(0.1, 1000), 15);
        }

        [Fact]
        public void ReduceOnPlateau_ReducesAfterPatienceReportsWithoutImprovement()
        {
            var schedule = new ReduceOnPlateau(factor: 0.5, patience: 2, minDelta: 0.01);
            Assert.False(schedule.Report(1.0));    // first report: best = 1.0
            Assert.False(schedule.Report(0.9));    // improvement
            Assert.False(schedule.Report(0.895));  // within minDelta: wait 1
            Assert.Equal(0.1, schedule.Rate(0.1, 0), 15);
            Assert.True(schedule.Report(0.95));    // wait 2 = patience: multiplier 0.5, wait restarts
            Assert.Equal(0.05, schedule.Rate(0.1, 0), 15);
            Assert.Equal(0, schedule.Wait);
            Assert.False(schedule.Report(0.92));   // wait 1
            Assert.False(schedule.Report(0.5));    // improvement resets the wait
            Assert.False(schedule.Report(0.6));    // wait 1
            Assert.True(schedule.Report(0.6));     // wait 2: multiplier 0.25
            Assert.Equal(0.025, schedule.Rate(0.1, 0), 15);
            Assert.Equal(2, schedule.Reductions);
            Assert.Equal(0.5, schedule.BestLoss);
        }

        [Fact]
        public void ReduceOnPlateau_NeverGoesBelowMinRate()
        {
            var schedule = new ReduceOnPlateau(factor: 0.1, patience: 1, minRate: 0.001);
            schedule.Report(1.0);
            for (int i = 0; i < 5; i++) schedule.Report(2.0);
            Assert.Equal(1e-5, schedule.Multiplier, 15); // five plateaus of factor 0.1
            Assert.Equal(0.001, schedule.Rate(0.1, 0));
        }

        [Fact]
        public void ReduceOnPlateau_DrivesTheOptimizer()
        {
            var schedule = new ReduceOnPlateau(factor: 0.5, patience: 1);
            var optimizer = new Sgd(0.2) { Schedule = schedule };
            schedule.Report(1.0);
            schedule.Report(1.0);
            Assert.Equal(0.1, optimizer.CurrentLearningRate, 15);
        }

        [Fact]
        public void BadArguments_ThrowNamingThem()
        {
            Assert.Equal("decaySteps", Assert.Throws<ArgumentOutOfRangeException>(() => new ExponentialDecay(0, 0.5)).ParamName);
            Assert.Equal("decayRate", Assert.Throws<ArgumentOutOfRangeException>(() => new ExponentialDecay(10, 0)).ParamName);
            Assert.Equal("values", Assert.Throws<ArgumentException>(() => new PiecewiseConstant([10], [1.0])).ParamName);
            Assert.Equal("boundaries", Assert.Throws<ArgumentException>(() => new PiecewiseConstant([10, 10], [1.0, 0.5, 0.1])).ParamName);
            Assert.Equal("values", Assert.Throws<ArgumentOutOfRangeException>(() => new PiecewiseConstant([10], [1.0, -0.5])).ParamName);
            Assert.Equal("power", Assert.Throws<ArgumentOutOfRangeException>(() => new PowerDecay(10, 0)).ParamName);
            Assert.Equal("factor", Assert.Throws<ArgumentOutOfRangeException>(() => new ReduceOnPlateau(factor: 1)).ParamName);
            Assert.Equal("patience", Assert.Throws<ArgumentOutOfRangeException>(() => new ReduceOnPlateau(patience: 0)).ParamName);
            Assert.Equal("minRate", Assert.Throws<ArgumentOutOfRangeException>(() => new ReduceOnPlateau(minRate: -1)).ParamName);
            Assert.Equal("step", Assert.Throws<ArgumentOutOfRangeException>(() => new PowerDecay(10).Rate(0.1, -1)).ParamName);
        }

        [Fact]
        public void PiecewiseConstant_CopiesItsArrays()
        {
            long[] boundaries = [10];
            double[] values = [1.0, 0.5];
            var schedule = new PiecewiseConstant(boundaries, values);
            values[1] = 7;
            Assert.Equal(0.5, schedule.Rate(1.0, 11));
        }
    }
}
