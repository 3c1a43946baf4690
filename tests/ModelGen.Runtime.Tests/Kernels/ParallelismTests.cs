// The worker pool: every parallelised kernel gives bitwise the single-thread result for 2 and 3 threads, allocates
// nothing per call, and the thread count is validated; a Use scope overrides the default on its own thread only, nests,
// and keeps the pool's contract. These tests change a process-wide setting, so they run alone.
using System;
using ModelGen.Kernels;
using ModelGen.Tests;
using static ModelGen.Runtime.Tests.Kernels.KernelTestData;

namespace ModelGen.Runtime.Tests.Kernels
{
    /// <summary>Runs the tests that set <see cref="Parallelism.ThreadCount"/> after, and never beside, any other test.</summary>
    [CollectionDefinition("Parallelism", DisableParallelization = true)]
    public class ParallelismCollection
    {
    }

    /// <summary>Reads <see cref="Parallelism.ThreadCount"/> once, when the test assembly is loaded.</summary>
    internal static class ReadInitialThreadCount
    {
        internal static int Value { get; private set; }

        [System.Runtime.CompilerServices.ModuleInitializer]
        internal static void Read() => Value = Parallelism.ThreadCount;
    }

    [Collection("Parallelism")]
    public sealed class ParallelismTests : IDisposable
    {
        // Odd sizes whose m * k * n (about 1.15 M) is above the split threshold, with leftover rows (67 = 11 x 6 + 1)
        // and column tails for every vector width.
        private const int M = 67, K = 129, N = 133;

        // A 5x5 SAME convolution with odd sizes: per sample 99 x 325 x 37 multiply-adds (about 1.19 M) in each product.
        private static readonly Conv2DGeometry Geometry = Conv(11, 9, 13, 37, 5, 5, 1, 1, Padding.Same);
        private const int Batch = 3;

        public void Dispose() => Parallelism.ThreadCount = 1;

        // The thread count as the runtime starts it, read when this test assembly loads, before any test changes it
        // (the tests below reset it to 1 after each, so reading it in a test could not see a wrong default).
        private static readonly int InitialThreadCount = ReadInitialThreadCount.Value;

        [Fact]
        public void DefaultThreadCount_IsOne() => Assert.Equal(1, InitialThreadCount);

        [Theory]
        [InlineData(0)]
        [InlineData(-1)]
        [InlineData(int.MinValue)]
        public void ThreadCountBelowOne_Throws(int value)
        {
            var error = Assert.Throws<ArgumentOutOfRangeException>(() => Parallelism.ThreadCount = value);
            Assert.Equal(nameof(Parallelism.ThreadCount), error.ParamName);
            Assert.Equal(1, Parallelism.ThreadCount);
        }

        [Fact]
        public void ThreadCountAboveFourPerProcessor_Throws()
        {
            int max = Environment.ProcessorCount * 4;
            var error = Assert.Throws<ArgumentOutOfRangeException>(() => Parallelism.ThreadCount = max + 1);
            Assert.Equal(nameof(Parallelism.ThreadCount), error.ParamName);
            Parallelism.ThreadCount = max;
            Assert.Equal(max, Parallelism.ThreadCount);
        }

        [Theory]
        [InlineData(2)]
        [InlineData(3)]
        public void GemmProducts_AreBitwiseEqualToOneThread(int threads)
        {
            float[] a = Random(M * K, 1), b = Random(K * N, 2), bt = Random(N * K, 3), at = Random(K * M, 4), start = Random(M * N, 5);
            float[][] Run()
            {
                float[] ab = (float[])start.Clone(), abt = (float[])start.Clone(), atb = new float[M * N];
                Gemm.Multiply(ab, a, b, M, K, N, accumulate: true);
                Gemm.MultiplyTransposedB(abt, a, bt, M, K, N, accumulate: true);
                Gemm.MultiplyTransposedA(atb, at, b, M, K, N, accumulate: false);
                return new[] { ab, abt, atb };
            }

            AssertSameForThreads(threads, Run, "A B", "A B^T", "A^T B");
        }

