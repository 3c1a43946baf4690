// Max and average pooling against the reference twin on every path (ties included), hand-computed border cases and
// finite differences.
using System;
using ModelGen.Kernels;
using static ModelGen.Runtime.Tests.Kernels.KernelTestData;
using Ref = ModelGen.Kernels.Reference;

namespace ModelGen.Runtime.Tests.Kernels
{
    public class PoolingTests
    {
        private static readonly Pool2DGeometry[] Geometries =
        {
            Pool(5, 5, 1, 2, 2, 2, 2, Padding.Same),
            Pool(5, 5, 3, 2, 2, 2, 2, Padding.Same),
            Pool(7, 7, 17, 3, 3, 2, 2, Padding.Same),
            Pool(6, 6, 33, 3, 3, 1, 1, Padding.Valid),
            Pool(8, 6, 65, 2, 2, 2, 2, Padding.Valid),
            Pool(4, 7, 7, 3, 2, 1, 3, Padding.Same),
            Pool(1, 1, 16, 2, 2, 2, 2, Padding.Same),
            // Disjoint windows that leave inputs out (a last row and column; gaps between windows): dx must be cleared
            // there, while the tiling geometries above (2x2 stride 2 with no leading padding) overwrite every input.
            Pool(7, 7, 5, 2, 2, 2, 2, Padding.Valid),
            Pool(8, 8, 4, 2, 2, 3, 3, Padding.Valid),
        };

        [Theory]
        [MemberData(nameof(Widths), MemberType = typeof(KernelTestData))]
        public void AllKernels_MatchReference(int width)
        {
            ulong seed = 500;
            var w = (SimdWidth)width;
            foreach (Pool2DGeometry g in Geometries)
            foreach (bool ties in new[] { false, true })
            {
                const int batch = 2;
                float[] x = Random(batch * g.InputLength, seed++);
                if (ties)
                {
                    // Few distinct values: most windows hold several maxima, so the routing order matters.
                    for (int i = 0; i < x.Length; i++) x[i] = MathF.Round(x[i] * 2f);
                }
                float[] dy = Random(batch * g.OutputLength, seed++);
                float[] expected = new float[dy.Length], actual = new float[dy.Length];
                float[] dxE = new float[x.Length], dxA = Random(x.Length, seed++);

                Ref.Pooling.MaxForward(expected, x, batch, g);
                Pooling.MaxForward(actual, x, batch, g, w);
                AssertClose(expected, actual, $"max {g}");
                Ref.Pooling.MaxBackward(dxE, dy, x, batch, g);
                Pooling.MaxBackward(dxA, dy, x, batch, g, w);
                AssertClose(dxE, dxA, $"max dx {g} ties={ties}");

                Ref.Pooling.AvgForward(expected, x, batch, g);
                Pooling.AvgForward(actual, x, batch, g, w);
                AssertClose(expected, actual, $"avg {g}");
                dxA.AsSpan().Fill(7f);
                Ref.Pooling.AvgBackward(dxE, dy, batch, g);
                Pooling.AvgBackward(dxA, dy, batch, g, w);
                AssertClose(dxE, dxA, $"avg dx {g}");
            }
        }

        [Fact]
        public void TwoByTwoSameOverFiveByFive_MatchesHandComputedValues()
        {
            // x = 1..25 row-major. SAME, window 2, stride 2: out = 3, total pad = (3-1)*2 + 2 - 5 = 1, all of it at the
            // bottom/right. Max windows: {1,2,6,7} -> 7, {3,4,8,9} -> 9, {5,10} -> 10; {11,12,16,17} -> 17, 19, 20;
            // {21,22} -> 22, 24, {25} -> 25. Averages divide by the in-bounds count only: (1+2+6+7)/4 = 4,
            // (5+10)/2 = 7.5, (21+22)/2 = 21.5, 25/1 = 25, never by the full window of 4.
            var g = Pool(5, 5, 1, 2, 2, 2, 2, Padding.Same);
            Assert.Equal((3, 3, 0, 0), (g.OutHeight, g.OutWidth, g.PadTop, g.PadLeft));
            var x = new float[25];
            for (int i = 0; i < 25; i++) x[i] = i + 1;
            var y = new float[9];
            Ref.Pooling.MaxForward(y, x, 1, g);
            Assert.Equal(new float[] { 7, 9, 10, 17, 19, 20, 22, 24, 25 }, y);
            Pooling.MaxForward(y, x, 1, g);
            Assert.Equal(new float[] { 7, 9, 10, 17, 19, 20, 22, 24, 25 }, y);
            Ref.Pooling.AvgForward(y, x, 1, g);
            Assert.Equal(new float[] { 4, 6, 7.5f, 14, 16, 17.5f, 21.5f, 23.5f, 25 }, y);

            // The corner window's gradient goes to its single input; the first window's to x = 7 (index 6).
            var dy = new float[9];
            dy[0] = 1f;
            dy[8] = 2f;
            var dx = new float[25];
            Ref.Pooling.MaxBackward(dx, dy, x, 1, g);
            Assert.Equal(1f, dx[6]);
            Assert.Equal(2f, dx[24]);
            Assert.Equal(3f, Sum(dx));
            Ref.Pooling.AvgBackward(dx, dy, 1, g);
            Assert.Equal(0.25f, dx[0]);
            Assert.Equal(2f, dx[24]);
        }

