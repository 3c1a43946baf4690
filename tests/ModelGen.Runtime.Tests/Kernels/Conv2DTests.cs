// Conv2D against its reference twin on every path, the reference against hand-computed cases, and the backward pass
// against finite differences (stride 1 and 2, SAME and VALID).
using System;
using ModelGen.Kernels;
using static ModelGen.Runtime.Tests.Kernels.KernelTestData;
using Ref = ModelGen.Kernels.Reference;

namespace ModelGen.Runtime.Tests.Kernels
{
    public class Conv2DTests
    {
        private static readonly Conv2DGeometry[] Geometries =
        {
            Conv(5, 5, 3, 4, 3, 3, 1, 1, Padding.Same),
            Conv(7, 7, 2, 17, 3, 3, 2, 2, Padding.Same),
            Conv(7, 7, 1, 33, 3, 3, 2, 2, Padding.Valid),
            Conv(6, 5, 3, 7, 2, 3, 2, 1, Padding.Same),
            Conv(9, 9, 1, 32, 5, 5, 1, 1, Padding.Same),    // the tutorials' first layer, smaller
            Conv(8, 8, 5, 65, 5, 5, 2, 2, Padding.Same),
            Conv(4, 4, 17, 33, 1, 1, 1, 1, Padding.Valid),  // pointwise: no im2col
            Conv(3, 1, 2, 3, 3, 1, 1, 1, Padding.Same),
            Conv(1, 1, 1, 1, 1, 1, 1, 1, Padding.Same),
            Conv(8, 8, 3, 5, 3, 3, 2, 2, Padding.Valid),    // windows stop before the last row and column: read in place
            Conv(9, 9, 3, 16, 3, 3, 1, 1, Padding.Valid),   // windows cover the input exactly: read in place
            Conv(6, 7, 4, 7, 1, 1, 2, 2, Padding.Valid),    // 1x1 stride 2: the offset tables outgrow dx's columns
            Conv(14, 14, 1, 32, 5, 5, 1, 1, Padding.Same),  // the tutorial's conv1, smaller: many row tiles
            Conv(6, 5, 8, 7, 3, 3, 1, 1, Padding.Same),     // dx as a transposed convolution (TransposedGeometries)
            Conv(7, 6, 9, 4, 3, 2, 1, 1, Padding.Valid),
            Conv(5, 5, 16, 3, 5, 5, 1, 1, Padding.Same),
        };

        [Fact]
        public void SamplesPreparedInGroups_GiveBitwiseTheSameResultsAsOneAtATime()
        {
            // Scratch of exactly ColumnsLength holds one sample at a time for some geometries and several for others; six
            // times as much holds more. Each output and each kernel-gradient element sees the same multiply-adds in the
            // same order either way, so the results must agree to the bit.
            const int batch = 7;
            ulong seed = 700;
            foreach (Conv2DGeometry g in Geometries)
            {
                float[] x = Random(batch * g.InputLength, seed++), kernel = Random(g.KernelLength, seed++), bias = Random(g.OutChannels, seed++);
                float[] dy = Random(batch * g.OutputLength, seed++);
                float[][] Run(int scratch)
                {
                    float[] y = new float[batch * g.OutputLength], dx = new float[x.Length], dKernel = new float[g.KernelLength];
                    float[] dKernelFirst = new float[g.KernelLength], dBias = new float[g.OutChannels];
                    Conv2D.Forward(y, new float[scratch], x, kernel, bias, batch, g, Activation.Relu, 0f);
                    Conv2D.Backward(dx, dKernel, dBias, new float[scratch], dy, x, kernel, batch, g);
                    Conv2D.Backward(Array.Empty<float>(), dKernelFirst, Array.Empty<float>(), new float[scratch], dy, x, kernel, batch, g);
                    return new[] { y, dx, dKernel, dKernelFirst };
                }

                float[][] one = Run(g.ColumnsLength), many = Run(6 * g.ColumnsLength);
                for (int r = 0; r < one.Length; r++)
                {
                    for (int i = 0; i < one[r].Length; i++)
                    {
                        Assert.True(BitConverter.SingleToInt32Bits(one[r][i]) == BitConverter.SingleToInt32Bits(many[r][i]),
                                    $"{g}: result {r}[{i}] = {one[r][i]:R} with the exact scratch, {many[r][i]:R} with more");
                    }
                }
            }
        }

