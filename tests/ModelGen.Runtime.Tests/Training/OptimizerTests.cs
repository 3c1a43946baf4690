// Each optimizer against TensorFlow 1.x's update formulas, worked out in double for three steps on three parameters.
using System;
using ModelGen.Tests;

namespace ModelGen.Runtime.Tests.Training
{
    public class OptimizerTests
    {
        private static readonly double[] Start = [1.0, -2.0, 0.5];

        // The gradient of each of the three steps; a fresh copy goes to every Apply, since Apply may clip in place.
        private static readonly double[][] Grads =
        [
            [0.1, -0.2, 0.3],
            [0.4, 0.0, -0.5],
            [-0.3, 0.6, 0.2],
        ];

        /// <summary>Runs three Apply calls over one range covering the arena and returns the parameters after each.</summary>
        private static float[][] Run(Optimizer optimizer)
        {
            float[] p = Array.ConvertAll(Start, x => (float)x);
            var after = new float[3][];
            ParameterRange[] all = [new ParameterRange(0, p.Length)];
            for (int t = 0; t < 3; t++)
            {
                float[] g = Array.ConvertAll(Grads[t], x => (float)x);
                optimizer.Apply(p, g, all);
                after[t] = (float[])p.Clone();
            }
            return after;
        }

        private static void AssertClose(double expected, float actual, int step, int index)
        {
            double tolerance = 2e-6 * Math.Max(1, Math.Abs(expected));
            Assert.True(Math.Abs(expected - actual) <= tolerance,
                $"step {step + 1}, p[{index}]: expected {expected:R}, got {actual:R}");
        }

        [Fact]
        public void Sgd_ThreeSteps_FollowsPMinusLrG()
        {
            const double lr = 0.1;
            float[][] actual = Run(new Sgd(lr));
            double[] p = (double[])Start.Clone();
            for (int t = 0; t < 3; t++)
            {
                for (int i = 0; i < 3; i++)
                {
                    p[i] -= lr * Grads[t][i]; // p -= lr * g
                    AssertClose(p[i], actual[t][i], t, i);
                }
            }
        }

        [Fact]
        public void Momentum_ThreeSteps_FollowsTf1MomentumOptimizer()
        {
            const double lr = 0.1, mu = 0.9;
            var optimizer = new Momentum(lr, mu);
            float[][] actual = Run(optimizer);
            double[] p = (double[])Start.Clone();
            double[] accum = new double[3];
            for (int t = 0; t < 3; t++)
            {
                for (int i = 0; i < 3; i++)
                {
                    accum[i] = mu * accum[i] + Grads[t][i]; // accum = momentum * accum + g
                    p[i] -= lr * accum[i];                 // p -= lr * accum
                    AssertClose(p[i], actual[t][i], t, i);
                }
            }
            for (int i = 0; i < 3; i++)
                Assert.Equal(accum[i], optimizer.GetSlot(0)[i], 6);
        }

        [Fact]
        public void Nesterov_ThreeSteps_FollowsTf1UseNesterov()
        {
            const double lr = 0.1, mu = 0.9;
            float[][] actual = Run(new Momentum(lr, mu, useNesterov: true));
            double[] p = (double[])Start.Clone();
            double[] accum = new double[3];
            for (int t = 0; t < 3; t++)
            {
                for (int i = 0; i < 3; i++)
                {
                    double g = Grads[t][i];
                    accum[i] = mu * accum[i] + g;          // accum = momentum * accum + g
                    p[i] -= lr * g + lr * mu * accum[i];   // p -= lr * (g + momentum * accum)
                    AssertClose(p[i], actual[t][i], t, i);
                }
            }
        }

