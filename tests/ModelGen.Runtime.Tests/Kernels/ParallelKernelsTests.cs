// The non-GEMM work of a training step on the worker pool (optimizer updates and clipping, pooling, activations,
// dropout, bias column sums, batch norm, the gradients' finiteness check and clear): bitwise the single-thread result for 2 and 3 threads on sizes above the split
// threshold, a worker really used, nothing allocated per call, small work kept on the calling thread.
using System;
using System.Collections.Generic;
using ModelGen.Kernels;
using ModelGen.Tests;
using static ModelGen.Runtime.Tests.Kernels.KernelTestData;

namespace ModelGen.Runtime.Tests.Kernels
{
    [Collection("Parallelism")]
    public sealed unsafe class ParallelKernelsTests : IDisposable
    {
        // Three optimizer chunks (32,768 floats) and more, well above three parts of ParallelChain.ElementsPerPart, and
        // odd, so the last part has a tail of every width.
        private const int Length = 3 * 32768 + 1234 + 7;

        // An arena with a small range, a large odd-length range starting off a vector boundary, a gap that no update may
        // touch, an empty range and a short last one: 2 + 3 x 32768 + 99 + 10 trainable floats.
        private static readonly ParameterRange[] Ranges =
        [
            new ParameterRange(0, 2),
            new ParameterRange(5, 3 * 32768 + 99),
            new ParameterRange(3 * 32768 + 200, 0),
            new ParameterRange(3 * 32768 + 300, 10),
        ];
        private const int ArenaLength = 3 * 32768 + 320;

        public void Dispose() => Parallelism.ThreadCount = 1;

        public static IEnumerable<object[]> ThreadsAndActivations()
        {
            foreach (int threads in new[] { 2, 3 })
            {
                foreach (Activation activation in new[] { Activation.Relu, Activation.LeakyRelu, Activation.Elu, Activation.Sigmoid, Activation.Tanh })
                {
                    yield return new object[] { threads, activation };
                }
            }
        }

        [Theory]
        [MemberData(nameof(ThreadsAndActivations))]
        public void ActivationsForwardAndBackward_AreBitwiseEqualToOneThread(int threads, Activation activation)
        {
            float[] x = Random(Length, 1, -3f, 3f), dy = Random(Length, 2);
            float[][] Run()
            {
                float[] y = new float[Length], dx = new float[Length];
                Activations.Forward(y, x, activation, 0.2f);
                Activations.Backward(dx, dy, y, activation, 0.2f);
                return [y, dx];
            }

            AssertSameForThreads(threads, Run, "y", "dx");
        }

        [Theory]
        [InlineData(2)]
        [InlineData(3)]
        public void DropoutForwardAndSplitBackward_AreBitwiseEqualToOneThread(int threads)
        {
            float[] x = Random(Length, 3), dy = Random(Length, 4);
            float[][] Run()
            {
                float[] y = new float[Length], mask = new float[Length], dx = new float[Length];
                var rng = new Rng(5);
                Dropout.Forward(y, mask, x, 0.4f, ref rng);
                Dropout.Backward(dx, dy, mask);
                return [y, mask, dx];
            }

            AssertSameForThreads(threads, Run, "y", "mask", "dx");
        }

        [Theory]
        [InlineData(2, 2001, 67)] // 4 groups of 16 columns and a tail of 3
        [InlineData(3, 2001, 67)]
        [InlineData(3, 4321, 32)] // a convolution bias: two 16-column groups
        [InlineData(2, 2003, 64)] // conv2's bias: pairs of vectors on one thread, single vectors when split
        public void ColumnSums_AreBitwiseEqualToOneThread(int threads, int rows, int cols)
        {
            float[] matrix = Random(rows * cols, 6), start = Random(cols, 7);
            float[][] Run()
            {
                float[] sums = (float[])start.Clone();
                fixed (float* ps = sums, pm = matrix)
                {
                    Reduce.AddColumnSums(Simd.Best, ps, pm, rows, cols);
                }
                return [sums];
            }

            AssertSameForThreads(threads, Run, "sums");
        }