        [Theory]
        [MemberData(nameof(Widths), MemberType = typeof(KernelTestData))]
        public void MaxPoolingFusedIntoForward_IsBitwiseTheConvolutionThenThePooling(int width)
        {
            // Pooled group by group inside the forward pass (groups of one sample with the exact scratch, several with
            // more), split between 1 to 3 threads, per-call and packed kernels: y and the pooled output must be those of
            // the two separate calls to the bit.
            const int batch = 5;
            var w = (SimdWidth)width;
            ulong seed = 900;
            foreach (Conv2DGeometry g in Geometries)
            foreach (Pool2DGeometry pool in g.OutHeight < 3 || g.OutWidth < 3
                         ? new[] { Pool(g.OutHeight, g.OutWidth, g.OutChannels, 2, 2, 2, 2, Padding.Same) }
                         : new[]
                         {
                             Pool(g.OutHeight, g.OutWidth, g.OutChannels, 2, 2, 2, 2, Padding.Same),
                             Pool(g.OutHeight, g.OutWidth, g.OutChannels, 3, 3, 2, 2, Padding.Valid),
                         })
            {
                float[] x = Random(batch * g.InputLength, seed++), kernel = Random(g.KernelLength, seed++), bias = Random(g.OutChannels, seed++);
                float[] packed = new float[Gemm.PackedLength(g.PatchLength, g.OutChannels)];
                Gemm.PackB(packed, kernel, g.PatchLength, g.OutChannels, w);
                float[] y = new float[batch * g.OutputLength], pooledAlone = new float[batch * pool.OutputLength];
                Conv2D.Forward(y, new float[g.ColumnsLength], x, kernel, Array.Empty<float>(), bias, batch, g, Activation.Relu, 0f, w);
                Pooling.MaxForward(pooledAlone, y, batch, pool, w);
                foreach (int threads in new[] { 1, 2, 3 })
                foreach (int scratch in new[] { g.ColumnsLength, 6 * g.ColumnsLength })
                foreach (float[] kernelCopy in new[] { Array.Empty<float>(), packed })
                {
                    using var scope = Parallelism.Use(threads);
                    float[] yFused = new float[y.Length], pooled = new float[pooledAlone.Length];
                    Conv2D.Forward(yFused, new float[scratch], x, kernel, kernelCopy, bias, batch, g, Activation.Relu, 0f, w, pooled, pool);
                    string where = $"{g}, pool {pool}, {threads} thread(s), scratch {scratch}, packed {kernelCopy.Length > 0}";
                    AssertBitwise(y, yFused, "y, " + where);
                    AssertBitwise(pooledAlone, pooled, "pooled, " + where);
                }
            }
        }

        [Fact]
        public void PaddedCopiesInDirtyScratch_ZeroTheirBorders_OnAnyThreadCount()
        {
            // Scratch is shared between layers, so it comes to a call holding anything. Here it holds NaNs: a padded
            // input or padded dy whose border were not zeroed would spread them. At 29 samples the padded inputs (4,096
            // floats each) go in groups of 13, 13 and 3, dy's (6,144 floats each) in groups of 6 and a last one of 5:
            // the larger groups split between threads, the last input group is copied on one thread, and every group
            // after the first keeps the borders the first zeroed.
            const int batch = 29;
            var g = Conv(12, 12, 16, 24, 5, 5, 1, 1, Padding.Same);
            Assert.True(Conv2D.TransposedFits(g));
            float[] x = Random(batch * g.InputLength, 960), kernel = Random(g.KernelLength, 961), bias = Random(g.OutChannels, 962);
            float[] dy = Random(batch * g.OutputLength, 963);
            float[][] Run(int threads, float fill)
            {
                using var scope = Parallelism.Use(threads);
                float[] scratch = new float[g.ColumnsLength];
                float[] y = new float[batch * g.OutputLength], dx = new float[x.Length], dKernel = new float[g.KernelLength], dBias = new float[g.OutChannels];
                Array.Fill(scratch, fill);
                Conv2D.Forward(y, scratch, x, kernel, bias, batch, g, Activation.Linear, 0f);
                Array.Fill(scratch, fill);
                Conv2D.Backward(dx, dKernel, dBias, scratch, dy, x, kernel, batch, g);
                return new[] { y, dx, dKernel };
            }

            float[][] clean = Run(1, 0f);
            float[] yE = new float[clean[0].Length], dxE = new float[x.Length], dKernelE = new float[g.KernelLength], dBiasE = new float[g.OutChannels];
            Ref.Conv2D.Forward(yE, Array.Empty<float>(), x, kernel, bias, batch, g, Activation.Linear, 0f);
            Ref.Conv2D.Backward(dxE, dKernelE, dBiasE, Array.Empty<float>(), dy, x, kernel, batch, g);
            // Each value sums hundreds of products of magnitude up to 1 (400 for y, 600 for dx, 144 per sample for the
            // kernel gradient), in a different order than the reference's: their rounding scales with that of the sums'
            // typical size (about 25), not with each result's.
            AssertClose(yE, clean[0], "y", floor: 25);
            AssertClose(dxE, clean[1], "dx", floor: 25);
            AssertClose(dKernelE, clean[2], "dKernel", floor: 25);
            foreach (int threads in new[] { 1, 2, 3 })
            {
                float[][] dirty = Run(threads, float.NaN);
                AssertBitwise(clean[0], dirty[0], $"y, {threads} thread(s)");
                AssertBitwise(clean[1], dirty[1], $"dx, {threads} thread(s)");
                AssertBitwise(clean[2], dirty[2], $"dKernel, {threads} thread(s)");
            }
        }

