// Gemm against its reference twin on odd shapes for every vector path, across cache-block boundaries, and a hand case.
using System;
using ModelGen.Kernels;
using static ModelGen.Runtime.Tests.Kernels.KernelTestData;
using Ref = ModelGen.Kernels.Reference;

namespace ModelGen.Runtime.Tests.Kernels
{
    public class GemmTests
    {
        private delegate void Product(Span<float> c, ReadOnlySpan<float> a, ReadOnlySpan<float> b, int m, int k, int n, bool accumulate);

        private static void Compare(int variant, int width, int m, int k, int n, bool accumulate, ulong seed)
        {
            float[] a = Random(m * k, seed), b = Random(k * n, seed + 1), initial = Random(m * n, seed + 2);
            float[] expected = (float[])initial.Clone(), actual = (float[])initial.Clone();
            var w = (SimdWidth)width;
            switch (variant)
            {
                case 0:
                    Ref.Gemm.Multiply(expected, a, b, m, k, n, accumulate);
                    Gemm.Multiply(actual, a, b, m, k, n, accumulate, w);
                    break;
                case 1:
                    Ref.Gemm.MultiplyTransposedB(expected, a, b, m, k, n, accumulate);
                    Gemm.MultiplyTransposedB(actual, a, b, m, k, n, accumulate, w);
                    break;
                default:
                    Ref.Gemm.MultiplyTransposedA(expected, a, b, m, k, n, accumulate);
                    Gemm.MultiplyTransposedA(actual, a, b, m, k, n, accumulate, w);
                    break;
            }
            AssertClose(expected, actual, $"variant {variant} width {width} m={m} k={k} n={n} accumulate={accumulate}");
        }

        [Theory]
        [MemberData(nameof(Widths), MemberType = typeof(KernelTestData))]
        public void OddShapes_MatchReferenceOnEveryPath(int width)
        {
            ulong seed = 1;
            foreach (int m in OddSizes)
            foreach (int k in new[] { 1, 3, 17, 65 })
            foreach (int n in OddSizes)
            for (int variant = 0; variant < 3; variant++)
            {
                Compare(variant, width, m, k, n, accumulate: (seed & 1) == 0, seed);
                seed += 3;
            }
        }

        [Theory]
        [MemberData(nameof(Widths), MemberType = typeof(KernelTestData))]
        public void ShapesAcrossCacheBlocks_MatchReference(int width)
        {
            // m = 50: eight 6-row panels plus 2 streamed rows; k = 300 > 256 and n = 530 > 512 cross both cache blocks.
            Compare(0, width, 50, 300, 530, accumulate: false, 11);
            Compare(0, width, 50, 300, 530, accumulate: true, 12);
            Compare(2, width, 530, 50, 37, accumulate: true, 13);
            Compare(1, width, 50, 301, 70, accumulate: false, 14);
            // Shallow (k within one block) with many rows: panels run over all packed strips of a column range; k = 120
            // makes three ranges of 600 columns, m = 200 ends with a 2-row tile.
            Compare(2, width, 200, 120, 600, accumulate: true, 15);
            Compare(0, width, 200, 120, 600, accumulate: false, 16);
            Compare(1, width, 97, 40, 130, accumulate: true, 17);
            // B exactly one strip wide (16, 32 or 64 columns: a convolution's dy or kernel) is read in place, not packed,
            // over several blocks of k, through the 6-row tiles and (32 columns, k >= 256) the 8-row panels.
            Compare(0, width, 50, 300, 32, accumulate: true, 18);
            Compare(0, width, 13, 300, 64, accumulate: false, 19);
            Compare(0, width, 9, 520, 16, accumulate: true, 20);
        }

        [Fact]
        public void DeepTransposedBProducts_DotPerElement_MatchReference()
        {
            // With Vector512, A B^T with at least 6 rows, k a multiple of 16 in [256, 1536] and A within 1 MiB is a dot
            // product per element in 4 x 6 tiles, B read in place (a dense layer's input gradient). The shapes leave
            // every count of rows of A after the 4-row tiles (m % 4) and of B after the 6-row blocks (n % 6).
            ulong seed = 40;
            foreach (var (m, k, n) in new[] { (6, 256, 6), (50, 1024, 37), (9, 272, 64), (7, 1536, 11), (128, 512, 20), (51, 256, 9) })
            foreach (bool accumulate in new[] { false, true })
            {
                Compare(1, 16, m, k, n, accumulate, seed++);
            }
        }

