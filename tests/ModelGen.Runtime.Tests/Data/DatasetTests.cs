// Dataset: construction checks, slices and splits as independent copies.
using System;
using System.Linq;
using ModelGen.Data;

namespace ModelGen.Runtime.Tests.Data
{
    public sealed class DatasetTests
    {
        private static Dataset Numbered(int count) => new(
            Enumerable.Range(0, 3 * count).Select(i => (float)i).ToArray(), Enumerable.Range(0, count).ToArray(), 3);

        [Fact]
        public void InputsNotMatchingLabels_AreRejected()
        {
            var e = Assert.Throws<ArgumentException>(() => new Dataset(new float[10], new int[3], 3));
            Assert.Equal("inputs", e.ParamName);
            Assert.Contains("need 9", e.Message);
        }

        [Fact]
        public void Split_CopiesBothParts()
        {
            Dataset data = Numbered(10);
            (Dataset first, Dataset remainder) = data.Split(7);

            Assert.Equal((7, 3), (first.Count, remainder.Count));
            Assert.Equal(new[] { 7, 8, 9 }, remainder.Labels);
            Assert.Equal(new float[] { 21, 22, 23 }, remainder.Input(0).ToArray());
            first.Inputs[0] = -1;
            Assert.Equal(0, data.Inputs[0]);
            Assert.Throws<ArgumentOutOfRangeException>(() => data.Slice(8, 3));
            Assert.Throws<ArgumentOutOfRangeException>(() => data.Input(10));
        }

        [Fact]
        public void CountPerClass_CountsEachLabel()
        {
            var data = new Dataset(new float[5], new[] { 2, 0, 2, 2, 1 }, 1);
            Assert.Equal(new[] { 1, 1, 3 }, data.CountPerClass());
        }
    }
}
