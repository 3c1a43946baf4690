// Gradient clipping by value (tf.clip_by_value) and by global norm (tf.clip_by_global_norm) inside Optimizer.Apply.
using System;

namespace ModelGen.Runtime.Tests.Training
{
    public class ClippingTests
    {
        [Fact]
        public void ClipValue_ClampsEachTrainableGradientBeforeTheUpdate()
        {
            // Sgd with lr = 1 turns the clipped gradient into the parameter change: p = 0 - clip(g, -1, 1).
            var sgd = new Sgd(1.0) { ClipValue = 1.0 };
            float[] p = new float[11];
            float[] g = [5f, -5f, 0.5f, -0.25f, 1f, -1f, 3f, 2f, -7f, 0.75f, 9f];
            float[] expected = Array.ConvertAll(g, x => -Math.Clamp(x, -1f, 1f));
            sgd.Apply(p, g, [new ParameterRange(0, p.Length)]);
            Assert.Equal(expected, p);
            Assert.All(g, x => Assert.InRange(x, -1f, 1f)); // clipped in place
        }

        [Fact]
        public void ClipNorm_ScalesAllRangesToTheGlobalNorm()
        {
            // Two ranges [3] and [4, 0]: global norm sqrt(9 + 16) = 5 > 1, so every gradient is scaled by 1 / 5.
            // The frozen element in between (100) neither counts in the norm nor changes.
            var sgd = new Sgd(1.0) { ClipNorm = 1.0 };
            float[] p = new float[4];
            float[] g = [3f, 100f, 4f, 0f];
            sgd.Apply(p, g, [new ParameterRange(0, 1), new ParameterRange(2, 2)]);
            Assert.Equal(-3.0 / 5, p[0], 6);
            Assert.Equal(0f, p[1]);
            Assert.Equal(-4.0 / 5, p[2], 6);
            Assert.Equal(100f, g[1]);
            Assert.Equal(1.0, Math.Sqrt(g[0] * g[0] + g[2] * g[2] + g[3] * g[3]), 6);
        }

        [Fact]
        public void ClipNorm_NormBelowLimit_LeavesGradientsBitwiseUnchanged()
        {
            var sgd = new Sgd(1.0) { ClipNorm = 10.0 };
            float[] g = [0.3f, -0.4f, 1.7f];
            float[] before = (float[])g.Clone();
            sgd.Apply(new float[3], g, [new ParameterRange(0, 3)]);
            Assert.Equal(before, g);
        }

        [Fact]
        public void ClipNorm_LargeArena_MatchesNormComputedInDouble()
        {
            // 1000 elements: the vector loop and the tail both contribute to the norm.
            const int n = 1003;
            var rng = new Rng(11);
            float[] g = new float[n];
            double sum = 0;
            for (int i = 0; i < n; i++) { g[i] = rng.NextFloat() - 0.5f; sum += (double)g[i] * g[i]; }
            double norm = Math.Sqrt(sum);
            float[] expected = Array.ConvertAll(g, x => (float)(x * (2.0 / norm)));
            new Sgd { ClipNorm = 2.0 }.Apply(new float[n], g, [new ParameterRange(0, n)]);
            for (int i = 0; i < n; i++) Assert.Equal(expected[i], g[i], 6);
        }

        [Fact]
        public void ClipValueThenNorm_AppliesValueFirst()
        {
            // clip_by_value(g, -2, 2) = [2, 2] (norm 2.83), then global norm 1: [2, 2] / 2.83 = [0.707, 0.707].
            var sgd = new Sgd(1.0) { ClipValue = 2.0, ClipNorm = 1.0 };
            float[] g = [10f, 3f];
            sgd.Apply(new float[2], g, [new ParameterRange(0, 2)]);
            Assert.Equal(Math.Sqrt(0.5), g[0], 6);
            Assert.Equal(Math.Sqrt(0.5), g[1], 6);
        }

        [Fact]
        public void ClipNorm_InfiniteGradient_SetsTrainableGradientsToNaN()
        {
            // tf.clip_by_global_norm signals a non-finite norm with NaN everywhere instead of a silent rescale.
            var sgd = new Sgd(1.0) { ClipNorm = 1.0 };
            float[] g = [float.PositiveInfinity, 1f];
            float[] p = new float[2];
            sgd.Apply(p, g, [new ParameterRange(0, 2)]);
            Assert.True(float.IsNaN(g[0]) && float.IsNaN(g[1]));
            Assert.True(float.IsNaN(p[0]) && float.IsNaN(p[1]));
        }

        private sealed class BrokenSchedule : LearningRateSchedule
        {
            public override double Rate(double baseRate, long step) => -1;
        }

        [Fact]
        public void BadScheduledRate_ThrowsBeforeClippingTouchesTheGradients()
        {
            var sgd = new Sgd(0.1) { ClipValue = 0.5, ClipNorm = 0.1, Schedule = new BrokenSchedule() };
            float[] parameters = { 1, 2, 3 }, gradients = { 4, -5, 6 };
            Assert.Throws<InvalidOperationException>(() => sgd.Apply(parameters, gradients, new[] { new ParameterRange(0, 3) }));
            Assert.Equal(new float[] { 4, -5, 6 }, gradients);
            Assert.Equal(new float[] { 1, 2, 3 }, parameters);
        }
    }
}