        [Fact]
        public void AdaGrad_ThreeSteps_FollowsTf1AdagradOptimizer()
        {
            const double lr = 0.1, initial = 0.1;
            float[][] actual = Run(new AdaGrad(lr, initial));
            double[] p = (double[])Start.Clone();
            double[] acc = [initial, initial, initial];
            for (int t = 0; t < 3; t++)
            {
                for (int i = 0; i < 3; i++)
                {
                    double g = Grads[t][i];
                    acc[i] += g * g;                       // acc += g^2
                    p[i] -= lr * g / Math.Sqrt(acc[i]);    // p -= lr * g / sqrt(acc)
                    AssertClose(p[i], actual[t][i], t, i);
                }
            }
        }

        [Theory]
        [InlineData(0.0)]
        [InlineData(0.5)]
        public void RmsProp_ThreeSteps_FollowsTf1RmsPropOptimizerWithMsStartingAtOne(double momentum)
        {
            const double lr = 0.01, decay = 0.9, eps = 1e-10;
            float[][] actual = Run(new RmsProp(lr, decay, momentum, eps));
            double[] p = (double[])Start.Clone();
            double[] ms = [1, 1, 1]; // TF1 initializes the "rms" slot with ones
            double[] mom = new double[3];
            for (int t = 0; t < 3; t++)
            {
                for (int i = 0; i < 3; i++)
                {
                    double g = Grads[t][i];
                    ms[i] = decay * ms[i] + (1 - decay) * g * g;                // ms = decay ms + (1 - decay) g^2
                    mom[i] = momentum * mom[i] + lr * g / Math.Sqrt(ms[i] + eps); // mom = momentum mom + lr g / sqrt(ms + eps)
                    p[i] -= mom[i];                                             // p -= mom
                    AssertClose(p[i], actual[t][i], t, i);
                }
            }
        }

        [Fact]
        public void Adam_ThreeSteps_FollowsTf1AdamOptimizer()
        {
            const double lr = 0.1, b1 = 0.9, b2 = 0.999, eps = 1e-8;
            var optimizer = new Adam(lr, b1, b2, eps);
            float[][] actual = Run(optimizer);
            double[] p = (double[])Start.Clone();
            double[] m = new double[3], v = new double[3];
            for (int t = 0; t < 3; t++)
            {
                int step = t + 1;
                double lrT = lr * Math.Sqrt(1 - Math.Pow(b2, step)) / (1 - Math.Pow(b1, step)); // lr_t = lr sqrt(1 - b2^t) / (1 - b1^t)
                for (int i = 0; i < 3; i++)
                {
                    double g = Grads[t][i];
                    m[i] = b1 * m[i] + (1 - b1) * g;                 // m = b1 m + (1 - b1) g
                    v[i] = b2 * v[i] + (1 - b2) * g * g;             // v = b2 v + (1 - b2) g^2
                    p[i] -= lrT * m[i] / (Math.Sqrt(v[i]) + eps);    // p -= lr_t m / (sqrt(v) + eps)
                    AssertClose(p[i], actual[t][i], t, i);
                }
            }
            Assert.Equal(3, optimizer.Iterations);
        }

        [Fact]
        public void Adam_IterationsRestored_ContinuesBiasCorrectionFromThatStep()
        {
            const double lr = 0.1, b1 = 0.9, b2 = 0.999;
            var optimizer = new Adam(lr, b1, b2) { Iterations = 9 };
            float[] p = [1f];
            float[] g = [0.5f];
            optimizer.Apply(p, g, [new ParameterRange(0, 1)]);
            // t = 10, from zero moments: m = 0.1 * 0.5, v = 0.001 * 0.25.
            double lrT = lr * Math.Sqrt(1 - Math.Pow(b2, 10)) / (1 - Math.Pow(b1, 10));
            double expected = 1 - lrT * (0.1 * 0.5) / (Math.Sqrt(0.001 * 0.25) + 1e-8);
            Assert.Equal(expected, p[0], 5);
            Assert.Equal(10, optimizer.Iterations);
        }

        public static TheoryData<string> AllOptimizers => new() { "sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam" };