        [Theory]
        [InlineData(2, 2001, 67)]
        [InlineData(3, 2001, 67)]
        [InlineData(3, 3001, 32)] // a 32-channel convolution: two 16-channel groups
        public void BatchNormPasses_AreBitwiseEqualToOneThread(int threads, int rows, int channels)
        {
            float[] x = Random(rows * channels, 29, -2f, 3f), gamma = Random(channels, 30, 0.5f, 1.5f), beta = Random(channels, 31);
            float[] dy = Random(rows * channels, 32), startMean = Random(channels, 33), startVariance = Random(channels, 34, 0.5f, 2f);
            float[][] Run()
            {
                float[] y = new float[x.Length], normalized = new float[x.Length], inverseStd = new float[channels];
                float[] mean = (float[])startMean.Clone(), variance = (float[])startVariance.Clone(), inference = new float[x.Length];
                float[] dx = new float[x.Length], dGamma = Random(channels, 35), dBeta = Random(channels, 36);
                BatchNorm.Inference(inference, x, gamma, beta, mean, variance, rows, channels, 1e-3f);
                BatchNorm.TrainingForward(y, normalized, inverseStd, mean, variance, x, gamma, beta, rows, channels, 0.99f, 1e-3f);
                BatchNorm.Backward(dx, dGamma, dBeta, dy, normalized, inverseStd, gamma, rows, channels);
                return [inference, y, normalized, inverseStd, mean, variance, dx, dGamma, dBeta];
            }

            AssertSameForThreads(threads, Run, "inference y", "y", "normalized", "inverseStd", "moving mean", "moving variance", "dx", "dGamma", "dBeta");
        }

        [Theory]
        [InlineData(2, 3, 2, Padding.Same)]
        [InlineData(3, 3, 2, Padding.Same)] // overlapping windows: backward sums into shared inputs
        [InlineData(3, 2, 2, Padding.Valid)]
        public void PoolingForwardAndBackward_AreBitwiseEqualToOneThread(int threads, int window, int stride, Padding padding)
        {
            const int batch = 7;
            var g = Pool(30, 29, 19, window, window, stride, stride, padding); // 16,530 inputs per sample
            float[] x = Random(batch * g.InputLength, 8), dy = Random(batch * g.OutputLength, 9);
            float[][] Run()
            {
                float[] maxY = new float[batch * g.OutputLength], avgY = new float[maxY.Length];
                float[] maxDx = Random(x.Length, 10), avgDx = Random(x.Length, 11); // stale values the kernels must clear
                Pooling.MaxForward(maxY, x, batch, g);
                Pooling.MaxBackward(maxDx, dy, x, batch, g);
                Pooling.AvgForward(avgY, x, batch, g);
                Pooling.AvgBackward(avgDx, dy, batch, g);
                return [maxY, maxDx, avgY, avgDx];
            }

            AssertSameForThreads(threads, Run, "max y", "max dx", "avg y", "avg dx");
        }

        public static IEnumerable<object[]> ThreadsAndOptimizers()
        {
            foreach (int threads in new[] { 2, 3 })
            {
                for (int optimizer = 0; optimizer < 6; optimizer++)
                {
                    yield return new object[] { threads, optimizer };
                }
            }
        }

        private static Optimizer CreateOptimizer(int index) => index switch
        {
            0 => new Sgd(0.1),
            1 => new Momentum(0.1, 0.9),
            2 => new Momentum(0.1, 0.9, useNesterov: true),
            3 => new AdaGrad(0.1),
            4 => new RmsProp(0.01, momentum: 0.5),
            _ => new Adam(0.01),
        };