        [Theory]
        [InlineData(2)]
        [InlineData(3)]
        public void DeepTransposedBProduct_SplitByRowsOfB_IsBitwiseEqualToOneThread(int threads)
        {
            // A dense layer's input gradient at a training batch (dot products in 4 x 6 tiles with Vector512): 203 rows
            // of B, 33 whole 6-row blocks and 5 left over, split into ranges of whole blocks.
            const int m = 50, k = 1024, n = 203;
            float[] a = Random(m * k, 40), b = Random(n * k, 41), start = Random(m * n, 42);
            float[][] Run()
            {
                float[] replaced = new float[m * n], added = (float[])start.Clone();
                Gemm.MultiplyTransposedB(replaced, a, b, m, k, n, accumulate: false);
                Gemm.MultiplyTransposedB(added, a, b, m, k, n, accumulate: true);
                return new[] { replaced, added };
            }

            AssertSameForThreads(threads, Run, "A B^T", "C + A B^T");
        }

        [Theory]
        [InlineData(2)]
        [InlineData(3)]
        public void DenseForwardAndBackward_AreBitwiseEqualToOneThread(int threads)
        {
            float[] x = Random(M * K, 6), kernel = Random(K * N, 7), bias = Random(N, 8), dy = Random(M * N, 9);
            float[][] Run()
            {
                float[] y = new float[M * N], dx = new float[M * K], dKernel = Random(K * N, 10), dBias = new float[N];
                Dense.Forward(y, x, kernel, bias, M, K, N, Activation.LeakyRelu, 0.2f);
                Dense.Backward(dx, dKernel, dBias, dy, x, kernel, M, K, N);
                return new[] { y, dx, dKernel };
            }

            AssertSameForThreads(threads, Run, "y", "dx", "dKernel");
        }

        [Theory]
        [InlineData(2, 5, 1, Padding.Same, 11, 9, 13, 37)] // 99 x 325 x 37 per sample
        [InlineData(3, 5, 1, Padding.Same, 11, 9, 13, 37)]
        [InlineData(2, 3, 2, Padding.Valid, 23, 21, 24, 45)] // 110 x 216 x 45
        [InlineData(3, 1, 1, Padding.Valid, 13, 11, 96, 97)] // pointwise: 143 x 96 x 97, no im2col
        public void Conv2DForwardAndBackward_AreBitwiseEqualToOneThread(int threads, int size, int stride, Padding padding,
                                                                        int height, int width, int inC, int outC)
        {
            var g = Conv(height, width, inC, outC, size, size, stride, stride, padding);
            float[] x = Random(Batch * g.InputLength, 11), kernel = Random(g.KernelLength, 12), bias = Random(g.OutChannels, 13);
            float[] dy = Random(Batch * g.OutputLength, 14);
            float[][] Run()
            {
                float[] y = new float[Batch * g.OutputLength], columns = new float[g.ColumnsLength];
                float[] dx = new float[x.Length], dKernel = Random(g.KernelLength, 15), dBias = new float[g.OutChannels];
                Conv2D.Forward(y, columns, x, kernel, bias, Batch, g, Activation.Elu, 1f);
                Conv2D.Backward(dx, dKernel, dBias, columns, dy, x, kernel, Batch, g);
                return new[] { y, dx, dKernel };
            }

            AssertSameForThreads(threads, Run, "y", "dx", "dKernel");
        }

        [Fact]
        public void TwoThreads_AllocateNothingPerCallAndUseAWorker()
        {
            var g = Geometry;
            float[] a = Random(M * K, 16), b = Random(K * N, 17), c = new float[M * N];
            float[] x = Random(Batch * g.InputLength, 18), kernel = Random(g.KernelLength, 19), bias = Random(g.OutChannels, 20);
            float[] y = new float[Batch * g.OutputLength], columns = new float[g.ColumnsLength], dx = new float[x.Length];
            float[] dKernel = new float[g.KernelLength], dBias = new float[g.OutChannels];
            Parallelism.ThreadCount = 2;

            void Step()
            {
                Gemm.Multiply(c, a, b, M, K, N, accumulate: false);
                Gemm.MultiplyTransposedB(c, a, b, M, K, N, accumulate: true);
                Conv2D.Forward(y, columns, x, kernel, bias, Batch, g, Activation.Relu, 0f);
                Conv2D.Backward(dx, dKernel, dBias, columns, y, x, kernel, Batch, g);
            }

            long shared = Parallelism.JobsShared;
            Assert.Equal(0L, Allocations.InSteadyState(Step)); // the first call starts the worker
            Assert.True(Parallelism.JobsShared > shared, "no product was handed to a worker");
        }