        internal static Optimizer Create(string name) => name switch
        {
            "sgd" => new Sgd(0.1),
            "momentum" => new Momentum(0.1, 0.9),
            "nesterov" => new Momentum(0.1, 0.9, useNesterov: true),
            "adagrad" => new AdaGrad(0.1),
            "rmsprop" => new RmsProp(0.01, momentum: 0.5),
            "adam" => new Adam(0.1),
            _ => throw new ArgumentException(name),
        };

        [Theory]
        [MemberData(nameof(AllOptimizers))]
        public void VanishingGradients_LeaveNoSubnormalInTheSlots(string name)
        {
            // Gradients from 1e-18 down to 1e-32 (squares that underflow) for 20 steps, then 0: moments decay through
            // the subnormal range, which without flushing would put subnormals in the slots (slow on x64). Checked after
            // every step; 45 elements, so the vector loop and the scalar tail both run.
            const int n = 45;
            float[] p = new float[n], g = new float[n];
            for (int i = 0; i < n; i++) p[i] = 0.5f;
            ParameterRange[] all = [new ParameterRange(0, n)];
            Optimizer optimizer = Create(name);
            for (int step = 0; step < 600; step++)
            {
                for (int i = 0; i < n; i++) g[i] = step < 20 ? (i % 3 - 1) * MathF.Pow(10, -18 - i % 15) : 0f;
                optimizer.Apply(p, g, all);
                for (int slot = 0; slot < optimizer.SlotNames.Count; slot++)
                {
                    foreach (float v in optimizer.GetSlot(slot))
                    {
                        Assert.True(v == 0 || float.IsNormal(v), $"{name} step {step}: slot {optimizer.SlotNames[slot]} holds {v:E}");
                    }
                }
            }
            Assert.All(p, v => Assert.True(float.IsNormal(v)));
        }

        [Fact]
        public void ClipByValue_KeepsNaN_AndClampsInfinity()
        {
            // 20 elements: the vector loop and the scalar tail at every width.
            float[] p = new float[20], g = new float[20];
            g[2] = float.NaN; g[19] = float.NaN; g[5] = float.PositiveInfinity; g[6] = float.NegativeInfinity; g[7] = 0.5f;
            var sgd = new Sgd(1.0) { ClipValue = 0.25 };
            sgd.Apply(p, g, [new ParameterRange(0, 20)]);
            Assert.True(float.IsNaN(g[2]) && float.IsNaN(g[19]), "NaN was clipped to a bound");
            Assert.Equal(new[] { 0.25f, -0.25f, 0.25f }, new[] { g[5], g[6], g[7] });
            Assert.True(float.IsNaN(p[2]) && float.IsNaN(p[19]));
        }

        [Theory]
        [InlineData("momentum")]
        [InlineData("rmsprop")]
        [InlineData("adam")]
        public void NaNGradient_IsNotFlushedAway(string name)
        {
            float[] p = new float[20], g = new float[20];
            g[3] = float.NaN;
            g[17] = float.NaN; // in the scalar tail at every width
            Optimizer optimizer = Create(name);
            optimizer.Apply(p, g, [new ParameterRange(0, 20)]);
            Assert.True(float.IsNaN(p[3]) && float.IsNaN(p[17]));
            Assert.True(float.IsNaN(optimizer.GetSlot(optimizer.SlotNames.Count - 1)[3]));
        }