        [Theory]
        [InlineData(Activation.Linear, 0f)]
        [InlineData(Activation.Relu, 0f)]
        public void LargeMaxBackward_StreamedOut_IsBitwiseTheSampleBySampleResult(Activation activation, float alpha)
        {
            // 12 samples of a 2x2/2 pooling over 56 x 56 x 32 (4.8 MB of dx, 64-byte aligned): with Vector512 dx goes out
            // with non-temporal stores; one sample at a time (400 KB) it is stored as usual. Garbage in dx must be overwritten.
            const int batch = 12;
            var g = Pool(56, 56, 32, 2, 2, 2, 2, Padding.Valid);
            float[] x = Random(batch * g.InputLength, 950), dy = Random(batch * g.OutputLength, 951);
            for (int i = 0; i < x.Length; i++) x[i] = MathF.Round(x[i] * 4f) / 4f; // ties: the first maximum takes the gradient
            var streamed = new AlignedBuffer(batch * g.InputLength);
            Random(streamed.Length, 952).CopyTo(streamed.Span);
            Pooling.MaxBackward(streamed.Span, dy, x, batch, g, activation, alpha);
            float[] expected = new float[x.Length];
            for (int s = 0; s < batch; s++)
            {
                Pooling.MaxBackward(expected.AsSpan(s * g.InputLength, g.InputLength), dy.AsSpan(s * g.OutputLength, g.OutputLength),
                                    x.AsSpan(s * g.InputLength, g.InputLength), 1, g, activation, alpha);
            }
            AssertBitwise(expected, streamed.Span.ToArray(), $"dx streamed against sample by sample, {activation}");
        }

        [Theory]
        [InlineData(Activation.Relu, 0f)]
        [InlineData(Activation.LeakyRelu, 0.2f)]
        [InlineData(Activation.Elu, 1f)]
        [InlineData(Activation.Sigmoid, 0f)]
        [InlineData(Activation.Tanh, 0f)]
        public void MaxBackwardThroughActivation_EqualsPoolingThenActivationBackward(Activation activation, float alpha)
        {
            ulong seed = 900;
            foreach (Pool2DGeometry g in Geometries)
            foreach (int width in new[] { 16, 8, 4, 1 })
            {
                const int batch = 3;
                // x is the activation's output: rounded pre-activations give ties, and Relu gives many zeros.
                float[] preactivation = Random(batch * g.InputLength, seed++);
                for (int i = 0; i < preactivation.Length; i++) preactivation[i] = MathF.Round(preactivation[i] * 4f) / 4f;
                float[] x = new float[preactivation.Length];
                Activations.Forward(x, preactivation, activation, alpha);
                float[] dy = Random(batch * g.OutputLength, seed++);
                float[] expected = Random(x.Length, seed++), actual = Random(x.Length, seed++);

                Pooling.MaxBackward(expected, dy, x, batch, g, (SimdWidth)width);
                Activations.Backward(expected, expected, x, activation, alpha);
                Pooling.MaxBackward(actual, dy, x, batch, g, activation, alpha, (SimdWidth)width);

                bool disjoint = g.StrideH >= g.WindowHeight && g.StrideW >= g.WindowWidth;
                if (disjoint)
                {
                    for (int i = 0; i < x.Length; i++)
                    {
                        Assert.True(BitConverter.SingleToInt32Bits(expected[i]) == BitConverter.SingleToInt32Bits(actual[i]),
                                    $"{activation} {g} width {width}: dx[{i}] {actual[i]} vs {expected[i]}");
                    }
                }
                else
                {
                    AssertClose(expected, actual, $"{activation} {g} width {width}");
                }
            }
        }