        [Theory]
        [MemberData(nameof(Widths), MemberType = typeof(KernelTestData))]
        public void LargeReplacedShallowProduct_StreamedOut_IsBitwiseTheAccumulatedOne(int width)
        {
            // C of 1,045 x 1,024 floats (4.3 MB), k = 50, replaced: with Vector512 its full 6-row panels go through the L1
            // panel and non-temporal stores (a fc1-sized kernel gradient), the last row through the tiles directly.
            // Adding to zeros takes the ordinary path: the two must agree bit for bit, and with the reference.
            const int m = 1045, k = 50, n = 1024;
            float[] a = Random(k * m, 21), b = Random(k * n, 22);
            var streamed = new AlignedBuffer(m * n);
            var added = new AlignedBuffer(m * n);
            Random(m * n, 23).CopyTo(streamed.Span); // garbage that replacing must overwrite
            Gemm.MultiplyTransposedA(streamed.Span, a, b, m, k, n, false, (SimdWidth)width);
            Gemm.MultiplyTransposedA(added.Span, a, b, m, k, n, true, (SimdWidth)width);
            for (int i = 0; i < m * n; i++)
            {
                if (BitConverter.SingleToInt32Bits(streamed.Span[i]) != BitConverter.SingleToInt32Bits(added.Span[i]))
                    Assert.Fail($"element {i}: {streamed.Span[i]:R} streamed, {added.Span[i]:R} added to zeros");
            }
            float[] expected = new float[m * n];
            Ref.Gemm.MultiplyTransposedA(expected, a, b, m, k, n, false);
            AssertClose(expected, streamed.Span.ToArray(), "streamed against the reference");
        }

        [Fact]
        public void FewRowsWithNarrowColumns_OnTheWidestPath_AreBitwiseTheNarrowerPaths()
        {
            // Fewer rows than a tile (batch 1 to 5) and 1 to 15 columns past the last whole 16: with Vector512 those
            // columns take one masked pass, with Vector256 an 8-, a 4- and a 1-wide pass; every element is the same chain
            // of fused multiply-adds from its start value either way. A convolution with fewer than 6 output pixels
            // reads its patches through the gathered layout instead of A's strides.
            ulong seed = 300;
            foreach (int m in new[] { 1, 2, 5 })
            foreach (int k in new[] { 1, 6, 300 })
            foreach (int n in new[] { 1, 4, 8, 9, 10, 15, 26, 47 })
            {
                WidestMatchesNarrower(m, k, n, seed);
                seed += 4;
            }
            foreach (int channels in new[] { 3, 10, 19 })
            {
                ConvolutionWidestMatchesNarrower(new Conv2DGeometry(3, 3, 2, 2, 2, channels, 2, 2, 1, 1, 0, 0), 1, seed); // 4 output pixels
                seed += 3;
            }
        }

        [Fact]
        public void ManyRowsWithNarrowColumns_OnTheWidestPath_AreBitwiseTheNarrowerPaths()
        {
            // A tile of rows or more and 1 to 15 columns past the last whole 16 (a 10-class logits layer): with Vector512
            // those columns are one zero-padded vector, twelve rows at a time from strided A, six for the last rows and
            // for gathered patches; with Vector256 an 8-, a 4- and a 1-wide strip. Every element is the same chain of
            // fused multiply-adds from its start value either way; k = 300 crosses a block, so C is reloaded mid-chain.
            ulong seed = 500;
            foreach (int m in new[] { 6, 11, 12, 13, 24, 50 })
            foreach (int k in new[] { 1, 7, 300 })
            foreach (int n in new[] { 1, 9, 10, 15, 26 })
            {
                WidestMatchesNarrower(m, k, n, seed);
                seed += 4;
            }
            var g = new Conv2DGeometry(5, 5, 2, 5, 5, 10, 3, 3, 1, 1, 1, 1); // 25 output pixels, 10 channels
            ConvolutionWidestMatchesNarrower(g, 1, seed);
            ConvolutionWidestMatchesNarrower(g, 2, seed + 3);
        }