        [Fact]
        public void StrideOneWithEightOrMoreChannels_TakesTheTransposedInputGradient()
        {
            // The reference comparisons below cover both input-gradient paths only if these geometries take the transposed one.
            Assert.True(Conv2D.TransposedFits(Conv(6, 5, 8, 7, 3, 3, 1, 1, Padding.Same)));
            Assert.True(Conv2D.TransposedFits(Conv(7, 6, 9, 4, 3, 2, 1, 1, Padding.Valid)));
            Assert.True(Conv2D.TransposedFits(Conv(5, 5, 16, 3, 5, 5, 1, 1, Padding.Same)));
            Assert.True(Conv2D.TransposedFits(Conv(14, 14, 32, 64, 5, 5, 1, 1, Padding.Same))); // the tutorial's conv2
            Assert.False(Conv2D.TransposedFits(Conv(14, 14, 1, 32, 5, 5, 1, 1, Padding.Same))); // one channel: col2im
            Assert.False(Conv2D.TransposedFits(Conv(8, 8, 5, 65, 5, 5, 2, 2, Padding.Same)));   // stride 2: col2im
        }

        [Theory]
        [MemberData(nameof(Widths), MemberType = typeof(KernelTestData))]
        public void Forward_MatchesReference(int width)
        {
            ulong seed = 300;
            int run = 0;
            foreach (Conv2DGeometry g in Geometries)
            foreach (int batch in new[] { 1, 3 })
            {
                // Every activation with and without a bias across the runs (3 activations x 2 = a cycle of 6).
                Activation activation = (run % 3) switch { 0 => Activation.Linear, 1 => Activation.Relu, _ => Activation.Tanh };
                bool withBias = run++ % 6 < 3;
                float[] x = Random(batch * g.InputLength, seed++), kernel = Random(g.KernelLength, seed++);
                float[] bias = withBias ? Random(g.OutChannels, seed++) : Array.Empty<float>();
                float[] expected = new float[batch * g.OutputLength], actual = new float[batch * g.OutputLength];
                Ref.Conv2D.Forward(expected, Array.Empty<float>(), x, kernel, bias, batch, g, activation, 0f);
                Conv2D.Forward(actual, new float[g.ColumnsLength], x, kernel, default, bias, batch, g, activation, 0f, (SimdWidth)width);
                AssertClose(expected, actual, $"{g} batch {batch} {activation}");
            }
        }

