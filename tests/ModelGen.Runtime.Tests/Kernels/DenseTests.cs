// Dense forward/backward against the reference twin on every path, and backward against finite differences.
using System;
using ModelGen.Kernels;
using static ModelGen.Runtime.Tests.Kernels.KernelTestData;
using Ref = ModelGen.Kernels.Reference;

namespace ModelGen.Runtime.Tests.Kernels
{
    public class DenseTests
    {
        private static readonly (int Batch, int Inputs, int Units)[] Shapes =
        {
            (1, 1, 1), (1, 65, 17), (1, 33, 10), (3, 7, 65), (7, 17, 33), (6, 3, 7), (17, 65, 3), (50, 33, 10), (13, 1, 40),
            // Shallow products with many rows (the panel-over-all-strips order): forward with 120 inputs over three
            // column ranges of packed strips, and a kernel gradient 60 x 12 x 200.
            (50, 120, 600), (12, 60, 200),
            // The 4-row tile for the last 1 to 4 rows of a short product over 4-vector strips (64 and 50 rows, and 7),
            // forward and, for (50, 200, 130), the input gradient too.
            (64, 150, 70), (50, 200, 130), (7, 140, 64),
        };

        [Theory]
        [MemberData(nameof(Widths), MemberType = typeof(KernelTestData))]
        public void Forward_MatchesReferenceForEveryActivation(int width)
        {
            ulong seed = 100;
            foreach (var (batch, inputs, units) in Shapes)
            foreach (Activation activation in new[] { Activation.Linear, Activation.Relu, Activation.LeakyRelu, Activation.Elu, Activation.Sigmoid, Activation.Tanh })
            foreach (bool withBias in new[] { true, false })
            {
                float[] x = Random(batch * inputs, seed++), kernel = Random(inputs * units, seed++);
                float[] bias = withBias ? Random(units, seed++) : Array.Empty<float>();
                float[] expected = new float[batch * units], actual = new float[batch * units];
                Ref.Dense.Forward(expected, x, kernel, bias, batch, inputs, units, activation, 0.2f);
                Dense.Forward(actual, x, kernel, default, bias, batch, inputs, units, activation, 0.2f, (SimdWidth)width);
                AssertClose(expected, actual, $"{activation} {batch}x{inputs}x{units} bias={bias.Length}");
            }
        }

        [Theory]
        [MemberData(nameof(Widths), MemberType = typeof(KernelTestData))]
        public void Backward_MatchesReference_AccumulatingOrReplacing(int width)
        {
            ulong seed = 200;
            foreach (var (batch, inputs, units) in Shapes)
            foreach (bool withInputGradient in new[] { true, false })
            foreach (bool accumulate in new[] { true, false })
            {
                float[] x = Random(batch * inputs, seed++), kernel = Random(inputs * units, seed++), dy = Random(batch * units, seed++);
                float[] dKernel0 = Random(inputs * units, seed++), dBias0 = Random(units, seed++);
                float[] dxE = withInputGradient ? new float[batch * inputs] : Array.Empty<float>();
                float[] dxA = withInputGradient ? Random(batch * inputs, seed++) : Array.Empty<float>(); // overwritten, not added to
                // Replacing: the reference starts from zero, the kernel from what the spans held before.
                float[] dKernelE = accumulate ? (float[])dKernel0.Clone() : new float[inputs * units], dKernelA = (float[])dKernel0.Clone();
                float[] dBiasE = accumulate ? (float[])dBias0.Clone() : new float[units], dBiasA = (float[])dBias0.Clone();
                Ref.Dense.Backward(dxE, dKernelE, dBiasE, dy, x, kernel, batch, inputs, units);
                Dense.Backward(dxA, dKernelA, dBiasA, dy, x, kernel, batch, inputs, units, accumulate, (SimdWidth)width);
                string shape = $"{batch}x{inputs}x{units} accumulate={accumulate}";
                AssertClose(dxE, dxA, "dx " + shape);
                AssertClose(dKernelE, dKernelA, "dKernel " + shape);
                AssertClose(dBiasE, dBiasA, "dBias " + shape);
                if (!accumulate)
                {
                    // Replacing is bitwise adding to zeros, so a model that stops clearing its arena trains the same.
                    float[] dKernelZ = new float[inputs * units], dBiasZ = new float[units];
                    Dense.Backward(Span<float>.Empty, dKernelZ, dBiasZ, dy, x, kernel, batch, inputs, units, true, (SimdWidth)width);
                    Assert.Equal(Bits(dKernelZ), Bits(dKernelA));
                    Assert.Equal(Bits(dBiasZ), Bits(dBiasA));
                }
            }
        }