        [Theory]
        [MemberData(nameof(AllOptimizers))]
        public void VectorizedPass_MatchesScalarTailBitwise(string name)
        {
            // 45 = several whole vectors plus a tail at any width; one range takes the vector loop, 45 one-element
            // ranges take the scalar loop only. Both must agree to the bit, or results would depend on the alignment
            // of a layer in the arena.
            const int n = 45;
            var rng = new Rng(7);
            float[] p1 = new float[n];
            for (int i = 0; i < n; i++) p1[i] = rng.NextFloat() * 2 - 1;
            float[] p2 = (float[])p1.Clone();
            ParameterRange[] whole = [new ParameterRange(0, n)];
            var single = new ParameterRange[n];
            for (int i = 0; i < n; i++) single[i] = new ParameterRange(i, 1);
            Optimizer a = Create(name), b = Create(name);
            for (int t = 0; t < 3; t++)
            {
                float[] g1 = new float[n];
                for (int i = 0; i < n; i++) g1[i] = rng.NextFloat() - 0.5f;
                float[] g2 = (float[])g1.Clone();
                a.Apply(p1, g1, whole);
                b.Apply(p2, g2, single);
            }
            for (int i = 0; i < n; i++)
                Assert.Equal(BitConverter.SingleToInt32Bits(p2[i]), BitConverter.SingleToInt32Bits(p1[i]));
        }

        [Theory]
        [MemberData(nameof(AllOptimizers))]
        public void FrozenRanges_StayBitwiseUnchanged(string name)
        {
            const int n = 40;
            var rng = new Rng(3);
            float[] p = new float[n];
            for (int i = 0; i < n; i++) p[i] = rng.NextFloat() * 2 - 1;
            float[] before = (float[])p.Clone();
            ParameterRange[] trainable = [new ParameterRange(0, 10), new ParameterRange(25, 8)];
            Optimizer optimizer = Create(name);
            optimizer.ClipNorm = 0.5; // clipping must not reach the frozen gradients either
            float[] g = new float[n];
            for (int t = 0; t < 3; t++)
            {
                for (int i = 0; i < n; i++) g[i] = rng.NextFloat() - 0.5f + (i >= 10 && i < 25 ? 100f : 0f);
                float[] frozenGradients = g[10..25];
                optimizer.Apply(p, g, trainable);
                Assert.Equal(frozenGradients, g[10..25]);
            }
            for (int i = 0; i < n; i++)
            {
                bool isTrainable = i < 10 || (i >= 25 && i < 33);
                if (isTrainable)
                    Assert.NotEqual(before[i], p[i]);
                else
                    Assert.Equal(BitConverter.SingleToInt32Bits(before[i]), BitConverter.SingleToInt32Bits(p[i]));
            }
        }

        [Theory]
        [MemberData(nameof(AllOptimizers))]
        public void ApplyAfterFirstCall_AllocatesNothing(string name)
        {
            const int n = 1000;
            float[] p = new float[n];
            float[] g = new float[n];
            for (int i = 0; i < n; i++) { p[i] = 0.01f * i; g[i] = 0.001f * (i % 17) - 0.008f; }
            ParameterRange[] trainable = [new ParameterRange(0, 300), new ParameterRange(400, 600)];
            Optimizer optimizer = Create(name);
            optimizer.Schedule = new ExponentialDecay(10, 0.9, staircase: true);
            optimizer.ClipValue = 0.005;
            optimizer.ClipNorm = 0.05;
            // The first call binds: it allocates the slots once.
            Assert.Equal(0, Allocations.InSteadyState(() => optimizer.Apply(p, g, trainable), calls: 100));
            Assert.True(optimizer.Iterations >= 101);
        }

        [Fact]
        public void Schedule_DrivesTheRateOfEachStep()
        {
            // ExponentialDecay(1, 0.5, staircase): rates 1, 0.5, 0.25 for steps 0, 1, 2; with g = 1, p drops by each rate.
            var optimizer = new Sgd(1.0) { Schedule = new ExponentialDecay(1, 0.5, staircase: true) };
            float[] p = [0f];
            double expected = 0;
            for (int t = 0; t < 3; t++)
            {
                double rate = Math.Pow(0.5, t);
                Assert.Equal(rate, optimizer.CurrentLearningRate, 12);
                optimizer.Apply(p, new float[] { 1f }, [new ParameterRange(0, 1)]);
                expected -= rate;
                Assert.Equal(expected, p[0], 6);
            }
            Assert.Equal(0.125, optimizer.CurrentLearningRate, 12);
        }

