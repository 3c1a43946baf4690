// Shared helpers for the kernel tests: seeded random data, TensorFlow-style geometries, tolerant comparison,
// central finite differences and the thread-count comparison.
using System;
using System.Collections.Generic;
using ModelGen.Kernels;

namespace ModelGen.Runtime.Tests.Kernels
{
    public static class KernelTestData
    {
        /// <summary>Sizes that are multiples of no vector width, plus a few that are.</summary>
        internal static readonly int[] OddSizes = { 1, 3, 7, 17, 33, 65 };

        /// <summary>Every vector path, as the float count per vector (SimdWidth's values).</summary>
        public static IEnumerable<object[]> Widths()
        {
            yield return new object[] { 16 };
            yield return new object[] { 8 };
            yield return new object[] { 4 };
            yield return new object[] { 1 };
        }

        internal static float[] Random(int length, ulong seed, float low = -1f, float high = 1f)
        {
            var rng = new Rng(seed);
            var values = new float[length];
            for (int i = 0; i < values.Length; i++) values[i] = low + (high - low) * rng.NextFloat();
            return values;
        }

        /// <summary>Values whose magnitude is at least <paramref name="margin"/>, so a kink at 0 is never within a finite-difference step.</summary>
        internal static float[] AwayFromZero(int length, ulong seed, float margin, float high)
        {
            float[] values = Random(length, seed, -high, high);
            for (int i = 0; i < values.Length; i++)
            {
                if (MathF.Abs(values[i]) < margin) values[i] = values[i] < 0 ? values[i] - margin : values[i] + margin;
            }
            return values;
        }

        /// <summary>A shuffled ladder of distinct values 0.05 apart: no two inputs of a max window tie, even after a step of 0.01.</summary>
        internal static float[] DistinctLadder(int length, ulong seed)
        {
            var values = new float[length];
            for (int i = 0; i < length; i++) values[i] = (i - length / 2) * 0.05f;
            var rng = new Rng(seed);
            for (int i = length - 1; i > 0; i--)
            {
                int j = rng.NextInt(i + 1);
                (values[i], values[j]) = (values[j], values[i]);
            }
            return values;
        }

        /// <summary>Output size and top/left pad along one axis, as TensorFlow computes them.</summary>
        internal static (int Output, int PadBefore) Axis(int input, int window, int stride, Padding padding)
        {
            if (padding == Padding.Valid) return ((input - window + stride) / stride, 0);
            int output = (input + stride - 1) / stride;
            int total = Math.Max((output - 1) * stride + window - input, 0);
            return (output, total / 2);
        }

        internal static Conv2DGeometry Conv(int inH, int inW, int inC, int outC, int kh, int kw, int sh, int sw, Padding padding)
        {
            var (outH, padTop) = Axis(inH, kh, sh, padding);
            var (outW, padLeft) = Axis(inW, kw, sw, padding);
            return new Conv2DGeometry(inH, inW, inC, outH, outW, outC, kh, kw, sh, sw, padTop, padLeft);
        }

        internal static Pool2DGeometry Pool(int inH, int inW, int c, int wh, int ww, int sh, int sw, Padding padding)
        {
            var (outH, padTop) = Axis(inH, wh, sh, padding);
            var (outW, padLeft) = Axis(inW, ww, sw, padding);
            return new Pool2DGeometry(inH, inW, c, outH, outW, wh, ww, sh, sw, padTop, padLeft);
        }

        /// <summary>
        /// Asserts |actual - expected| &lt;= relative * max(|expected|, floor) element by element: relative error for values
        /// of magnitude above <paramref name="floor"/>, absolute error relative * floor below it.
        /// </summary>
        internal static void AssertClose(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, string what,
                                         double relative = 1e-5, double floor = 1.0)
        {
            Assert.True(expected.Length == actual.Length, $"{what}: length {actual.Length}, expected {expected.Length}");
            for (int i = 0; i < expected.Length; i++)
            {
                double e = expected[i], a = actual[i];
                double tolerance = relative * Math.Max(Math.Abs(e), floor);
                if (!(Math.Abs(a - e) <= tolerance) && !(double.IsNaN(e) && double.IsNaN(a)) && a != e)
                {
                    Assert.Fail($"{what}[{i}] = {a:R}, expected {e:R} (difference {Math.Abs(a - e):E2} > tolerance {tolerance:E2})");
                }
            }
        }