        /// <summary>
        /// A B and A^T B (A stored k x m: a kernel gradient's x, rows of A one float apart), replacing and accumulating,
        /// and a dense layer under three activations: bitwise the same with Vector512 as with Vector256.
        /// </summary>
        private static void WidestMatchesNarrower(int m, int k, int n, ulong seed)
        {
            float[] a = Random(m * k, seed), b = Random(k * n, seed + 1), bias = Random(n, seed + 2), initial = Random(m * n, seed + 3);
            string where = $"m={m} k={k} n={n}";
            foreach (bool accumulate in new[] { false, true })
            {
                float[] wide = (float[])initial.Clone(), narrow = (float[])initial.Clone();
                Gemm.Multiply(wide, a, b, m, k, n, accumulate, SimdWidth.V512);
                Gemm.Multiply(narrow, a, b, m, k, n, accumulate, SimdWidth.V256);
                AssertBitwise(narrow, wide, $"A B, {where}, accumulate={accumulate}");
                wide = (float[])initial.Clone(); narrow = (float[])initial.Clone();
                Gemm.MultiplyTransposedA(wide, a, b, m, k, n, accumulate, SimdWidth.V512);
                Gemm.MultiplyTransposedA(narrow, a, b, m, k, n, accumulate, SimdWidth.V256);
                AssertBitwise(narrow, wide, $"A^T B, {where}, accumulate={accumulate}");
            }
            foreach (Activation activation in new[] { Activation.Linear, Activation.Relu, Activation.Elu })
            {
                float[] wide = new float[m * n], narrow = new float[m * n];
                Dense.Forward(wide, a, b, default, bias, m, k, n, activation, 1f, SimdWidth.V512);
                Dense.Forward(narrow, a, b, default, bias, m, k, n, activation, 1f, SimdWidth.V256);
                AssertBitwise(narrow, wide, $"dense {activation}, {where}");
            }
        }

        /// <summary>A convolution with a ReLU over <paramref name="batch"/> samples: bitwise the same with Vector512 as with Vector256.</summary>
        private static void ConvolutionWidestMatchesNarrower(Conv2DGeometry g, int batch, ulong seed)
        {
            float[] x = Random(batch * g.InputLength, seed), kernel = Random(g.KernelLength, seed + 1), bias = Random(g.OutChannels, seed + 2);
            float[] columns = new float[g.ColumnsLength], wide = new float[batch * g.OutputLength], narrow = new float[batch * g.OutputLength];
            Conv2D.Forward(wide, columns, x, kernel, default, bias, batch, g, Activation.Relu, 0f, SimdWidth.V512);
            Conv2D.Forward(narrow, columns, x, kernel, default, bias, batch, g, Activation.Relu, 0f, SimdWidth.V256);
            AssertBitwise(narrow, wide, $"convolution, {g.OutChannels} channels, batch {batch}");
        }

        /// <summary>
        /// Each element of C as the fused multiply-adds of its row of A against its column of B, in ascending k, from
        /// <paramref name="start"/> (C's old value) or the bias or zero, over the rows of B that <paramref name="use"/>
        /// admits, then a ReLU when asked: the chain the batch-1 stream computes.
        /// </summary>
        private static float[] Chain(float[] a, float[] b, float[]? start, float[]? bias, int m, int k, int n, bool relu, Func<int, bool> use)
        {
            float[] c = new float[m * n];
            for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                float s = start != null ? start[i * n + j] : bias != null ? bias[j] : 0f;
                for (int p = 0; p < k; p++)
                {
                    if (use(p)) s = MathF.FusedMultiplyAdd(a[i * k + p], b[p * n + j], s);
                }
                c[i * n + j] = relu ? Math.Max(s, 0f) : s;
            }
            return c;
        }

