// Cuts a dataset into batches, in a seeded random order per epoch, copying into buffers allocated once.
using System;

namespace ModelGen.Data
{
    /// <summary>
    /// Serves a <see cref="Dataset"/> in batches of <see cref="BatchSize"/> samples. Each epoch visits every sample once,
    /// in an order reshuffled per epoch (Fisher-Yates driven by <see cref="Rng"/>) and fixed by the seed. The batch is copied
    /// into buffers allocated by the constructor, so <see cref="TryNext"/> allocates nothing:
    /// <code>
    /// var batches = new Batcher(train, 50, seed: 1);
    /// for (int epoch = 0; epoch &lt; 10; epoch++)
    /// {
    ///     batches.StartEpoch();
    ///     while (batches.TryNext(out _)) model.TrainStep(batches.Inputs, batches.Labels, optimizer);
    /// }
    /// </code>
    /// </summary>
    public sealed class Batcher
    {
        private readonly Dataset data;
        private readonly int[] order;
        private readonly float[] inputs;
        private readonly int[] labels;
        private readonly bool shuffle;
        private readonly bool dropLast;
        private Rng rng;
        private int position;
        private int count;
        private int start;

        /// <summary>A batcher over <paramref name="data"/>.</summary>
        /// <param name="data">The samples.</param>
        /// <param name="batchSize">The most samples per batch.</param>
        /// <param name="seed">Fixes every epoch's order.</param>
        /// <param name="shuffle">Whether to reshuffle every epoch; otherwise batches follow the dataset's order.</param>
        /// <param name="dropLast">Whether to skip the last batch of an epoch when it is smaller than <paramref name="batchSize"/>.</param>
        public Batcher(Dataset data, int batchSize, int seed, bool shuffle = true, bool dropLast = false)
        {
            ArgumentNullException.ThrowIfNull(data);
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
            this.data = data;
            this.shuffle = shuffle;
            this.dropLast = dropLast;
            BatchSize = batchSize;
            rng = new Rng(unchecked((ulong)seed));
            order = new int[data.Count];
            for (int i = 0; i < order.Length; i++) order[i] = i;
            int capacity = Math.Min(batchSize, Math.Max(1, data.Count));
            inputs = new float[capacity * data.InputLength];
            labels = new int[capacity];
        }

        /// <summary>The most samples per batch.</summary>
        public int BatchSize { get; }

        /// <summary>The number of epochs started so far.</summary>
        public int Epoch { get; private set; }

        /// <summary>The number of batches <see cref="TryNext"/> yields per epoch.</summary>
        public int BatchesPerEpoch => dropLast ? data.Count / BatchSize : (data.Count + BatchSize - 1) / BatchSize;

        /// <summary>The inputs of the current batch: <c>count * InputLength</c> floats, valid until the next <see cref="TryNext"/>.</summary>
        public ReadOnlySpan<float> Inputs => shuffle ? inputs.AsSpan(0, count * data.InputLength) : data.Inputs.AsSpan(start * data.InputLength, count * data.InputLength);

        /// <summary>The labels of the current batch: <c>count</c> class indices, valid until the next <see cref="TryNext"/>.</summary>
        public ReadOnlySpan<int> Labels => shuffle ? labels.AsSpan(0, count) : data.Labels.AsSpan(start, count);

        /// <summary>The dataset indices of the samples of the current batch.</summary>
        public ReadOnlySpan<int> Indices => order.AsSpan(start, count);

        /// <summary>Starts an epoch: rewinds, and reshuffles the order when shuffling. <see cref="TryNext"/> starts the first epoch itself.</summary>
        public void StartEpoch()
        {
            if (shuffle)
            {
                for (int i = order.Length - 1; i > 0; i--)
                {
                    int j = rng.NextInt(i + 1);
                    (order[i], order[j]) = (order[j], order[i]);
                }
            }
            position = 0;
            start = 0;
            count = 0;
            Epoch++;
        }

        /// <summary>
        /// Moves to the next batch of the epoch and returns true, with its size in <paramref name="batchCount"/> and its
        /// samples in <see cref="Inputs"/> and <see cref="Labels"/>; returns false at the end of the epoch (call
        /// <see cref="StartEpoch"/> for the next). Allocates nothing.
        /// </summary>
        public bool TryNext(out int batchCount)
        {
            if (Epoch == 0) StartEpoch();
            int remaining = order.Length - position;
            if (remaining == 0 || (dropLast && remaining < BatchSize))
            {
                count = 0;
                batchCount = 0;
                return false;
            }
            start = position;
            count = Math.Min(BatchSize, remaining);
            position += count;
            if (shuffle)
            {
                int length = data.InputLength;
                for (int i = 0; i < count; i++)
                {
                    int sample = order[start + i];
                    data.Inputs.AsSpan(sample * length, length).CopyTo(inputs.AsSpan(i * length));
                    labels[i] = data.Labels[sample];
                }
            }
            batchCount = count;
            return true;
        }
    }
}