        [Theory]
        [MemberData(nameof(Widths), MemberType = typeof(KernelTestData))]
        public void Backward_MatchesReference(int width)
        {
            ulong seed = 400;
            foreach (Conv2DGeometry g in Geometries)
            foreach (int batch in new[] { 1, 2 })
            {
                float[] x = Random(batch * g.InputLength, seed++), kernel = Random(g.KernelLength, seed++), dy = Random(batch * g.OutputLength, seed++);
                float[] dKernel0 = Random(g.KernelLength, seed++), dBias0 = Random(g.OutChannels, seed++);
                float[] dxE = new float[x.Length], dxA = Random(x.Length, seed++);
                float[] dKernelE = (float[])dKernel0.Clone(), dKernelA = (float[])dKernel0.Clone();
                float[] dBiasE = (float[])dBias0.Clone(), dBiasA = (float[])dBias0.Clone();
                Ref.Conv2D.Backward(dxE, dKernelE, dBiasE, Array.Empty<float>(), dy, x, kernel, batch, g);
                Conv2D.Backward(dxA, dKernelA, dBiasA, new float[g.ColumnsLength], dy, x, kernel, batch, g, (SimdWidth)width);
                AssertClose(dxE, dxA, $"dx {g}");
                AssertClose(dKernelE, dKernelA, $"dKernel {g}");
                AssertClose(dBiasE, dBiasA, $"dBias {g}");

                // Without dx and dBias (a first layer without bias) the kernel gradient is unchanged.
                float[] dKernelB = (float[])dKernel0.Clone();
                Conv2D.Backward(Array.Empty<float>(), dKernelB, Array.Empty<float>(), new float[g.ColumnsLength], dy, x, kernel, batch, g, (SimdWidth)width);
                AssertClose(dKernelE, dKernelB, $"dKernel alone {g}");
            }
        }

        [Fact]
        public void ThreeByThreeInputTwoByTwoKernel_MatchesHandComputedValues()
        {
            // x = [[1, 2, 3], [4, 5, 6], [7, 8, 9]], kernel = [[1, 2], [3, 4]], VALID stride 1: 2x2 output
            // [1+4+12+20, 2+6+15+24; 4+10+21+32, 5+12+24+36] = [37, 47; 67, 77].
            var g = Conv(3, 3, 1, 1, 2, 2, 1, 1, Padding.Valid);
            float[] x = { 1, 2, 3, 4, 5, 6, 7, 8, 9 }, kernel = { 1, 2, 3, 4 }, y = new float[4];
            Ref.Conv2D.Forward(y, Array.Empty<float>(), x, kernel, Array.Empty<float>(), 1, g, Activation.Linear, 0f);
            Assert.Equal(new float[] { 37, 47, 67, 77 }, y);
            Conv2D.Forward(y, new float[g.ColumnsLength], x, kernel, Array.Empty<float>(), 1, g, Activation.Linear, 0f);
            Assert.Equal(new float[] { 37, 47, 67, 77 }, y);
        }

        [Fact]
        public void SameStrideTwoOnSevenBySeven_PadsOneOnEachSide()
        {
            // 7x7 input, 3x3 kernel, stride 2, SAME: out = ceil(7/2) = 4, total pad = (4-1)*2 + 3 - 7 = 2, so 1 on top/left
            // and 1 on bottom/right. With ones everywhere each output counts its in-bounds taps: rows (and columns) of
            // the windows start at -1, 1, 3, 5, covering 2, 3, 3, 2 input rows, so y[oy, ox] = [2, 3, 3, 2][oy] * [2, 3, 3, 2][ox].
            var g = Conv(7, 7, 1, 1, 3, 3, 2, 2, Padding.Same);
            Assert.Equal((4, 4, 1, 1), (g.OutHeight, g.OutWidth, g.PadTop, g.PadLeft));
            float[] x = new float[49], kernel = new float[9], y = new float[16];
            Array.Fill(x, 1f);
            Array.Fill(kernel, 1f);
            Ref.Conv2D.Forward(y, Array.Empty<float>(), x, kernel, Array.Empty<float>(), 1, g, Activation.Linear, 0f);
            int[] taps = { 2, 3, 3, 2 };
            for (int oy = 0; oy < 4; oy++)
            for (int ox = 0; ox < 4; ox++)
            {
                Assert.Equal(taps[oy] * taps[ox], y[oy * 4 + ox]);
            }
        }

        [Theory]
        [InlineData(1, Padding.Same)]
        [InlineData(1, Padding.Valid)]
        [InlineData(2, Padding.Same)]
        [InlineData(2, Padding.Valid)]
        public void Backward_MatchesFiniteDifferencesOfForward(int stride, Padding padding)
        {
            const int batch = 2;
            var g = Conv(5, 6, 2, 3, 3, 3, stride, stride, padding);
            float[] x = Random(batch * g.InputLength, 7), kernel = Random(g.KernelLength, 8), bias = Random(g.OutChannels, 9);
            float[] weights = Random(batch * g.OutputLength, 10), y = new float[batch * g.OutputLength];
            double Loss()
            {
                Ref.Conv2D.Forward(y, Array.Empty<float>(), x, kernel, bias, batch, g, Activation.Linear, 0f);
                return WeightedSum(y, weights);
            }

            float[] dx = new float[x.Length], dKernel = new float[kernel.Length], dBias = new float[bias.Length];
            Conv2D.Backward(dx, dKernel, dBias, new float[g.ColumnsLength], weights, x, kernel, batch, g);
            AssertGradient(NumericGradient(x, Loss), dx, "dx");
            AssertGradient(NumericGradient(kernel, Loss), dKernel, "dKernel");
            AssertGradient(NumericGradient(bias, Loss), dBias, "dBias");
        }