        [Fact]
        public void BindToAnotherSize_ThrowsNamingBothSizes()
        {
            var optimizer = new Adam();
            optimizer.Bind(10);
            optimizer.Bind(10); // idempotent
            var error = Assert.Throws<InvalidOperationException>(() => optimizer.Apply(new float[12], new float[12], [new ParameterRange(0, 12)]));
            Assert.Contains("10", error.Message);
            Assert.Contains("12", error.Message);
        }

        [Fact]
        public void Slots_HaveTf1NamesAndInitialValues()
        {
            Assert.Empty(new Sgd().SlotNames);
            Assert.Equal(["momentum"], new Momentum(0.1).SlotNames);
            Assert.Equal(["accumulator"], new AdaGrad(0.1).SlotNames);
            Assert.Equal(["ms", "mom"], new RmsProp().SlotNames);
            Assert.Equal(["m", "v"], new Adam().SlotNames);

            var adagrad = new AdaGrad(0.1, initialAccumulator: 0.25);
            Assert.Throws<InvalidOperationException>(() => adagrad.GetSlot(0));
            adagrad.Bind(4);
            Assert.All(adagrad.GetSlot(0).ToArray(), x => Assert.Equal(0.25f, x));
            var rms = new RmsProp();
            rms.Bind(4);
            Assert.All(rms.GetSlot(0).ToArray(), x => Assert.Equal(1f, x));
            Assert.All(rms.GetSlot(1).ToArray(), x => Assert.Equal(0f, x));
            Assert.Throws<ArgumentOutOfRangeException>(() => rms.GetSlot(2));
        }

        [Fact]
        public void BadRanges_ThrowNamingTrainable()
        {
            var sgd = new Sgd();
            float[] p = new float[10], g = new float[10];
            Assert.Equal("trainable", Assert.Throws<ArgumentOutOfRangeException>(() => sgd.Apply(p, g, [new ParameterRange(8, 3)])).ParamName);
            Assert.Equal("trainable", Assert.Throws<ArgumentOutOfRangeException>(() => sgd.Apply(p, g, [new ParameterRange(-1, 3)])).ParamName);
            Assert.Equal("trainable", Assert.Throws<ArgumentException>(() => sgd.Apply(p, g, [new ParameterRange(0, 5), new ParameterRange(4, 2)])).ParamName);
            Assert.Equal("gradients", Assert.Throws<ArgumentException>(() => sgd.Apply(p, new float[9], [])).ParamName);
            Assert.Equal(0, sgd.Iterations);
        }

        public static TheoryData<string, Func<object>> BadHyperParameters => new()
        {
            { "learningRate", () => new Sgd(0) },
            { "learningRate", () => new Adam(double.NaN) },
            { "LearningRate", () => new Sgd { LearningRate = -1 } },
            { "momentum", () => new Momentum(0.1, 1.0) },
            { "momentum", () => new Momentum(0.1, -0.1) },
            { "initialAccumulator", () => new AdaGrad(0.1, 0) },
            { "decay", () => new RmsProp(decay: 1.0) },
            { "momentum", () => new RmsProp(momentum: -1) },
            { "epsilon", () => new RmsProp(epsilon: 0) },
            { "beta1", () => new Adam(beta1: 1.0) },
            { "beta2", () => new Adam(beta2: double.NaN) },
            { "epsilon", () => new Adam(epsilon: -1e-8) },
            { "ClipValue", () => new Sgd { ClipValue = -1 } },
            { "ClipNorm", () => new Sgd { ClipNorm = double.PositiveInfinity } },
            { "Iterations", () => new Sgd { Iterations = -1 } },
        };

        [Theory]
        [MemberData(nameof(BadHyperParameters))]
        public void BadHyperParameter_ThrowsNamingIt(string expectedName, Func<object> create)
        {
            var error = Assert.ThrowsAny<ArgumentException>(() => create());
            Assert.Equal(expectedName, error.ParamName);
        }
    }
}