        [Fact]
        public void MaxBackwardThroughSoftmax_Throws()
        {
            Pool2DGeometry g = Geometries[0];
            var error = Assert.Throws<ArgumentException>(() => Pooling.MaxBackward(
                new float[g.InputLength], new float[g.OutputLength], new float[g.InputLength], 1, g, Activation.Softmax, 0f));
            Assert.Equal("activation", error.ParamName);
        }

        [Fact]
        public void WindowsTile_OnlyWhenEveryInputIsInExactlyOneWindow()
        {
            Assert.True(Pool(8, 6, 65, 2, 2, 2, 2, Padding.Valid).WindowsTile);
            Assert.True(Pool(5, 5, 3, 2, 2, 2, 2, Padding.Same).WindowsTile); // the padding row is after the input
            Assert.False(Pool(7, 7, 5, 2, 2, 2, 2, Padding.Valid).WindowsTile); // the last row and column are in none
            Assert.False(Pool(8, 8, 4, 2, 2, 3, 3, Padding.Valid).WindowsTile); // gaps between windows
            Assert.False(Pool(7, 7, 17, 3, 3, 2, 2, Padding.Same).WindowsTile); // overlapping windows
        }

        [Fact]
        public void MaxBackward_RoutesTiesToTheFirstMaximumInRowMajorOrder()
        {
            // One 2x2 window of equal values: only (0, 0) receives the gradient.
            var g = Pool(2, 2, 1, 2, 2, 2, 2, Padding.Valid);
            float[] x = { 3, 3, 3, 3 }, dy = { 5 }, dx = new float[4];
            Ref.Pooling.MaxBackward(dx, dy, x, 1, g);
            Assert.Equal(new float[] { 5, 0, 0, 0 }, dx);
            Pooling.MaxBackward(dx, dy, x, 1, g);
            Assert.Equal(new float[] { 5, 0, 0, 0 }, dx);
        }

        [Theory]
        [InlineData(2, 2, Padding.Same)]
        [InlineData(3, 2, Padding.Same)]
        [InlineData(3, 1, Padding.Valid)]
        public void Backward_MatchesFiniteDifferencesOfForward(int window, int stride, Padding padding)
        {
            const int batch = 2;
            var g = Pool(5, 6, 3, window, window, stride, stride, padding);
            float[] x = DistinctLadder(batch * g.InputLength, 21), weights = Random(batch * g.OutputLength, 22), y = new float[weights.Length];
            double MaxLoss()
            {
                Ref.Pooling.MaxForward(y, x, batch, g);
                return WeightedSum(y, weights);
            }

            double AvgLoss()
            {
                Ref.Pooling.AvgForward(y, x, batch, g);
                return WeightedSum(y, weights);
            }

            var dx = new float[x.Length];
            Pooling.MaxBackward(dx, weights, x, batch, g);
            AssertGradient(NumericGradient(x, MaxLoss), dx, "max dx");
            Pooling.AvgBackward(dx, weights, batch, g);
            AssertGradient(NumericGradient(x, AvgLoss), dx, "avg dx");
        }

        [Fact]
        public void BadArguments_ThrowNamingTheArgument()
        {
            var g = Pool(4, 4, 2, 2, 2, 2, 2, Padding.Valid);
            float[] x = new float[g.InputLength], y = new float[g.OutputLength];
            Assert.Equal("y", Assert.Throws<ArgumentException>(() => Pooling.MaxForward(new float[1], x, 1, g)).ParamName);
            Assert.Equal("x", Assert.Throws<ArgumentException>(() => Pooling.AvgForward(y, new float[1], 1, g)).ParamName);
            Assert.Equal("dx", Assert.Throws<ArgumentException>(() => Pooling.MaxBackward(new float[1], y, x, 1, g)).ParamName);
            Assert.Equal("dy", Assert.Throws<ArgumentException>(() => Pooling.AvgBackward(x, new float[1], 1, g)).ParamName);
            Assert.Equal("g", Assert.Throws<ArgumentException>(() => Pooling.MaxForward(y, x, 1, default)).ParamName);
            Assert.Equal("batch", Assert.Throws<ArgumentOutOfRangeException>(() => Pooling.MaxForward(y, x, 0, g)).ParamName);
            Assert.Equal("padLeft", Assert.Throws<ArgumentOutOfRangeException>(() => new Pool2DGeometry(4, 4, 1, 2, 2, 2, 2, 2, 2, 0, 2)).ParamName);
        }

        private static float Sum(float[] values)
        {
            float sum = 0;
            foreach (float v in values) sum += v;
            return sum;
        }
    }
}
