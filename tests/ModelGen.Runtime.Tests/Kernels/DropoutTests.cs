// Dropout: the same stream of draws as the reference twin, inverted scaling, and the mask applied backward.
using System;
using ModelGen.Kernels;
using static ModelGen.Runtime.Tests.Kernels.KernelTestData;
using Ref = ModelGen.Kernels.Reference;

namespace ModelGen.Runtime.Tests.Kernels
{
    public class DropoutTests
    {
        [Theory]
        [MemberData(nameof(Widths), MemberType = typeof(KernelTestData))]
        public void ForwardAndBackward_MatchReferenceDrawForDraw(int width)
        {
            foreach (int length in new[] { 1, 3, 17, 65, 1000 })
            {
                float[] x = Random(length, (ulong)length);
                float[] yE = new float[length], yA = new float[length], maskE = new float[length], maskA = new float[length];
                var rngE = new Rng(5);
                var rngA = new Rng(5);
                Ref.Dropout.Forward(yE, maskE, x, 0.3f, ref rngE);
                Dropout.Forward(yA, maskA, x, 0.3f, ref rngA, (SimdWidth)width);
                Assert.Equal(maskE, maskA);
                Assert.Equal(yE, yA);
                Assert.Equal(rngE.NextUInt32(), rngA.NextUInt32()); // exactly one draw per element

                float[] dy = Random(length, 9), dxE = new float[length], dxA = new float[length];
                Ref.Dropout.Backward(dxE, dy, maskE);
                Dropout.Backward(dxA, dy, maskA, (SimdWidth)width);
                Assert.Equal(dxE, dxA);
            }
        }

        [Fact]
        public void ForwardAtRatesOnAndBetweenDrawValues_MatchesReferenceBitwise()
        {
            // The kernel compares the 24-bit draw with ceil(rate * 2^24); the reference compares NextFloat() with rate.
            // Rates at a draw's value (kept: >=), one float either side of it and one draw step above pin the boundary.
            // The draw is one below 2^23 (value under 0.5), where floats are finer than the draws' 2^-24 step, so the
            // float just above it lies strictly between two draws.
            var probe = new Rng(11);
            uint draw;
            while ((draw = probe.NextUInt32() >> 8) >= 1u << 23 || draw == 0)
            {
            }
            float value = draw * MathF.Pow(2, -24);
            float[] rates =
            {
                0f, MathF.Pow(2, -24), 0.1f, 0.3f, 0.5f, MathF.BitDecrement(0.5f), MathF.BitIncrement(0.5f), MathF.BitDecrement(1f),
                value, (draw + 1) * MathF.Pow(2, -24), MathF.BitDecrement(value), MathF.BitIncrement(value),
            };
            const int length = 4099;
            float[] x = Random(length, 12);
            foreach (float rate in rates)
            {
                float[] yE = new float[length], yA = new float[length], maskE = new float[length], maskA = new float[length];
                var rngE = new Rng(11);
                var rngA = new Rng(11);
                Ref.Dropout.Forward(yE, maskE, x, rate, ref rngE);
                Dropout.Forward(yA, maskA, x, rate, ref rngA);
                for (int i = 0; i < length; i++)
                {
                    Assert.True(BitConverter.SingleToInt32Bits(maskE[i]) == BitConverter.SingleToInt32Bits(maskA[i]),
                        $"rate {rate:R}: mask[{i}] = {maskA[i]:R}, reference {maskE[i]:R}");
                }
            }
        }

        [Fact]
        public void Forward_KeepsAboutOneMinusRateScaledByItsInverse()
        {
            const int length = 20000;
            float[] x = new float[length], y = new float[length], mask = new float[length];
            Array.Fill(x, 1f);
            var rng = new Rng(3);
            Dropout.Forward(y, mask, x, 0.5f, ref rng);
            int kept = 0;
            foreach (float m in mask)
            {
                Assert.True(m == 0f || m == 2f, $"mask value {m}");
                if (m != 0f) kept++;
            }
            // Binomial(20000, 0.5): standard deviation ~71, so 600 is more than 8 of them.
            Assert.InRange(kept, 10000 - 600, 10000 + 600);
        }

        [Fact]
        public void BadArguments_Throw()
        {
            var rng = new Rng(1);
            float[] x = new float[4];
            Assert.Equal("rate", Assert.Throws<ArgumentOutOfRangeException>(() => { var r = new Rng(1); Dropout.Forward(x, x, x, 1f, ref r); }).ParamName);
            Assert.Equal("mask", Assert.Throws<ArgumentException>(() => { var r = new Rng(1); Dropout.Forward(x, new float[3], x, 0.5f, ref r); }).ParamName);
            Assert.Equal("dy", Assert.Throws<ArgumentException>(() => Dropout.Backward(x, new float[3], x)).ParamName);
            Assert.Equal(new Rng(1).NextUInt32(), rng.NextUInt32());
        }
    }
}