        private static int[] Bits(float[] values) => Array.ConvertAll(values, BitConverter.SingleToInt32Bits);

        [Fact]
        public void Backward_MatchesFiniteDifferencesOfForward()
        {
            const int batch = 3, inputs = 5, units = 4;
            float[] x = Random(batch * inputs, 1), kernel = Random(inputs * units, 2), bias = Random(units, 3), weights = Random(batch * units, 4);
            var y = new float[batch * units];
            double Loss()
            {
                Ref.Dense.Forward(y, x, kernel, bias, batch, inputs, units, Activation.Linear, 0f);
                return WeightedSum(y, weights);
            }

            float[] dx = new float[batch * inputs], dKernel = new float[inputs * units], dBias = new float[units];
            Dense.Backward(dx, dKernel, dBias, weights, x, kernel, batch, inputs, units);
            AssertGradient(NumericGradient(x, Loss), dx, "dx");
            AssertGradient(NumericGradient(kernel, Loss), dKernel, "dKernel");
            AssertGradient(NumericGradient(bias, Loss), dBias, "dBias");
        }

        [Fact]
        public void Forward_OfThreeByTwo_MatchesHandComputedValues()
        {
            // x = [1, 2, 3], W = [[1, -1], [0, 2], [-2, 1]], b = [0.5, -10]: xW + b = [-4.5, -4], Relu gives [0, 0] and
            // LeakyRelu(0.5) gives [-2.25, -2].
            float[] x = { 1, 2, 3 }, kernel = { 1, -1, 0, 2, -2, 1 }, bias = { 0.5f, -10 }, y = new float[2];
            Ref.Dense.Forward(y, x, kernel, bias, 1, 3, 2, Activation.Linear, 0f);
            Assert.Equal(new[] { -4.5f, -4f }, y);
            Ref.Dense.Forward(y, x, kernel, bias, 1, 3, 2, Activation.LeakyRelu, 0.5f);
            Assert.Equal(new[] { -2.25f, -2f }, y);
            Dense.Forward(y, x, kernel, bias, 1, 3, 2, Activation.Relu, 0f);
            Assert.Equal(new[] { 0f, 0f }, y);
        }

        [Fact]
        public void BadArguments_ThrowNamingTheArgument()
        {
            float[] x = new float[6], kernel = new float[6], bias = new float[2], y = new float[4];
            Assert.Equal("y", Assert.Throws<ArgumentException>(() => Dense.Forward(new float[3], x, kernel, bias, 2, 3, 2, Activation.Linear, 0)).ParamName);
            Assert.Equal("x", Assert.Throws<ArgumentException>(() => Dense.Forward(y, new float[5], kernel, bias, 2, 3, 2, Activation.Linear, 0)).ParamName);
            Assert.Equal("kernel", Assert.Throws<ArgumentException>(() => Dense.Forward(y, x, new float[5], bias, 2, 3, 2, Activation.Linear, 0)).ParamName);
            Assert.Equal("bias", Assert.Throws<ArgumentException>(() => Dense.Forward(y, x, kernel, new float[1], 2, 3, 2, Activation.Linear, 0)).ParamName);
            Assert.Equal("activation", Assert.Throws<ArgumentException>(() => Dense.Forward(y, x, kernel, bias, 2, 3, 2, Activation.Softmax, 0)).ParamName);
            Assert.Equal("dx", Assert.Throws<ArgumentException>(() => Dense.Backward(new float[5], new float[6], bias, y, x, kernel, 2, 3, 2)).ParamName);
            Assert.Equal("dKernel", Assert.Throws<ArgumentException>(() => Dense.Backward(x, new float[5], bias, y, x, kernel, 2, 3, 2)).ParamName);
            Assert.Equal("dy", Assert.Throws<ArgumentException>(() => Dense.Backward(x, new float[6], bias, new float[3], x, kernel, 2, 3, 2)).ParamName);
        }
    }
}