        [Theory]
        [MemberData(nameof(ThreadsAndOptimizers))]
        public void OptimizerStepsWithClipping_AreBitwiseEqualToOneThread(int threads, int optimizerIndex)
        {
            float[] start = Random(ArenaLength, 12);
            float[][] Run()
            {
                Optimizer optimizer = CreateOptimizer(optimizerIndex);
                optimizer.ClipValue = 0.8; // clips about a fifth of the gradients
                optimizer.ClipNorm = 50;   // the global norm is about 100: every step rescales
                float[] p = (float[])start.Clone(), g = Array.Empty<float>();
                for (int step = 0; step < 3; step++)
                {
                    g = Random(ArenaLength, 13 + (ulong)step);
                    optimizer.Apply(p, g, Ranges);
                }
                var results = new List<float[]> { p, g };
                for (int s = 0; s < optimizer.SlotNames.Count; s++) results.Add(optimizer.GetSlot(s).ToArray());
                return results.ToArray();
            }

            AssertSameForThreads(threads, Run, "parameters", "clipped gradients", "slot 0", "slot 1");
        }

        [Theory]
        [InlineData(2, -1, -1)]                   // all finite
        [InlineData(2, Length - 1, -1)]           // only the last element, in the last part's scalar tail
        [InlineData(3, 40000, 70000)]             // one in part 1 and a later one in part 2: the first wins
        [InlineData(3, 70000, 40000)]
        [InlineData(2, 5, Length - 2)]            // one in part 0, found while part 1 searches too
        public void FirstNonFinite_FindsTheSameFirstIndexAsOneThread(int threads, int nan, int infinity)
        {
            float[] values = Random(Length, 27);
            if (nan >= 0) values[nan] = float.NaN;
            if (infinity >= 0) values[infinity] = float.NegativeInfinity;
            int expected = nan < 0 ? infinity : infinity < 0 ? nan : Math.Min(nan, infinity);
            Assert.Equal(expected, NumericalGuard.FirstNonFinite(values)); // one thread
            Parallelism.ThreadCount = threads;
            long shared = Parallelism.JobsShared;
            Assert.Equal(expected, NumericalGuard.FirstNonFinite(values));
            Assert.True(Parallelism.JobsShared > shared, "the search was not handed to a worker");
        }

        [Theory]
        [InlineData(1)]
        [InlineData(2)]
        [InlineData(3)]
        public void ArenaClear_ZeroesEveryElementAndNothingAround(int threads)
        {
            float[] values = Random(Length + 2, 28, 1f, 2f); // all non-zero
            Parallelism.ThreadCount = threads;
            long shared = Parallelism.JobsShared;
            Arena.Clear(values.AsSpan(1, Length));
            Assert.Equal(threads > 1, Parallelism.JobsShared > shared);
            Assert.True(values[0] != 0 && values[Length + 1] != 0, "Clear wrote outside its span");
            for (int i = 1; i <= Length; i++)
            {
                Assert.True(BitConverter.SingleToInt32Bits(values[i]) == 0, $"values[{i}] = {values[i]:R} after Clear with {threads} thread(s)");
            }
        }

        [Fact]
        public void SplitOptimizerStep_LeavesTheGapsBetweenRangesAlone()
        {
            float[] p = Random(ArenaLength, 14), before = (float[])p.Clone(), g = Random(ArenaLength, 15);
            Parallelism.ThreadCount = 2;
            long shared = Parallelism.JobsShared;
            new Adam(0.01) { ClipValue = 0.5 }.Apply(p, g, Ranges);
            Assert.True(Parallelism.JobsShared > shared, "the update was not handed to a worker");
            int previousEnd = 0;
            foreach (ParameterRange range in Ranges)
            {
                for (int i = previousEnd; i < range.Offset; i++)
                {
                    Assert.True(p[i] == before[i], $"p[{i}] lies between ranges but changed from {before[i]:R} to {p[i]:R}");
                }
                previousEnd = range.Offset + range.Length;
            }
        }

        [Fact]
        public void DerivedOptimizer_GetsWholeRangesOnTheCallingThread()
        {
            var optimizer = new RecordingOptimizer();
            float[] p = new float[ArenaLength], g = Random(ArenaLength, 16);
            Parallelism.ThreadCount = 2;
            optimizer.Apply(p, g, Ranges);
            Assert.Equal(new[] { 2, 3 * 32768 + 99, 10 }, optimizer.Lengths);
            Assert.All(optimizer.Threads, id => Assert.Equal(Environment.CurrentManagedThreadId, id));
        }

