// NumericalGuard.ProductIsFinite: the gradient guard's shortcut for a large dense kernel gradient x^T dy, judged from x
// and dy. It may say "unknown" (false) for a finite product, never "finite" (true) for one that overflows.
using System;
using ModelGen.Kernels;
using static ModelGen.Runtime.Tests.Kernels.KernelTestData;

namespace ModelGen.Runtime.Tests.Training
{
    public class ProductBoundTests
    {
        [Fact]
        public void ModerateFactors_AreFinite_AndEmptyOnesToo()
        {
            Assert.True(NumericalGuard.ProductIsFinite(Random(3136 * 50, 1), Random(1024 * 50, 2), 50));
            Assert.True(NumericalGuard.ProductIsFinite(ReadOnlySpan<float>.Empty, Random(7, 3), 0));
            Assert.True(NumericalGuard.ProductIsFinite(new[] { float.MaxValue }, new[] { 0f }, 1));
        }

        [Fact]
        public void ANonFiniteValueInEitherFactor_AtAnyPosition_IsNotShownFinite()
        {
            foreach (int length in new[] { 1, 7, 16, 33, 100, 200 })
            for (int at = 0; at < length; at += 3)
            foreach (float bad in new[] { float.NaN, float.PositiveInfinity, float.NegativeInfinity })
            {
                float[] a = Random(length, (ulong)(length + at)), b = Random(length, 9);
                a[at] = bad;
                Assert.False(NumericalGuard.ProductIsFinite(a, b, 3), $"a[{at}] = {bad} of {length}");
                Assert.False(NumericalGuard.ProductIsFinite(b, a, 3), $"b[{at}] = {bad} of {length}");
            }
        }

        [Fact]
        public void TheBound_IsTermsTimesTheLargestMagnitudes()
        {
            // 1e19 * 1e19 = 1e38: three terms stay under float.MaxValue (3.4e38), four do not.
            float[] a = { 0.5f, -1e19f, 2f }, b = { 1e19f, 0f };
            Assert.True(NumericalGuard.ProductIsFinite(a, b, 3));
            Assert.False(NumericalGuard.ProductIsFinite(a, b, 4));
            Assert.Equal("terms", Assert.Throws<ArgumentOutOfRangeException>(() => NumericalGuard.ProductIsFinite(a, b, -1)).ParamName);

            // The same with the largest magnitude, of either sign, anywhere in a longer factor: in the vector lanes (of
            // each of the four maxima of 64-value steps, from 64 values) or in the tail after them, among small values of
            // both signs and subnormals.
            foreach (int length in new[] { 37, 200 })
            for (int at = 0; at < length; at++)
            foreach (float largest in new[] { 1e19f, -1e19f })
            {
                float[] longer = Random(length, (ulong)at);
                longer[(at + 5) % length] = -1e-40f;
                longer[at] = largest;
                Assert.True(NumericalGuard.ProductIsFinite(longer, b, 3), $"{largest} at {at} of {length}");
                Assert.False(NumericalGuard.ProductIsFinite(longer, b, 4), $"{largest} at {at} of {length}");
            }
        }

        [Fact]
        public void WhenShownFinite_TheKernelGradientIsFinite_AndAnOverflowIsNeverShownFinite()
        {
            // x^T dy with every x and dy at the largest magnitude the bound allows, all of one sign, so that the sums
            // really reach it; then a factor 8 larger, where the product overflows and the bound must say so.
            const int batch = 50, inputs = 40, units = 70;
            float[] x = new float[batch * inputs], dy = new float[batch * units], dKernel = new float[inputs * units];
            foreach (float scale in new[] { 0.9f, 8f })
            {
                float magnitude = MathF.Sqrt(float.MaxValue / batch) * scale;
                Array.Fill(x, magnitude);
                Array.Fill(dy, magnitude);
                bool shown = NumericalGuard.ProductIsFinite(x, dy, batch);
                Dense.Backward(Span<float>.Empty, dKernel, Span<float>.Empty, dy, x, new float[inputs * units], batch, inputs, units, accumulate: false);
                bool finite = NumericalGuard.FirstNonFinite(dKernel) < 0;
                Assert.Equal(scale < 1, shown);
                Assert.Equal(scale < 1, finite);
            }
        }
    }
}
