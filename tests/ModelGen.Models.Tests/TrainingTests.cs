// Training on real generated models: whole-model finite-difference gradient checks for every layer kind, activation
// and loss; overfitting a tiny set; freezing; determinism; dropout's rate; batch norm's moving statistics.
using System;
using ModelGen;
using static ModelGen.Models.Tests.TestUtil;

namespace ModelGen.Models.Tests;

public class TrainingTests
{
    /// <summary>
    /// Central differences of the training loss against ComputeGradients for a sample of every trainable variable's
    /// elements. Each loss is computed on a fresh model with the same parameters, so dropout draws the same masks.
    /// </summary>
    private static void GradientCheck<TModel, TLabel>(Func<TModel> create, TLabel[] labels, int samples, int seed, int perVariable = 12)
        where TModel : ITrainableModel<TLabel> where TLabel : unmanaged
    {
        TModel model = create();
        Randomize(model, seed);
        float[] parameters = model.Parameters.ToArray();
        float[] inputs = TestUtil.Random(samples * model.InputLength, seed + 1);
        model.ComputeGradients(inputs, labels);
        float[] gradients = model.Gradients.ToArray();

        double Loss(float[] p)
        {
            TModel fresh = create();
            p.CopyTo(fresh.Parameters);
            return fresh.ComputeGradients(inputs, labels);
        }

        var rng = new System.Random(seed);
        int checkedCount = 0, significant = 0;
        foreach (VariableInfo v in ((IModel)model).Variables)
        {
            if (!v.Trainable) continue;
            for (int k = 0; k < Math.Min(perVariable, v.Length); k++)
            {
                int index = v.Offset + (v.Length <= perVariable ? k : rng.Next(v.Length));
                const float h = 2e-3f;
                float original = parameters[index];
                parameters[index] = original + h;
                double plus = Loss(parameters);
                parameters[index] = original - h;
                double minus = Loss(parameters);
                parameters[index] = original;
                double numeric = (plus - minus) / (2 * h);
                double analytic = gradients[index];
                double tolerance = 2e-2 * Math.Max(Math.Abs(numeric), Math.Abs(analytic)) + 2e-3;
                Assert.True(Math.Abs(numeric - analytic) <= tolerance,
                    $"{typeof(TModel).Name} {v.Name}[{index - v.Offset}]: finite difference {numeric:G6}, backward {analytic:G6}");
                checkedCount++;
                if (Math.Abs(numeric) > 5e-3) significant++;
            }
        }
        // The absolute floor lets tiny gradients pass loosely, so at least a quarter of the checked ones must be well above it.
        Assert.True(significant * 4 >= checkedCount, $"{typeof(TModel).Name}: only {significant} of {checkedCount} checked gradients exceed 5e-3");
    }

    [Fact]
    public void DenseNet_EveryActivationAndL1L2_GradientsMatchFiniteDifferences()
        => GradientCheck(() => new DenseNet(), new[] { 0, 2, 1, 2 }, 4, seed: 31);

    [Fact]
    public void ConvNet_SameStride2AndValid_GradientsMatchFiniteDifferences()
        => GradientCheck(() => new ConvNet(), new[] { 1, 0, 2 }, 3, seed: 32);

    [Fact]
    public void StridedPointwiseNet_GradientsMatchFiniteDifferences()
        => GradientCheck(() => new StridedPointwiseNet(), TestUtil.Random(2 * StridedPointwiseNet.OutputLength, 7), 2, seed: 37);

    [Fact]
    public void PoolNet_PoolingAndMeanSquaredError_GradientsMatchFiniteDifferences()
        => GradientCheck(() => new PoolNet(), TestUtil.Random(2 * PoolNet.OutputLength, 5), 2, seed: 33);

    [Fact]
    public void NormNet_BatchNormLeakyEluDropout_GradientsMatchFiniteDifferences()
        => GradientCheck(() => new NormNet(), new[] { 0, 1, 2, 2, 1, 0 }, 6, seed: 34);

    [Fact]
    public void ActivationNet_ActivationLayersAndSoftmax_GradientsMatchFiniteDifferences()
        => GradientCheck(() => new ActivationNet(), TestUtil.Random(2 * ActivationNet.OutputLength, 6), 2, seed: 35);

    [Fact]
    public void ShortLastBatch_GradientsMatchFiniteDifferences()
        => GradientCheck(() => new ConvNet(), new[] { 2 }, 1, seed: 36);

