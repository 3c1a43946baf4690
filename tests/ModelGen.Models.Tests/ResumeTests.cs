// Exact resume on real generated models: N steps in one go equal K steps, a save with the optimizer's state, a load
// into a fresh model and a fresh optimizer, and N - K more steps, bit for bit. The models have no dropout: a checkpoint
// does not hold the model's own random stream, from which dropout draws its masks.
using System;
using System.IO;
using ModelGen;
using ModelGen.Checkpoints;

namespace ModelGen.Models.Tests;

public sealed class ResumeTests : IDisposable
{
    private const int Steps = 12;
    private const int ResumeAt = 5;

    private readonly string folder = Directory.CreateTempSubdirectory("modelgen-resume-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    /// <summary>Seeded batches, one per step: inputs in [-1, 1) and labels from <paramref name="label"/>.</summary>
    private static (float[] Inputs, TLabel[] Labels)[] Batches<TLabel>(IModel model, int labelLength, Func<System.Random, TLabel> label, int seed)
    {
        var rng = new System.Random(seed);
        var batches = new (float[], TLabel[])[Steps];
        for (int s = 0; s < Steps; s++)
        {
            float[] inputs = TestUtil.Random(model.BatchSize * model.InputLength, seed * 100 + s);
            var labels = new TLabel[model.BatchSize * labelLength];
            for (int i = 0; i < labels.Length; i++) labels[i] = label(rng);
            batches[s] = (inputs, labels);
        }
        return batches;
    }

    private static void Train<TLabel>(ITrainableModel<TLabel> model, Optimizer optimizer, (float[] Inputs, TLabel[] Labels)[] batches, int from, int to)
        where TLabel : unmanaged
    {
        for (int s = from; s < to; s++)
        {
            float loss = model.TrainStep(batches[s].Inputs, batches[s].Labels, optimizer);
            Assert.True(float.IsFinite(loss), $"step {s}: loss {loss}");
        }
    }

    /// <summary>
    /// Trains <see cref="Steps"/> steps uninterrupted, then again with a save at <see cref="ResumeAt"/> and a load into a
    /// fresh model (its variables scrambled first, so the load must restore them) and a fresh optimizer; asserts bitwise
    /// equal parameters and step counts. As a control, resuming with a fresh optimizer whose state is not loaded must
    /// differ, which shows the state matters for this model and optimizer.
    /// </summary>
    private void AssertResumeIsExact<TModel, TLabel>(Func<TModel> create, Func<Optimizer> createOptimizer, Func<System.Random, TLabel> label, int seed)
        where TModel : ITrainableModel<TLabel> where TLabel : unmanaged
    {
        (float[] Inputs, TLabel[] Labels)[] batches = Batches(create(), create().LabelLength, label, seed);

        TModel straight = create();
        Optimizer straightOptimizer = createOptimizer();
        Train(straight, straightOptimizer, batches, 0, Steps);

        TModel first = create();
        Optimizer firstOptimizer = createOptimizer();
        Train(first, firstOptimizer, batches, 0, ResumeAt);
        string path = Path.Combine(folder, typeof(TModel).Name + ".safetensors");
        Checkpoint.Save(first, path, new CheckpointOptions { Optimizer = firstOptimizer, Step = ResumeAt });

        TModel resumed = create();
        TestUtil.Randomize(resumed, seed + 1);
        Optimizer resumedOptimizer = createOptimizer();
        Checkpoint.Load(resumed, path, new LoadOptions { Optimizer = resumedOptimizer });
        Assert.Equal(first.Parameters.ToArray(), resumed.Parameters.ToArray());
        Train(resumed, resumedOptimizer, batches, ResumeAt, Steps);

        Assert.Equal(Steps, resumedOptimizer.Iterations);
        Assert.Equal(straightOptimizer.Iterations, resumedOptimizer.Iterations);
        // float[] equality in xunit compares with float.Equals: exact, and NaN equals NaN; compare the bits to be strict.
        Assert.Equal(Bits(straight.Parameters), Bits(resumed.Parameters));

        TModel control = create();
        Optimizer controlOptimizer = createOptimizer();
        Checkpoint.Load(control, path);
        controlOptimizer.Iterations = ResumeAt; // the step alone, without the slots
        Train(control, controlOptimizer, batches, ResumeAt, Steps);
        Assert.NotEqual(Bits(straight.Parameters), Bits(control.Parameters));
    }

    private static int[] Bits(ReadOnlySpan<float> values)
    {
        var bits = new int[values.Length];
        for (int i = 0; i < bits.Length; i++) bits[i] = BitConverter.SingleToInt32Bits(values[i]);
        return bits;
    }

    [Fact]
    public void DenseNet_AdamWithDecayingRate_ResumesBitwiseExactly()
        => AssertResumeIsExact(() => new DenseNet(),
            () => new Adam(0.01) { Schedule = new ExponentialDecay(4, 0.5, staircase: true) },
            rng => rng.Next(3), seed: 41);

    [Fact]
    public void ConvNet_NesterovMomentum_ResumesBitwiseExactly()
        => AssertResumeIsExact(() => new ConvNet(), () => new Momentum(0.05, 0.9, useNesterov: true), rng => rng.Next(3), seed: 42);

    [Fact]
    public void ConvNet_ClassicMomentum_ResumesBitwiseExactly()
        => AssertResumeIsExact(() => new ConvNet(), () => new Momentum(0.05), rng => rng.Next(3), seed: 43);

    [Fact]
    public void BatchNormProbe_AdamWithMovingStatistics_ResumesBitwiseExactly()
        => AssertResumeIsExact(() => new BatchNormProbe(), () => new Adam(0.01), rng => (float)rng.NextDouble(), seed: 44);

    [Fact]
    public void FrozenNet_AdamWithDeclaredFrozenLayers_ResumesBitwiseExactly()
        => AssertResumeIsExact(() => new FrozenNet(), () => new Adam(0.02), rng => rng.Next(3), seed: 45);

    [Fact]
    public void PoolNet_RmsPropWithMomentum_ResumesBitwiseExactly()
        => AssertResumeIsExact(() => new PoolNet(), () => new RmsProp(0.01, momentum: 0.5), rng => (float)rng.NextDouble(), seed: 46);
}
