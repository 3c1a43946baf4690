// Kernels packed once (Gemm.PackB) and read by Dense.Forward and Conv2D.Forward: bitwise the result of packing on every
// call, on every vector path and for 1 to 3 threads, over the products' routes (4- and 2-vector strips, several k
// blocks, the shallow route, 8-row panels, a padded tail, column and row splits, batch 1); the packed copy is really
// what the product reads; lengths are checked.
using System;
using System.Collections.Generic;
using ModelGen.Kernels;
using static ModelGen.Runtime.Tests.Kernels.KernelTestData;

namespace ModelGen.Runtime.Tests.Kernels
{
    [Collection("Parallelism")]
    public sealed class PackedKernelTests : IDisposable
    {
        private static readonly (int Batch, int Inputs, int Units)[] DenseShapes =
        {
            (64, 784, 256), // the MLP at batch 64: 4-vector strips, one 784-deep packed block (seven per call), split by columns on threads
            (7, 300, 90),   // a partial tile, 64 + 16 columns and a 10-column tail, one packed block (three per call)
            (13, 2100, 80), // three 700-deep packed blocks, a 16-column tail
            (60, 100, 700), // the shallow route (one block, many rows): three column ranges of packed strips
            (48, 600, 40),  // 2-vector strips of a deep product (8-row panels with Vector512), split by rows on threads
            (20, 64, 1100), // many 64-column chunks for a column split, a 12-column tail
            (3, 50, 70),    // fewer rows than a tile: the kernel is streamed in place, the packed copy unused
        };

        private static readonly Conv2DGeometry[] Geometries =
        {
            Conv(14, 14, 32, 64, 5, 5, 1, 1, Padding.Same), // the tutorial's conv2: 800-deep, 64 channels
            Conv(9, 9, 1, 32, 5, 5, 1, 1, Padding.Same),    // conv1, smaller: 25-deep
            Conv(8, 8, 5, 65, 5, 5, 2, 2, Padding.Same),    // 65 channels: a one-column tail
            Conv(4, 4, 17, 33, 1, 1, 1, 1, Padding.Valid),  // pointwise: one product over the batch
        };

        public void Dispose() => Parallelism.ThreadCount = 1;

        public static IEnumerable<object[]> WidthsAndThreads()
        {
            foreach (object[] width in Widths())
            {
                foreach (int threads in new[] { 1, 2, 3 })
                {
                    yield return new object[] { width[0], threads };
                }
            }
        }

        [Theory]
        [MemberData(nameof(WidthsAndThreads))]
        public void DenseForward_WithPackedKernel_IsBitwiseThePerCallResult(int width, int threads)
        {
            using var scope = Parallelism.Use(threads);
            ulong seed = 700;
            foreach (var (batch, inputs, units) in DenseShapes)
            foreach (Activation activation in new[] { Activation.Relu, Activation.Tanh })
            {
                float[] x = Random(batch * inputs, seed++), kernel = Random(inputs * units, seed++), bias = Random(units, seed++);
                float[] packed = new float[Gemm.PackedLength(inputs, units)];
                Gemm.PackB(packed, kernel, inputs, units, (SimdWidth)width);
                float[] expected = new float[batch * units], actual = new float[batch * units];
                Dense.Forward(expected, x, kernel, default, bias, batch, inputs, units, activation, 0f, (SimdWidth)width);
                Dense.Forward(actual, x, kernel, packed, bias, batch, inputs, units, activation, 0f, (SimdWidth)width);
                AssertBitwise(expected, actual, $"the packed kernel against packing per call, {batch}x{inputs}x{units} {activation}");
            }
        }

        [Theory]
        [MemberData(nameof(WidthsAndThreads))]
        public void Conv2DForward_WithPackedKernel_IsBitwiseThePerCallResult(int width, int threads)
        {
            using var scope = Parallelism.Use(threads);
            ulong seed = 800;
            foreach (Conv2DGeometry g in Geometries)
            foreach (int batch in new[] { 1, 3 })
            {
                float[] x = Random(batch * g.InputLength, seed++), kernel = Random(g.KernelLength, seed++), bias = Random(g.OutChannels, seed++);
                float[] packed = new float[Gemm.PackedLength(g.PatchLength, g.OutChannels)];
                Gemm.PackB(packed, kernel, g.PatchLength, g.OutChannels, (SimdWidth)width);
                float[] expected = new float[batch * g.OutputLength], actual = new float[batch * g.OutputLength];
                Conv2D.Forward(expected, new float[g.ColumnsLength], x, kernel, default, bias, batch, g, Activation.Relu, 0f, (SimdWidth)width);
                Conv2D.Forward(actual, new float[g.ColumnsLength], x, kernel, packed, bias, batch, g, Activation.Relu, 0f, (SimdWidth)width);
                AssertBitwise(expected, actual, $"the packed kernel against packing per call, {g} batch {batch}");
            }
        }

        [Theory]
        [MemberData(nameof(Widths), MemberType = typeof(KernelTestData))]
        public void PackedKernel_IsWhatTheProductReads(int width)
        {
            // Once the batch fills a tile, every column comes from the packed copy: the strips and, with Vector512, the
            // padded last 1 to 15 columns (70 and 10 units). Packing another kernel must then give that kernel's result
            // exactly, which an ignored packed copy would not.
            const int batch = 12, inputs = 300;
            foreach (int units in new[] { 64, 70, 10 })
            {
                float[] x = Random(batch * inputs, 1), kernel = Random(inputs * units, 2), other = Random(inputs * units, 3);
                float[] packedOther = new float[Gemm.PackedLength(inputs, units)];
                Gemm.PackB(packedOther, other, inputs, units, (SimdWidth)width);
                float[] expected = new float[batch * units], actual = new float[batch * units];
                Dense.Forward(expected, x, other, default, default, batch, inputs, units, Activation.Linear, 0f, (SimdWidth)width);
                Dense.Forward(actual, x, kernel, packedOther, default, batch, inputs, units, Activation.Linear, 0f, (SimdWidth)width);
                AssertBitwise(expected, actual, $"the product of the packed kernel, {units} units");
            }
        }

        [Fact]
        public void WrongLengths_NameTheSpan()
        {
            float[] x = new float[6], kernel = new float[6], y = new float[4];
            // Columns are rounded up to 16: a [3 x 2] kernel packs into 48 floats, a [2 x 32] one into 64.
            Assert.Equal(48, Gemm.PackedLength(3, 2));
            Assert.Equal(64, Gemm.PackedLength(2, 32));
            Assert.Equal("packed", Assert.Throws<ArgumentException>(() => Gemm.PackB(new float[6], kernel, 3, 2)).ParamName);
            Assert.Equal("b", Assert.Throws<ArgumentException>(() => Gemm.PackB(new float[48], new float[7], 3, 2)).ParamName);
            Assert.Equal("k", Assert.Throws<ArgumentOutOfRangeException>(() => Gemm.PackB(new float[48], kernel, 0, 2)).ParamName);
            Assert.Equal("packedKernel", Assert.Throws<ArgumentException>(
                () => Dense.Forward(y, x, kernel, new float[5], default, 2, 3, 2, Activation.Linear, 0f)).ParamName);
            Conv2DGeometry g = Conv(3, 3, 1, 2, 3, 3, 1, 1, Padding.Same);
            Assert.Equal("packedKernel", Assert.Throws<ArgumentException>(
                () => Conv2D.Forward(new float[g.OutputLength], new float[g.ColumnsLength], new float[g.InputLength], new float[g.KernelLength],
                                     new float[g.KernelLength + 1], default, 1, g, Activation.Linear, 0f)).ParamName);
        }
    }
}
