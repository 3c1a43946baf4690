// An in-memory labelled dataset: samples as flat floats, one class index per sample.
using System;

namespace ModelGen.Data
{
    /// <summary>
    /// <see cref="Count"/> samples of <see cref="InputLength"/> floats each (for images, NHWC: H x W x C per sample), and one
    /// class index per sample.
    /// </summary>
    public sealed class Dataset
    {
        /// <summary>Wraps <paramref name="inputs"/> (<c>labels.Length * inputLength</c> floats) and <paramref name="labels"/>, without copying.</summary>
        public Dataset(float[] inputs, int[] labels, int inputLength)
        {
            ArgumentNullException.ThrowIfNull(inputs);
            ArgumentNullException.ThrowIfNull(labels);
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(inputLength);
            if ((long)labels.Length * inputLength != inputs.Length)
                throw new ArgumentException($"{labels.Length} labels of samples of {inputLength} floats need {(long)labels.Length * inputLength} inputs, but inputs holds {inputs.Length}.", nameof(inputs));
            Inputs = inputs;
            Labels = labels;
            InputLength = inputLength;
        }

        /// <summary>Every sample, one after the other: <c>Count * InputLength</c> floats.</summary>
        public float[] Inputs { get; }

        /// <summary>The class index of each sample.</summary>
        public int[] Labels { get; }

        /// <summary>The number of samples.</summary>
        public int Count => Labels.Length;

        /// <summary>The number of floats per sample.</summary>
        public int InputLength { get; }

        /// <summary>The inputs of sample <paramref name="index"/>.</summary>
        public ReadOnlySpan<float> Input(int index)
        {
            if ((uint)index >= (uint)Count) throw new ArgumentOutOfRangeException(nameof(index), index, $"The dataset has {Count} samples.");
            return Inputs.AsSpan(index * InputLength, InputLength);
        }

        /// <summary>A copy of <paramref name="count"/> samples from <paramref name="start"/>.</summary>
        public Dataset Slice(int start, int count)
        {
            if (start < 0 || count < 0 || start > Count - count)
                throw new ArgumentOutOfRangeException(nameof(count), $"Samples [{start}, {start}+{count}) are outside the dataset's {Count} samples.");
            return new Dataset(
                Inputs.AsSpan(start * InputLength, count * InputLength).ToArray(),
                Labels.AsSpan(start, count).ToArray(),
                InputLength);
        }

        /// <summary>
        /// The first <paramref name="firstCount"/> samples and the remainder, as copies: e.g. <c>Split(55000)</c> on MNIST's
        /// training set gives the 55,000 training and 5,000 validation images of TensorFlow's tutorials.
        /// </summary>
        public (Dataset First, Dataset Remainder) Split(int firstCount)
        {
            if (firstCount < 0 || firstCount > Count)
                throw new ArgumentOutOfRangeException(nameof(firstCount), firstCount, $"The dataset has {Count} samples.");
            return (Slice(0, firstCount), Slice(firstCount, Count - firstCount));
        }

        /// <summary>The number of samples of each class from 0 to the largest label.</summary>
        public int[] CountPerClass()
        {
            int classes = 0;
            foreach (int label in Labels)
            {
                if (label < 0) throw new InvalidOperationException($"The dataset holds the negative label {label}.");
                classes = Math.Max(classes, label + 1);
            }
            int[] counts = new int[classes];
            foreach (int label in Labels) counts[label]++;
            return counts;
        }
    }
}
