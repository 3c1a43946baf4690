// NumericalGuard.FirstNonFinite on one thread: the first NaN or infinity at every position of every length, through the
// vector blocks and the tail, and none reported among the largest finite values and subnormals of either sign.
using System;
using static ModelGen.Runtime.Tests.Kernels.KernelTestData;

namespace ModelGen.Runtime.Tests.Training
{
    public class FiniteSearchTests
    {
        [Fact]
        public void FirstNonFinite_FindsTheFirstOfTwo_AtEveryPositionAndLength()
        {
            foreach (float bad in new[] { float.NaN, float.PositiveInfinity, float.NegativeInfinity, -float.NaN })
            for (int length = 1; length <= 80; length++)
            for (int at = 0; at < length; at++)
            {
                float[] values = Random(length, (ulong)(length * 100 + at));
                values[(at + 7) % length] = -float.MaxValue;
                values[at] = bad;
                if (at + 3 < length) values[at + 3] = float.PositiveInfinity;
                Assert.Equal(at, NumericalGuard.FirstNonFinite(values));
            }
        }

        [Fact]
        public void FiniteExtremes_AreNotReported()
        {
            float[] values = { float.MaxValue, -float.MaxValue, float.Epsilon, -float.Epsilon, 1e-40f, -0f, 0f, float.MinValue };
            float[] longer = new float[97];
            for (int i = 0; i < longer.Length; i++) longer[i] = values[i % values.Length];
            Assert.Equal(-1, NumericalGuard.FirstNonFinite(values));
            Assert.Equal(-1, NumericalGuard.FirstNonFinite(longer));
            Assert.Equal(-1, NumericalGuard.FirstNonFinite(ReadOnlySpan<float>.Empty));
        }
    }
}