        [Theory]
        [InlineData(2, 1)]  // batch 1: the GEMV path, split by columns
        [InlineData(3, 1)]
        [InlineData(2, 5)]
        [InlineData(3, 7)]  // too few rows for a row split: register tiles, split by columns
        [InlineData(2, 50)] // a dense layer at a training batch: fewer rows than columns, split by columns
        [InlineData(3, 53)]
        public void WideProducts_SplitByColumns_AreBitwiseEqualToOneThread(int threads, int rows)
        {
            // 1,093 columns: 17 whole 64-column chunks and a tail of 5 (a 4-wide vector and a float); k * n above the split threshold.
            const int k = 997, n = 1093;
            float[] x = Random(rows * k, 30), w = Random(k * n, 31), bias = Random(n, 32), start = Random(rows * n, 33);
            float[][] Run()
            {
                float[] y = new float[rows * n], c = (float[])start.Clone();
                long shared = Parallelism.JobsShared;
                Dense.Forward(y, x, w, bias, rows, k, n, Activation.Relu, 0f);
                Gemm.Multiply(c, x, w, rows, k, n, accumulate: true);
                if (Parallelism.ThreadCount > 1) Assert.True(Parallelism.JobsShared > shared, "no part went to a worker");
                return new[] { y, c };
            }

            AssertSameForThreads(threads, Run, "y", "c");
        }

        [Theory]
        // fc1 forward and input gradient at batch 50: columns, so each thread packs half of the 12.8 MB kernel.
        [InlineData(50, 3136, 1024, 2, 0)]
        [InlineData(50, 1024, 3136, 2, 0)]
        // fc1's kernel gradient (3136 x 1024) and a convolution (pixels x 64 channels): rows.
        [InlineData(3136, 50, 1024, 1, 2)]
        [InlineData(1176, 800, 64, 1, 2)]
        // One 64-column chunk: nothing to split by columns, so rows.
        [InlineData(50, 5000, 64, 1, 2)]
        // The MLP's logits at batch 128 (327,680 multiply-adds): rows, whole 6-row tiles on each side.
        [InlineData(128, 256, 10, 1, 2)]
        // Its first layer at batch 1 (200,704): columns, two 64-column chunks each.
        [InlineData(1, 784, 256, 2, 0)]
        // Just under 131,072 multiply-adds stays whole; at it, splits.
        [InlineData(128, 1023, 1, 1, 1)]
        [InlineData(128, 1024, 1, 1, 2)]
        public void SplitParts_ColumnsWhenWiderThanTall_RowsOtherwise_FromTheThreshold(int m, int k, int n, int columns, int rows)
        {
            // rows: the row split, checked where the column split leaves the product whole.
            using (Parallelism.Use(2))
            {
                Assert.Equal(columns, Gemm.ColumnParts(m, k, n));
                if (columns == 1)
                {
                    Assert.Equal(rows, Gemm.RowParts(m, k, n));
                }
            }
        }

        [Fact]
        public void BatchOneProduct_WeighsOnlyTheInputsThatAreNotZero_WhenSplitting()
        {
            // The MLP's first layer at batch 1 (784 x 256) splits on two threads, but with a digit's input, 85 % zero,
            // the rows of the kernel its stream reads (about 118 x 256, 30k multiply-adds) are too few to hand over.
            float[] kernel = Random(784 * 256, 80), bias = Random(256, 81), dense = Random(784, 82, 0.1f, 1f), digit = (float[])dense.Clone();
            for (int p = 0; p < 784; p++)
            {
                if (p % 20 >= 3) digit[p] = 0f;
            }
            float[] y = new float[256];
            using (Parallelism.Use(2))
            {
                long shared = Parallelism.JobsShared;
                Dense.Forward(y, dense, kernel, bias, 1, 784, 256, Activation.Relu, 0f);
                Assert.Equal(shared + 1, Parallelism.JobsShared);
                Dense.Forward(y, digit, kernel, bias, 1, 784, 256, Activation.Relu, 0f);
                Assert.Equal(shared + 1, Parallelism.JobsShared);
            }
        }