    [Fact]
    public void ConvNet_OverfitsATinySet()
    {
        var model = new ConvNet();
        float[] inputs = TestUtil.Random(3 * ConvNet.InputLength, 40);
        int[] labels = { 0, 1, 2 };
        var adam = new Adam(0.05);
        float first = model.TrainStep(inputs, labels, adam), loss = first;
        for (int i = 0; i < 300; i++) loss = model.TrainStep(inputs, labels, adam);
        Evaluation evaluation = model.Evaluate(inputs, labels);
        Assert.True(first > 0.5, $"first loss {first}");
        Assert.True(evaluation.Loss < 0.05, $"loss after 300 steps {evaluation.Loss} (first {first})");
        Assert.Equal(1.0, evaluation.Accuracy);
    }

    [Fact]
    public void FrozenLayers_AreBitwiseUnchanged_HeadLearns()
    {
        var model = new FrozenNet();
        float[] before = model.Parameters.ToArray();
        float[] inputs = TestUtil.Random(4 * FrozenNet.InputLength, 41);
        int[] labels = { 0, 1, 2, 0 };
        var sgd = new Momentum(0.1);
        for (int i = 0; i < 20; i++) model.TrainStep(inputs, labels, sgd);
        foreach (VariableInfo v in FrozenNet.Variables)
        {
            bool same = model.Parameters.Slice(v.Offset, v.Length).SequenceEqual(before.AsSpan(v.Offset, v.Length));
            Assert.True(v.Trainable != same, $"{v.Name}: trainable {v.Trainable}, unchanged {same}");
        }
        // Backward stops above the frozen layers: their gradients are never computed.
        Assert.True(model.Gradients.Slice(0, TestUtil.Info(model, "frozen2/bias").Offset + 4).IndexOfAnyExcept(0f) < 0);
    }

    [Fact]
    public void SameSeed_TrainsToBitwiseIdenticalParameters()
    {
        float[] Train()
        {
            var model = new NormNet();
            var adam = new Adam(0.01);
            for (int i = 0; i < 5; i++)
                model.TrainStep(TestUtil.Random(6 * NormNet.InputLength, 50 + i), new[] { 0, 1, 2, 0, 1, 2 }, adam);
            return model.Parameters.ToArray();
        }
        Assert.Equal(Train(), Train());
    }

    [Fact]
    public void Dropout_DropsAboutItsRate_AndIsIdentityAtInference()
    {
        var model = new DropoutProbe();
        float[] input = new float[DropoutProbe.InputLength];
        Array.Fill(input, 1f);
        int dropped = 0, total = 0;
        for (int trial = 0; trial < 20; trial++)
        {
            model.ComputeGradients(input, new[] { 0f });
            Span<float> kernelGradient = model.Gradients.Slice(TestUtil.Info(model, "probe/kernel").Offset, DropoutProbe.InputLength);
            foreach (float g in kernelGradient) { dropped += g == 0 ? 1 : 0; total++; }
        }
        Assert.InRange(dropped / (double)total, 0.28, 0.32);
        // Inference: the identity, so the output is the plain sum of the ones kernel times the input.
        float[] output = new float[1];
        model.Forward(input, output);
        Assert.Equal(2000f + model.Parameters[TestUtil.Info(model, "probe/bias").Offset], output[0], 3);
    }

    [Fact]
    public void BatchNorm_MovingStatisticsConvergeToTheData()
    {
        var model = new BatchNormProbe();
        var rng = new System.Random(3);
        double[] mean = { 2.0, -1.0, 0.5 }, std = { 0.5, 3.0, 1.0 };
        float[] inputs = new float[100 * 3];
        for (int step = 0; step < 200; step++)
        {
            for (int i = 0; i < inputs.Length; i++)
            {
                double gaussian = Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());
                inputs[i] = (float)(mean[i % 3] + std[i % 3] * gaussian);
            }
            model.ComputeGradients(inputs, new float[100]);
        }
        double[] movingMean = Var(model, "bn/moving_mean"), movingVariance = Var(model, "bn/moving_variance");
        for (int c = 0; c < 3; c++)
        {
            Assert.InRange(movingMean[c], mean[c] - 0.15 * std[c], mean[c] + 0.15 * std[c]);
            Assert.InRange(movingVariance[c], 0.8 * std[c] * std[c], 1.2 * std[c] * std[c]);
        }
    }

    [Fact]
    public void TrainStep_RefusesOversizedBatchAndMismatchedLabels()
    {
        var model = new DenseNet();
        var e = Assert.Throws<ArgumentException>(() => model.TrainStep(new float[5 * 5], new int[5], new Sgd()));
        Assert.Contains("at most BatchSize = 4", e.Message);
        e = Assert.Throws<ArgumentException>(() => model.TrainStep(new float[2 * 5], new int[3], new Sgd()));
        Assert.Contains("labels holds 3", e.Message);
    }

    [Fact]
    public void Evaluate_CountsAccuracyOverChunks()
    {
        var model = new DenseNet();
        float[] inputs = TestUtil.Random(11 * DenseNet.InputLength, 60);
        int[] classes = new int[11];
        model.Predict(inputs, classes);
        int[] labels = (int[])classes.Clone();
        labels[0] = (labels[0] + 1) % 3;
        labels[7] = (labels[7] + 1) % 3;
        Evaluation evaluation = model.Evaluate(inputs, labels);
        Assert.Equal(11, evaluation.Count);
        Assert.Equal(9 / 11.0, evaluation.Accuracy, 12);
        Assert.True(evaluation.Loss > 0);
    }
}