        [Fact]
        public void TwoThreads_AllocateNothingPerCallAndUseAWorker()
        {
            const int batch = 4;
            var pool = Pool(30, 29, 19, 2, 2, 2, 2, Padding.Valid);
            float[] x = Random(Length, 17), y = new float[Length], dx = new float[Length], mask = new float[Length];
            float[] poolX = Random(batch * pool.InputLength, 18), poolY = new float[batch * pool.OutputLength];
            float[] poolDx = new float[poolX.Length], sums = new float[67], matrix = Random(2001 * 67, 19);
            float[] p = Random(ArenaLength, 20), g = Random(ArenaLength, 21);
            float[] bnY = new float[2001 * 67], bnNormalized = new float[bnY.Length], bnInverseStd = new float[67];
            float[] bnMean = new float[67], bnVariance = new float[67], bnGamma = new float[67], bnBeta = new float[67];
            var adam = new Adam(1e-4) { ClipValue = 1, ClipNorm = 1 };
            var rng = new Rng(22);
            Parallelism.ThreadCount = 2;

            void Step()
            {
                Activations.Forward(y, x, Activation.Elu, 1f);
                Activations.Backward(dx, x, y, Activation.Elu, 1f);
                Dropout.Forward(y, mask, x, 0.5f, ref rng);
                Dropout.Backward(dx, x, mask);
                Pooling.MaxForward(poolY, poolX, batch, pool);
                Pooling.MaxBackward(poolDx, poolY, poolX, batch, pool);
                fixed (float* ps = sums, pm = matrix)
                {
                    Reduce.AddColumnSums(Simd.Best, ps, pm, 2001, 67);
                }
                BatchNorm.TrainingForward(bnY, bnNormalized, bnInverseStd, bnMean, bnVariance, matrix, [], [], 2001, 67, 0.99f, 1e-3f);
                BatchNorm.Backward(bnY, bnGamma, bnBeta, matrix, bnNormalized, bnInverseStd, [], 2001, 67);
                adam.Apply(p, g, Ranges);
                NumericalGuard.FirstNonFinite(g);
                Arena.Clear(dx);
            }

            long shared = Parallelism.JobsShared;
            Assert.Equal(0L, Allocations.InSteadyState(Step)); // the first call starts the worker
            Assert.True(Parallelism.JobsShared > shared, "no kernel was handed to a worker");
        }

        [Fact]
        public void SmallWork_StaysOnTheCallingThread()
        {
            int small = 2 * ParallelChain.ElementsPerPart - 1; // just under two parts
            float[] x = Random(small, 23), y = new float[small], p = Random(small, 24), g = Random(small, 25);
            var pool = Pool(8, 8, 16, 2, 2, 2, 2, Padding.Valid);
            float[] poolX = Random(4 * pool.InputLength, 26), poolY = new float[4 * pool.OutputLength];
            Parallelism.ThreadCount = 3;
            long shared = Parallelism.JobsShared;
            Activations.Forward(y, x, Activation.Relu, 0f);
            Pooling.AvgForward(poolY, poolX, 4, pool);
            new Sgd(0.1).Apply(p, g, [new ParameterRange(0, small)]);
            Arena.Clear(y);
            Assert.Equal(shared, Parallelism.JobsShared);
        }

        /// <summary>An optimizer defined outside the runtime, which records the ranges it is given and on which thread.</summary>
        private sealed class RecordingOptimizer : Optimizer
        {
            public RecordingOptimizer()
                : base(0.1)
            {
            }

            public List<int> Lengths { get; } = new();

            public List<int> Threads { get; } = new();

            protected override void UpdateRange(Span<float> parameters, ReadOnlySpan<float> gradients, int offset, double learningRate, long step)
            {
                Lengths.Add(parameters.Length);
                Threads.Add(Environment.CurrentManagedThreadId);
            }
        }
    }
}