        [Theory]
        [InlineData(2)]
        [InlineData(3)]
        public void ProductsNearTheSplitThreshold_AreBitwiseEqualToOneThread(int threads)
        {
            // A 10-unit dense layer at batch 128 (its 10 columns padded into one vector, products of about 0.3M
            // multiply-adds) and a 256-unit layer at batch 1, forward and backward.
            const int batch = 128, inputs = 256, units = 10, wide = 256, deep = 784;
            float[] x = Random(batch * inputs, 60), kernel = Random(inputs * units, 61), bias = Random(units, 62), dy = Random(batch * units, 63);
            float[] x1 = Random(deep, 64), kernel1 = Random(deep * wide, 65), bias1 = Random(wide, 66), dy1 = Random(wide, 67);
            for (int p = 0; p < deep; p += 3) x1[p] = 0f; // a third zero, as after a ReLU: each part skips rows of its own columns
            float[][] Run()
            {
                float[] y = new float[batch * units], dx = new float[batch * inputs], dKernel = new float[inputs * units], dBias = new float[units];
                Dense.Forward(y, x, kernel, bias, batch, inputs, units, Activation.Linear, 0f);
                Dense.Backward(dx, dKernel, dBias, dy, x, kernel, batch, inputs, units, accumulate: false);
                float[] y1 = new float[wide], dx1 = new float[deep], dKernel1 = new float[deep * wide], dBias1 = new float[wide];
                Dense.Forward(y1, x1, kernel1, bias1, 1, deep, wide, Activation.Relu, 0f);
                Dense.Backward(dx1, dKernel1, dBias1, dy1, x1, kernel1, 1, deep, wide, accumulate: false);
                return new[] { y, dx, dKernel, dBias, y1, dx1, dKernel1, dBias1 };
            }

            AssertSameForThreads(threads, Run, "y", "dx", "dKernel", "dBias", "y (batch 1)", "dx (batch 1)", "dKernel (batch 1)", "dBias (batch 1)");
        }

        [Fact]
        public void SmallProduct_StaysOnTheCallingThread()
        {
            float[] a = Random(6 * 8, 21), b = Random(8 * 16, 22), c = new float[6 * 16];
            Parallelism.ThreadCount = 2;
            long shared = Parallelism.JobsShared;
            Gemm.Multiply(c, a, b, 6, 8, 16, accumulate: false);
            Assert.Equal(shared, Parallelism.JobsShared);
        }

        [Fact]
        public void Use_SetsTheCountForTheCallingThreadOnly()
        {
            Parallelism.ThreadCount = 2;
            using (Parallelism.Use(3))
            {
                Assert.Equal(3, Parallelism.Current);
                Assert.Equal(2, Parallelism.ThreadCount); // the default is untouched
                int seenElsewhere = 0;
                var other = new System.Threading.Thread(() => seenElsewhere = Parallelism.Current);
                other.Start();
                other.Join();
                Assert.Equal(2, seenElsewhere);
            }
            Assert.Equal(2, Parallelism.Current);
        }

        [Fact]
        public void NestedScopes_RestoreTheOuterCountOnDispose()
        {
            using (Parallelism.Use(2))
            {
                using (Parallelism.Use(3))
                {
                    Assert.Equal(3, Parallelism.Current);
                }
                Assert.Equal(2, Parallelism.Current);
            }
            Assert.Equal(1, Parallelism.Current);
        }