public class FreezingTests
{
    [Fact]
    public void FreezeByPattern_KeepsMatchingVariablesBitwise_AndStopsBackwardAboveThem()
    {
        var model = new DenseNet();
        Assert.Equal(6, model.Trainable.Freeze("d[123]/.*"));
        float[] before = model.Parameters.ToArray();
        float[] inputs = TestUtil.Random(4 * DenseNet.InputLength, 80);
        var adam = new Adam(0.01);
        for (int i = 0; i < 5; i++) model.TrainStep(inputs, new[] { 0, 1, 2, 0 }, adam);
        VariableInfo d4 = TestUtil.Info(model, "d4/kernel");
        Assert.Equal(before.AsSpan(0, d4.Offset).ToArray(), model.Parameters.Slice(0, d4.Offset).ToArray());
        Assert.False(model.Parameters.Slice(d4.Offset).SequenceEqual(before.AsSpan(d4.Offset)));
        Assert.True(model.Gradients.Slice(0, d4.Offset).IndexOfAnyExcept(0f) < 0, "no gradient below the lowest trainable layer");
        Assert.False(model.Trainable.IsTrainable("d2/bias"));

        model.Trainable.Unfreeze(".*");
        model.TrainStep(inputs, new[] { 0, 1, 2, 0 }, adam);
        Assert.False(model.Parameters.Slice(0, d4.Offset).SequenceEqual(before.AsSpan(0, d4.Offset)));
    }

    [Fact]
    public void FreezingAfterTraining_ClearsTheGradientsBackwardNoLongerReaches()
    {
        // Dense layers reached by backward write their gradients whole instead of clearing the arena and adding: the
        // ones below a newly frozen layer must still read zero, and the rest equal a model frozen from the start.
        float[] inputs = TestUtil.Random(4 * DenseNet.InputLength, 81);
        int[] labels = { 0, 1, 2, 0 };
        var trained = new DenseNet();
        trained.TrainStep(inputs, labels, new Sgd(0.1));
        var fresh = new DenseNet();
        trained.Parameters.CopyTo(fresh.Parameters);
        trained.Trainable.Freeze("d[123]/.*");
        fresh.Trainable.Freeze("d[123]/.*");
        trained.ComputeGradients(inputs, labels);
        fresh.ComputeGradients(inputs, labels);
        VariableInfo d4 = TestUtil.Info(trained, "d4/kernel");
        Assert.True(trained.Gradients.Slice(0, d4.Offset).IndexOfAnyExcept(0f) < 0, "no gradient below the lowest trainable layer");
        Assert.Equal(fresh.Gradients.ToArray(), trained.Gradients.ToArray());
    }

    [Fact]
    public void RepeatedComputeGradients_GiveTheSameGradients()
    {
        // Written whole (dense layers without L1/L2) or cleared and accumulated (the regularized logits): either way a
        // second call on the same batch replaces the first's gradients rather than adding to them.
        var model = new DenseNet();
        float[] inputs = TestUtil.Random(4 * DenseNet.InputLength, 82);
        model.ComputeGradients(inputs, new[] { 2, 1, 0, 1 });
        float[] first = model.Gradients.ToArray();
        model.ComputeGradients(inputs, new[] { 2, 1, 0, 1 });
        Assert.Equal(first, model.Gradients.ToArray());
    }

    [Fact]
    public void FreezeMiddleLayer_GradientsBelowStillMatchTheUnfrozenOnes()
    {
        var frozen = new ConvNet();
        var plain = new ConvNet();
        float[] inputs = TestUtil.Random(3 * ConvNet.InputLength, 81);
        frozen.Trainable.Freeze("conv2/.*");
        frozen.ComputeGradients(inputs, new[] { 0, 1, 2 });
        plain.ComputeGradients(inputs, new[] { 0, 1, 2 });
        VariableInfo conv1 = TestUtil.Info(plain, "conv1/bias");
        Assert.Equal(plain.Gradients.Slice(0, conv1.Offset + conv1.Length).ToArray(), frozen.Gradients.Slice(0, conv1.Offset + conv1.Length).ToArray());
    }

    [Fact]
    public void FreezeWithNoMatch_ThrowsListingTheVariables()
    {
        var e = Assert.Throws<ArgumentException>(() => new DenseNet().Trainable.Freeze("conv.*"));
        Assert.Contains("d1/kernel", e.Message);
    }
}