        [Theory]
        [MemberData(nameof(Widths), MemberType = typeof(KernelTestData))]
        public void FewRowsWithZerosInA_AreBitwiseTheWholeChain(int width)
        {
            // Batch 1 to 5 streams B row by row. A row of A with enough exact zeros (a ReLU's output, a digit's blank
            // pixels) skips the rows of B facing them, block by block of 64 elements (the dense form where a block has
            // too few), and its last k % 64 always: a zero term adds exactly nothing, so every element must still be
            // the chain over all of k. Zeros scattered at random, in runs, or everywhere; none; a 10-column tail.
            ulong seed = 500;
            foreach (int m in new[] { 1, 2, 5 })
            foreach (int k in new[] { 64, 100, 784 })
            foreach (int n in new[] { 16, 64, 266 })
            foreach (string pattern in new[] { "none", "a tenth", "half", "runs", "nine tenths", "all" })
            {
                float[] a = Random(m * k, seed), b = Random(k * n, seed + 1), bias = Random(n, seed + 2), initial = Random(m * n, seed + 3);
                float[] coin = Random(m * k, seed + 4, 0f, 1f);
                for (int i = 0; i < m * k; i++)
                {
                    int p = i % k;
                    bool zero = pattern switch
                    {
                        "a tenth" => coin[i] < 0.1f,
                        "half" => coin[i] < 0.5f,
                        "runs" => p / 28 % 3 != 1, // image rows: two blank rows of 28 pixels in three
                        "nine tenths" => coin[i] < 0.9f,
                        "all" => true,
                        _ => false,
                    };
                    if (zero) a[i] = 0f;
                }
                string where = $"width {width}, m={m} k={k} n={n}, zeros: {pattern}";
                foreach (bool accumulate in new[] { false, true })
                {
                    float[] actual = (float[])initial.Clone();
                    Gemm.Multiply(actual, a, b, m, k, n, accumulate, (SimdWidth)width);
                    AssertBitwise(Chain(a, b, accumulate ? initial : null, null, m, k, n, false, _ => true), actual, $"A B, {where}, accumulate={accumulate}");
                }
                float[] y = new float[m * n];
                Dense.Forward(y, a, b, default, bias, m, k, n, Activation.Relu, 0f, (SimdWidth)width);
                AssertBitwise(Chain(a, b, null, bias, m, k, n, true, _ => true), y, $"dense ReLU, {where}");
                seed += 5;
            }
        }

        [Theory]
        [MemberData(nameof(Widths), MemberType = typeof(KernelTestData))]
        public void FewRowsWithZerosInA_DoNotReadTheRowsOfBFacingThem(int width)
        {
            // Seven elements of A in eight are zero, in every row of A: every block of 64 takes the sparse form (from 5
            // columns), and the rows of B facing the zeros hold NaN, which any product that read them would return. A
            // NaN weight against a zero input is therefore not seen (reference BLAS's GEMV skips such terms too). One row
            // is always streamed; 3 and 5 are, when they read at most 1.25 k rows of B in all (the last k % 64 elements
            // count as non-zero in that test), which these do.
            ulong seed = 700;
            foreach (var (m, k) in new[] { (1, 64), (1, 100), (1, 784), (3, 64), (3, 784), (5, 784) })
            foreach (int n in new[] { 16, 64, 256, 1024 })
            {
                float[] a = Random(m * k, seed), b = Random(k * n, seed + 1), bias = Random(n, seed + 2);
                for (int i = 0; i < m * k; i++)
                {
                    if (i % k % 8 != 1) a[i] = 0f;
                }
                for (int p = 0; p < k; p++)
                {
                    if (p % 8 != 1) b.AsSpan(p * n, n).Fill(float.NaN);
                }
                float[] y = new float[m * n];
                Dense.Forward(y, a, b, default, bias, m, k, n, Activation.Linear, 0f, (SimdWidth)width);
                AssertBitwise(Chain(a, b, null, bias, m, k, n, false, p => p % 8 == 1), y, $"width {width}, m={m} k={k} n={n}");
                seed += 3;
            }
        }