        [Fact]
        public void UseZero_KeepsTheOuterScopeAndTheDefault()
        {
            Parallelism.ThreadCount = 2;
            using (Parallelism.Use(0))
            {
                Assert.Equal(2, Parallelism.Current);
            }
            using (Parallelism.Use(3))
            {
                using (Parallelism.Use(0))
                {
                    Assert.Equal(3, Parallelism.Current);
                }
                Assert.Equal(3, Parallelism.Current); // disposing the empty scope restored nothing
                default(ThreadScope).Dispose();
                Assert.Equal(3, Parallelism.Current);
            }
            Assert.Equal(2, Parallelism.Current);
        }

        [Theory]
        [InlineData(-1)]
        [InlineData(int.MinValue)]
        [InlineData(int.MaxValue)]
        public void UseOutOfRange_ThrowsNamingThreadCount(int value)
        {
            using (Parallelism.Use(2))
            {
                var error = Assert.Throws<ArgumentOutOfRangeException>(() => Parallelism.Use(value));
                Assert.Equal("threadCount", error.ParamName);
                Assert.Equal(2, Parallelism.Current); // a refused scope changes nothing
            }
            int max = Environment.ProcessorCount * 4;
            Assert.Equal("threadCount", Assert.Throws<ArgumentOutOfRangeException>(() => Parallelism.Use(max + 1)).ParamName);
            using (Parallelism.Use(max))
            {
                Assert.Equal(max, Parallelism.Current);
            }
        }

        [Fact]
        public void GemmUnderTwoThreadScope_SharesJobsAndIsBitwiseEqualToOneThread()
        {
            float[] a = Random(M * K, 40), b = Random(K * N, 41);
            float[] expected = new float[M * N], actual = new float[M * N];
            Gemm.Multiply(expected, a, b, M, K, N, accumulate: false); // the default, 1 thread
            long shared = Parallelism.JobsShared;
            using (Parallelism.Use(2))
            {
                Gemm.Multiply(actual, a, b, M, K, N, accumulate: false);
            }
            Assert.True(Parallelism.JobsShared > shared, "the scoped product was not handed to a worker");
            for (int i = 0; i < expected.Length; i++)
            {
                Assert.True(BitConverter.SingleToInt32Bits(expected[i]) == BitConverter.SingleToInt32Bits(actual[i]),
                    $"c[{i}]: {actual[i]:R} under Use(2), {expected[i]:R} on one thread");
            }
            shared = Parallelism.JobsShared;
            Gemm.Multiply(actual, a, b, M, K, N, accumulate: false);
            Assert.Equal(shared, Parallelism.JobsShared); // after the scope, the default (1) is back
        }

        [Fact]
        public void ScopedCalls_AllocateNothingPerCall()
        {
            float[] a = Random(M * K, 42), b = Random(K * N, 43), c = new float[M * N];
            long shared = Parallelism.JobsShared;
            Assert.Equal(0L, Allocations.InSteadyState(() =>
            {
                using var threads = Parallelism.Use(2);
                Gemm.Multiply(c, a, b, M, K, N, accumulate: false);
            }, calls: 20));
            Assert.True(Parallelism.JobsShared > shared, "no product was handed to a worker");
        }

        [Fact]
        public void Pool_KeepsItsLargestNeedUntilTheDefaultChanges()
        {
            float[] a = Random(M * K, 44), b = Random(K * N, 45), c = new float[M * N];
            void Multiply() => Gemm.Multiply(c, a, b, M, K, N, accumulate: false);

            Parallelism.ThreadCount = 3;
            Multiply(); // a changed default: the pool is resized to this call's need
            Assert.Equal(2, Parallelism.WorkerCount);
            using (Parallelism.Use(2)) Multiply();
            Assert.Equal(2, Parallelism.WorkerCount); // a smaller scope stops no worker
            using (Parallelism.Use(4)) Multiply();
            Assert.Equal(3, Parallelism.WorkerCount); // a larger one adds the missing one
            Multiply();
            Assert.Equal(3, Parallelism.WorkerCount); // the unchanged default keeps the largest need

            Parallelism.ThreadCount = 2;
            Multiply(); // lowered: the next parallel call trims the pool to its own need
            Assert.Equal(1, Parallelism.WorkerCount);
        }
    }
}