        internal static void AssertClose(double expected, double actual, string what, double relative = 1e-5, double floor = 1.0)
        {
            double tolerance = relative * Math.Max(Math.Abs(expected), floor);
            Assert.True(Math.Abs(actual - expected) <= tolerance, $"{what} = {actual:R}, expected {expected:R}");
        }

        /// <summary>
        /// d loss / d values[i] by central differences, loss evaluated (in double) after perturbing values[i] in place by
        /// ±<paramref name="step"/>; the value is restored afterwards.
        /// </summary>
        internal static double[] NumericGradient(float[] values, Func<double> loss, float step = 1e-2f)
        {
            var gradient = new double[values.Length];
            for (int i = 0; i < values.Length; i++)
            {
                float saved = values[i];
                values[i] = saved + step;
                double plus = loss();
                values[i] = saved - step;
                double minus = loss();
                values[i] = saved;
                gradient[i] = (plus - minus) / (2.0 * step);
            }
            return gradient;
        }

        /// <summary>Compares an analytic gradient with finite differences: |a - n| &lt;= 1e-2 * max(|n|, 0.1).</summary>
        internal static void AssertGradient(double[] numeric, ReadOnlySpan<float> analytic, string what)
        {
            Assert.Equal(numeric.Length, analytic.Length);
            for (int i = 0; i < numeric.Length; i++)
            {
                double tolerance = 1e-2 * Math.Max(Math.Abs(numeric[i]), 0.1);
                if (!(Math.Abs(analytic[i] - numeric[i]) <= tolerance))
                {
                    Assert.Fail($"{what}[{i}]: analytic {analytic[i]:R}, finite difference {numeric[i]:R}");
                }
            }
        }

        /// <summary>sum_i weights[i] * values[i] in double: a scalar loss whose gradient with respect to values is weights.</summary>
        internal static double WeightedSum(ReadOnlySpan<float> values, ReadOnlySpan<float> weights)
        {
            double sum = 0;
            for (int i = 0; i < values.Length; i++) sum += (double)values[i] * weights[i];
            return sum;
        }

        /// <summary>Runs <paramref name="run"/> with 1 thread, then with <paramref name="threads"/>, and compares bit patterns.</summary>
        internal static void AssertSameForThreads(int threads, Func<float[][]> run, params string[] names)
        {
            Parallelism.ThreadCount = 1;
            float[][] expected = run();
            Parallelism.ThreadCount = threads;
            long shared = Parallelism.JobsShared;
            float[][] actual = run();
            Assert.True(Parallelism.JobsShared > shared, "nothing was handed to a worker");
            Assert.Equal(expected.Length, actual.Length);
            for (int r = 0; r < expected.Length; r++)
            {
                Assert.Equal(expected[r].Length, actual[r].Length);
                for (int i = 0; i < expected[r].Length; i++)
                {
                    int e = BitConverter.SingleToInt32Bits(expected[r][i]), a = BitConverter.SingleToInt32Bits(actual[r][i]);
                    Assert.True(e == a, $"{names[r]}[{i}] = {actual[r][i]:R} with {threads} threads, {expected[r][i]:R} with 1");
                }
            }
        }

        /// <summary>Asserts that <paramref name="actual"/> holds the same bits as <paramref name="expected"/>, element by element.</summary>
        internal static void AssertBitwise(float[] expected, float[] actual, string what)
        {
            Assert.Equal(expected.Length, actual.Length);
            for (int i = 0; i < expected.Length; i++)
            {
                if (BitConverter.SingleToInt32Bits(expected[i]) != BitConverter.SingleToInt32Bits(actual[i]))
                {
                    Assert.Fail($"{what}: element {i} is {actual[i]:R}, expected {expected[i]:R}.");
                }
            }
        }
    }
}