        [Theory]
        [MemberData(nameof(Widths), MemberType = typeof(KernelTestData))]
        public void TwoToFiveRowsWithFewZeros_AreBitwiseOneRowAtATime(int width)
        {
            // 2 to 5 rows with few zeros (a fifth here) go through the tiles, which read B once, instead of one row
            // stream each; a 1-row product is still a stream, which skips the zeros. Each row must be bitwise what a
            // 1-row product of that row gives, with B packed per call and packed ahead, with and without a 7-column tail.
            ulong seed = 800;
            foreach (int n in new[] { 512, 519 })
            {
                const int k = 520;
                float[] b = Random(k * n, seed), bias = Random(n, seed + 1);
                float[] packed = new float[Gemm.PackedLength(k, n)];
                Gemm.PackB(packed, b, k, n, (SimdWidth)width);
                foreach (int m in new[] { 2, 3, 5 })
                {
                    float[] a = Random(m * k, seed + 2 + (ulong)m);
                    for (int i = 0; i < a.Length; i += 5) a[i] = 0f; // zeros, which only the stream skips
                    foreach (bool prepacked in new[] { false, true })
                    {
                        float[] y = new float[m * n];
                        Dense.Forward(y, a, b, prepacked ? packed : default, bias, m, k, n, Activation.Relu, 0f, (SimdWidth)width);
                        for (int i = 0; i < m; i++)
                        {
                            float[] row = new float[n];
                            Dense.Forward(row, a.AsSpan(i * k, k), b, prepacked ? packed : default, bias, 1, k, n, Activation.Relu, 0f, (SimdWidth)width);
                            AssertBitwise(row, y.AsSpan(i * n, n).ToArray(), $"width {width}, n={n}, row {i} of {m}, packed ahead: {prepacked}");
                        }
                    }
                }
                seed += 10;
            }
        }

        [Fact]
        public void TwoByTwo_MatchesHandComputedProducts()
        {
            // A = [[1, 2], [3, 4]], B = [[5, 6], [7, 8]]: A B = [[19, 22], [43, 50]], A B^T = [[17, 23], [39, 53]],
            // A^T B = [[26, 30], [38, 44]].
            float[] a = { 1, 2, 3, 4 }, b = { 5, 6, 7, 8 }, c = new float[4];
            Ref.Gemm.Multiply(c, a, b, 2, 2, 2, false);
            Assert.Equal(new float[] { 19, 22, 43, 50 }, c);
            Ref.Gemm.MultiplyTransposedB(c, a, b, 2, 2, 2, false);
            Assert.Equal(new float[] { 17, 23, 39, 53 }, c);
            Ref.Gemm.MultiplyTransposedA(c, a, b, 2, 2, 2, true);
            Assert.Equal(new float[] { 17 + 26, 23 + 30, 39 + 38, 53 + 44 }, c);
            Gemm.Multiply(c, a, b, 2, 2, 2, false);
            Assert.Equal(new float[] { 19, 22, 43, 50 }, c);
        }

        [Fact]
        public void ShortOrLongSpans_ThrowNamingTheArgument()
        {
            float[] a = new float[6], b = new float[12], c = new float[8];
            Assert.Equal("c", Assert.Throws<ArgumentException>(() => Gemm.Multiply(new float[7], a, b, 2, 3, 4, false)).ParamName);
            Assert.Equal("a", Assert.Throws<ArgumentException>(() => Gemm.Multiply(c, new float[5], b, 2, 3, 4, false)).ParamName);
            Assert.Equal("b", Assert.Throws<ArgumentException>(() => Gemm.Multiply(c, a, new float[13], 2, 3, 4, false)).ParamName);
            Assert.Equal("b", Assert.Throws<ArgumentException>(() => Gemm.MultiplyTransposedB(c, a, new float[11], 2, 3, 4, false)).ParamName);
            Assert.Equal("a", Assert.Throws<ArgumentException>(() => Gemm.MultiplyTransposedA(c, new float[7], b, 2, 3, 4, false)).ParamName);
            Assert.Equal("k", Assert.Throws<ArgumentOutOfRangeException>(() => Gemm.Multiply(c, a, b, 2, 0, 4, false)).ParamName);
            var message = Assert.Throws<ArgumentException>(() => Gemm.Multiply(new float[7], a, b, 2, 3, 4, false)).Message;
            Assert.Contains("8", message);
            Assert.Contains("7", message);
        }
    }
}