        [Fact]
        public void BadArguments_ThrowNamingTheArgument()
        {
            var g = Conv(4, 4, 2, 3, 3, 3, 1, 1, Padding.Same);
            float[] x = new float[g.InputLength], kernel = new float[g.KernelLength], y = new float[g.OutputLength], cols = new float[g.ColumnsLength];
            float[] none = Array.Empty<float>();
            Assert.Equal("y", Assert.Throws<ArgumentException>(() => Conv2D.Forward(new float[1], cols, x, kernel, none, 1, g, Activation.Relu, 0)).ParamName);
            Assert.Equal("columns", Assert.Throws<ArgumentException>(() => Conv2D.Forward(y, new float[g.ColumnsLength - 1], x, kernel, none, 1, g, Activation.Relu, 0)).ParamName);
            Assert.Equal("x", Assert.Throws<ArgumentException>(() => Conv2D.Forward(y, cols, new float[1], kernel, none, 1, g, Activation.Relu, 0)).ParamName);
            Assert.Equal("kernel", Assert.Throws<ArgumentException>(() => Conv2D.Forward(y, cols, x, new float[1], none, 1, g, Activation.Relu, 0)).ParamName);
            Assert.Equal("bias", Assert.Throws<ArgumentException>(() => Conv2D.Forward(y, cols, x, kernel, new float[2], 1, g, Activation.Relu, 0)).ParamName);
            Assert.Equal("g", Assert.Throws<ArgumentException>(() => Conv2D.Forward(y, cols, x, kernel, none, 1, default, Activation.Relu, 0)).ParamName);
            var pool = Pool(4, 4, 3, 2, 2, 2, 2, Padding.Same);
            float[] pooled = new float[pool.OutputLength];
            Assert.Equal("pool", Assert.Throws<ArgumentException>(() => Conv2D.Forward(y, cols, x, kernel, none, none, 1, g, Activation.Relu, 0, pooled, default)).ParamName);
            Assert.Equal("pool", Assert.Throws<ArgumentException>(() => Conv2D.Forward(y, cols, x, kernel, none, none, 1, g, Activation.Relu, 0, pooled,
                Pool(4, 4, 2, 2, 2, 2, 2, Padding.Same))).ParamName);
            Assert.Equal("pooled", Assert.Throws<ArgumentException>(() => Conv2D.Forward(y, cols, x, kernel, none, none, 1, g, Activation.Relu, 0, new float[1], pool)).ParamName);
            Assert.Equal("dKernel", Assert.Throws<ArgumentException>(() => Conv2D.Backward(x, new float[1], none, cols, y, x, kernel, 1, g)).ParamName);
            Assert.Equal("dx", Assert.Throws<ArgumentException>(() => Conv2D.Backward(new float[3], kernel, none, cols, y, x, kernel, 1, g)).ParamName);
        }

        [Fact]
        public void InconsistentGeometry_Throws()
        {
            Assert.Equal("padTop", Assert.Throws<ArgumentOutOfRangeException>(() => new Conv2DGeometry(5, 5, 1, 5, 5, 1, 3, 3, 1, 1, 3, 1)).ParamName);
            Assert.Equal("outWidth", Assert.Throws<ArgumentOutOfRangeException>(() => new Conv2DGeometry(5, 5, 1, 5, 7, 1, 3, 3, 1, 1, 1, 1)).ParamName);
            Assert.Equal("strideH", Assert.Throws<ArgumentOutOfRangeException>(() => new Conv2DGeometry(5, 5, 1, 5, 5, 1, 3, 3, 0, 1, 1, 1)).ParamName);
            var g = new Conv2DGeometry(28, 28, 1, 28, 28, 32, 5, 5, 1, 1, 2, 2);
            Assert.Equal((784, 25088, 25, 19600, 800), (g.InputLength, g.OutputLength, g.PatchLength, g.ColumnsLength, g.KernelLength));
        }
    }
}
