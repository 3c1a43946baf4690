// Batcher: every sample once per epoch, a seeded order that changes between epochs, no allocation per batch.
using System;
using System.Collections.Generic;
using System.Linq;
using ModelGen.Data;
using ModelGen.Tests;

namespace ModelGen.Runtime.Tests.Data
{
    public sealed class BatcherTests
    {
        /// <summary>Sample i has inputs (i, -i) and label i % 7, so a batch shows which samples it holds.</summary>
        private static Dataset Numbered(int count) => new(
            Enumerable.Range(0, count).SelectMany(i => new[] { (float)i, -i }).ToArray(),
            Enumerable.Range(0, count).Select(i => i % 7).ToArray(),
            inputLength: 2);

        /// <summary>The sample order of one epoch, checking that inputs and labels belong to the same samples.</summary>
        private static List<int> Epoch(Batcher batcher, List<int>? sizes = null)
        {
            var order = new List<int>();
            batcher.StartEpoch();
            while (batcher.TryNext(out int count))
            {
                sizes?.Add(count);
                Assert.Equal(count, batcher.Labels.Length);
                Assert.Equal(2 * count, batcher.Inputs.Length);
                for (int i = 0; i < count; i++)
                {
                    int sample = (int)batcher.Inputs[2 * i];
                    Assert.Equal(-sample, batcher.Inputs[2 * i + 1]);
                    Assert.Equal(sample % 7, batcher.Labels[i]);
                    Assert.Equal(sample, batcher.Indices[i]);
                    order.Add(sample);
                }
            }
            return order;
        }

        [Theory]
        [InlineData(true)]
        [InlineData(false)]
        public void Epoch_CoversEverySampleExactlyOnce(bool shuffle)
        {
            var batcher = new Batcher(Numbered(103), batchSize: 10, seed: 1, shuffle);
            var sizes = new List<int>();
            for (int epoch = 0; epoch < 3; epoch++)
            {
                sizes.Clear();
                List<int> order = Epoch(batcher, sizes);
                Assert.Equal(Enumerable.Range(0, 103), order.OrderBy(i => i));
                Assert.Equal(Enumerable.Repeat(10, 10).Append(3), sizes);
            }
            Assert.Equal(11, batcher.BatchesPerEpoch);
            Assert.Equal(3, batcher.Epoch);
        }

        [Fact]
        public void WithoutShuffle_BatchesFollowTheDatasetOrder()
        {
            Assert.Equal(Enumerable.Range(0, 25), Epoch(new Batcher(Numbered(25), 4, seed: 9, shuffle: false)));
        }

        [Fact]
        public void DropLast_SkipsTheShortBatch()
        {
            var batcher = new Batcher(Numbered(103), 10, seed: 2, dropLast: true);
            var sizes = new List<int>();
            List<int> order = Epoch(batcher, sizes);
            Assert.Equal(Enumerable.Repeat(10, 10), sizes);
            Assert.Equal(100, order.Distinct().Count());
            Assert.Equal(10, batcher.BatchesPerEpoch);
        }

        [Fact]
        public void SameSeed_GivesTheSameOrdersAndOrdersChangeBetweenEpochs()
        {
            var a = new Batcher(Numbered(200), 16, seed: 5);
            var b = new Batcher(Numbered(200), 16, seed: 5);
            var c = new Batcher(Numbered(200), 16, seed: 6);
            List<int> a1 = Epoch(a), a2 = Epoch(a), b1 = Epoch(b), b2 = Epoch(b), c1 = Epoch(c);

            Assert.Equal(a1, b1);
            Assert.Equal(a2, b2);
            Assert.NotEqual(a1, a2);
            Assert.NotEqual(a1, c1);
            Assert.NotEqual(Enumerable.Range(0, 200), a1);
        }

        [Fact]
        public void TryNextWithoutStartEpoch_StartsTheFirstEpoch()
        {
            var batcher = new Batcher(Numbered(5), 2, seed: 3);
            int total = 0;
            while (batcher.TryNext(out int count)) total += count;
            Assert.Equal(5, total);
            Assert.False(batcher.TryNext(out _));
            Assert.Equal(1, batcher.Epoch);
        }

        [Theory]
        [InlineData(true)]
        [InlineData(false)]
        public void TryNext_AllocatesNothing(bool shuffle)
        {
            var batcher = new Batcher(Numbered(1000), 32, seed: 4, shuffle);
            float sum = 0;
            Assert.Equal(0, Allocations.InSteadyState(() => sum += Drain(batcher), calls: 5));
            Assert.True(sum > 0);
        }

        private static float Drain(Batcher batcher)
        {
            float sum = 0;
            batcher.StartEpoch();
            while (batcher.TryNext(out int count)) sum += batcher.Inputs[0] + batcher.Labels[count - 1];
            return sum;
        }

        [Fact]
        public void BadArguments_NameTheArgument()
        {
            Assert.Equal("batchSize", Assert.Throws<ArgumentOutOfRangeException>(() => new Batcher(Numbered(3), 0, 1)).ParamName);
            Assert.Equal("data", Assert.Throws<ArgumentNullException>(() => new Batcher(null!, 1, 1)).ParamName);
        }
    }
}
