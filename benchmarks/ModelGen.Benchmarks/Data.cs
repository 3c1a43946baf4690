// Deterministic benchmark inputs and the check that a peer computes the same logits as ModelGen.
using System;

namespace ModelGen.Benchmarks;

internal static class Data
{
    /// <summary>Uniform [0, 1) floats, like MNIST pixels scaled to [0, 1].</summary>
    public static float[] Uniform(int count, ulong seed)
    {
        var rng = new Rng(seed);
        var data = new float[count];
        for (int i = 0; i < count; i++) data[i] = rng.NextFloat();
        return data;
    }

    /// <summary>
    /// The first <paramref name="samples"/> MNIST test images (pixels scaled to [0, 1]), from the folder
    /// <see cref="global::ModelGen.Data.Mnist.LoadTest"/> finds (<c>../shared/data/mnist</c> beside the repository); without it, its
    /// exception says where it looked and what to put there.
    /// </summary>
    public static float[] Digits(int samples) =>
        global::ModelGen.Data.Mnist.LoadTest().Inputs.AsSpan(0, samples * global::ModelGen.Data.Mnist.InputLength).ToArray();

    /// <summary><see cref="Uniform"/>'s values in a buffer that starts on a 64-byte boundary, as a model's arena does.</summary>
    public static AlignedBuffer AlignedUniform(int count, ulong seed)
    {
        var buffer = new AlignedBuffer(count);
        Uniform(count, seed).CopyTo(buffer.Span);
        return buffer;
    }

    /// <summary>Throws unless <paramref name="actual"/> matches <paramref name="expected"/> within float rounding of a long sum.</summary>
    public static void CheckSame(string peer, float[] expected, float[] actual)
    {
        double scale = 1e-6, worst = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            scale = Math.Max(scale, Math.Abs(expected[i]));
            worst = Math.Max(worst, Math.Abs(expected[i] - actual[i]));
        }
        if (worst > 1e-3 * scale)
            throw new InvalidOperationException($"{peer} computes a different function: max |difference| {worst:G3} against logits up to {scale:G3}.");
    }
}
