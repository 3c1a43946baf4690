// Activations and softmax against the reference twin on every path, and their gradients against finite differences.
using System;
using ModelGen.Kernels;
using static ModelGen.Runtime.Tests.Kernels.KernelTestData;
using Ref = ModelGen.Kernels.Reference;

namespace ModelGen.Runtime.Tests.Kernels
{
    public class ActivationsTests
    {
        private static readonly Activation[] ElementWise =
            { Activation.Linear, Activation.Relu, Activation.LeakyRelu, Activation.Elu, Activation.Sigmoid, Activation.Tanh };

        [Theory]
        [MemberData(nameof(Widths), MemberType = typeof(KernelTestData))]
        public void ForwardAndBackward_MatchReference(int width)
        {
            ulong seed = 600;
            var w = (SimdWidth)width;
            foreach (Activation activation in ElementWise)
            foreach (int length in new[] { 1, 3, 7, 17, 33, 65, 1000 })
            {
                // Mostly moderate inputs, plus values far into both saturated tails and tiny ones near 0.
                float[] x = Random(length, seed++, -6f, 6f);
                if (length > 10)
                {
                    x[0] = -95f; x[1] = 95f; x[2] = 1e-4f; x[3] = -3e-3f; x[4] = 0f; x[5] = 0.62f; x[6] = -0.63f;
                }
                float[] expected = new float[length], actual = new float[length];
                Ref.Activations.Forward(expected, x, activation, 0.3f);
                Activations.Forward(actual, x, activation, 0.3f, w);
                AssertClose(expected, actual, $"{activation} forward", floor: 0.1);

                float[] dy = Random(length, seed++), dxE = new float[length], dxA = new float[length];
                Ref.Activations.Backward(dxE, dy, expected, activation, 0.3f);
                Activations.Backward(dxA, dy, expected, activation, 0.3f, w);
                AssertClose(dxE, dxA, $"{activation} backward");

                // In place: y over x and dx over dy.
                float[] inPlace = (float[])x.Clone();
                Activations.Forward(inPlace, inPlace, activation, 0.3f, w);
                AssertClose(actual, inPlace, $"{activation} in place");
                Activations.Backward(dy, dy, expected, activation, 0.3f, w);
                AssertClose(dxA, dy, $"{activation} backward in place");
            }
        }

        [Theory]
        [MemberData(nameof(Widths), MemberType = typeof(KernelTestData))]
        public void Tanh_NearZero_KeepsRelativeAccuracy(int width)
        {
            // tanh(x) ~ x near 0; computing it as (1 - e^-2x) / (1 + e^-2x) there would lose most digits to cancellation.
            float[] x = Random(65, 650, 1e-6f, 0.7f), expected = new float[65], actual = new float[65];
            for (int i = 0; i < x.Length; i += 2) x[i] = -x[i] * 1e-3f;
            Ref.Activations.Forward(expected, x, Activation.Tanh, 0f);
            Activations.Forward(actual, x, Activation.Tanh, 0f, (SimdWidth)width);
            AssertClose(expected, actual, "tanh", floor: 1e-30);
        }

        [Theory]
        [MemberData(nameof(Widths), MemberType = typeof(KernelTestData))]
        public void Softmax_MatchesReference(int width)
        {
            ulong seed = 700;
            var w = (SimdWidth)width;
            foreach (int rows in new[] { 1, 3 })
            foreach (int cols in OddSizes)
            {
                float[] x = Random(rows * cols, seed++, -20f, 20f);
                x[0] = 1000f; // would overflow exp without the max subtracted
                float[] expected = new float[x.Length], actual = new float[x.Length];
                Ref.Activations.Softmax(expected, x, rows, cols);
                Activations.Softmax(actual, x, rows, cols, w);
                AssertClose(expected, actual, $"softmax {rows}x{cols}", floor: 1e-3);

                float[] dy = Random(x.Length, seed++), dxE = new float[x.Length], dxA = new float[x.Length];
                Ref.Activations.SoftmaxBackward(dxE, dy, expected, rows, cols);
                Activations.SoftmaxBackward(dxA, dy, expected, rows, cols, w);
                AssertClose(dxE, dxA, $"softmax backward {rows}x{cols}");
            }
        }

        [Theory]
        [InlineData(Activation.Linear)]
        [InlineData(Activation.Relu)]
        [InlineData(Activation.LeakyRelu)]
        [InlineData(Activation.Elu)]
        [InlineData(Activation.Sigmoid)]
        [InlineData(Activation.Tanh)]
        public void Backward_MatchesFiniteDifferencesOfForward(Activation activation)
        {
            float[] x = AwayFromZero(40, 31, 0.05f, 3f), weights = Random(40, 32), y = new float[40];
            double Loss()
            {
                Ref.Activations.Forward(y, x, activation, 0.2f);
                return WeightedSum(y, weights);
            }

            double[] numeric = NumericGradient(x, Loss);
            Loss();
            var dx = new float[40];
            Activations.Backward(dx, weights, y, activation, 0.2f);
            AssertGradient(numeric, dx, activation.ToString());
        }

        [Fact]
        public void SoftmaxBackward_MatchesFiniteDifferencesOfForward()
        {
            const int rows = 3, cols = 5;
            float[] x = Random(rows * cols, 41, -2f, 2f), weights = Random(rows * cols, 42), y = new float[rows * cols];
            double Loss()
            {
                Ref.Activations.Softmax(y, x, rows, cols);
                return WeightedSum(y, weights);
            }

            double[] numeric = NumericGradient(x, Loss);
            Loss();
            var dx = new float[x.Length];
            Activations.SoftmaxBackward(dx, weights, y, rows, cols);
            AssertGradient(numeric, dx, "softmax");
        }

        [Fact]
        public void Softmax_OfKnownRow_IsNormalizedAndOrdered()
        {
            // softmax([0, ln 2, ln 3]) = [1, 2, 3] / 6.
            float[] x = { 0f, MathF.Log(2f), MathF.Log(3f) }, y = new float[3];
            Activations.Softmax(y, x, 1, 3);
            AssertClose(new[] { 1f / 6, 2f / 6, 3f / 6 }, y, "softmax");
        }

        [Fact]
        public void BadArguments_Throw()
        {
            float[] x = new float[4];
            Assert.Equal("activation", Assert.Throws<ArgumentException>(() => Activations.Forward(x, x, Activation.Softmax, 0)).ParamName);
            Assert.Equal("activation", Assert.Throws<ArgumentException>(() => Activations.Backward(x, x, x, Activation.Softmax, 0)).ParamName);
            Assert.Equal("y", Assert.Throws<ArgumentException>(() => Activations.Forward(new float[3], x, Activation.Relu, 0)).ParamName);
            Assert.Equal("dy", Assert.Throws<ArgumentException>(() => Activations.Backward(x, new float[3], x, Activation.Relu, 0)).ParamName);
            Assert.Equal("x", Assert.Throws<ArgumentException>(() => Activations.Softmax(x, new float[3], 2, 2)).ParamName);
            Assert.Equal("y", Assert.Throws<ArgumentException>(() => Activations.SoftmaxBackward(x, x, new float[3], 2, 2)).ParamName);
        }
    }
}
