// Caching frozen lower layers: run the prefix once with ForwardTo, train the rest with TrainStepFrom, and get exactly
// what training the whole model with the prefix frozen gives.
using System;
using ModelGen;

namespace ModelGen.Models.Tests;

public class CachedPrefixTests
{
    [Fact]
    public void TrainingOnCachedPrefix_EqualsTrainingTheFrozenModel_Bitwise()
    {
        const int batches = 6, batch = FrozenNet.BatchSize;
        float[] inputs = TestUtil.Random(batches * batch * FrozenNet.InputLength, 90);
        int[] labels = new int[batches * batch];
        for (int i = 0; i < labels.Length; i++) labels[i] = i % 3;

        var whole = new FrozenNet();
        var wholeAdam = new Adam(0.01);
        var cached = new FrozenNet();
        var cachedAdam = new Adam(0.01);

        int frozen2 = FrozenNet.LayerIndex("frozen2");
        int length = FrozenNet.LayerOutputLength(frozen2);
        float[] activations = new float[batches * batch * length];
        cached.ForwardTo(frozen2, inputs, activations);

        for (int epoch = 0; epoch < 3; epoch++)
        for (int b = 0; b < batches; b++)
        {
            var l = labels.AsSpan(b * batch, batch);
            float expected = whole.TrainStep(inputs.AsSpan(b * batch * FrozenNet.InputLength, batch * FrozenNet.InputLength), l, wholeAdam);
            float actual = cached.TrainStepFrom(frozen2, activations.AsSpan(b * batch * length, batch * length), l, cachedAdam);
            Assert.Equal(expected, actual);
        }
        Assert.Equal(whole.Parameters.ToArray(), cached.Parameters.ToArray());
    }

    [Fact]
    public void TrainingFromTheConvolutionUnderAMaxPooling_EqualsTrainingTheFrozenModel_Bitwise()
    {
        // The convolution's forward call pools for the layer after it, so that pooling runs on its own only when
        // training starts there; and ForwardTo the convolution stops before the pooling.
        const int batches = 3, batch = PoolNet.BatchSize;
        float[] inputs = TestUtil.Random(batches * batch * PoolNet.InputLength, 92);
        float[] targets = TestUtil.Random(batches * batch * PoolNet.OutputLength, 93);
        int conv = PoolNet.LayerIndex("conv");
        Assert.Equal(conv + 1, PoolNet.LayerIndex("maxpool"));

        var whole = new PoolNet();
        whole.Trainable.Freeze("conv/.*");
        var wholeSgd = new Sgd(0.05);
        var cached = new PoolNet();
        cached.Trainable.Freeze("conv/.*");
        var cachedSgd = new Sgd(0.05);
        int length = PoolNet.LayerOutputLength(conv);
        float[] activations = new float[batches * batch * length];
        cached.ForwardTo(conv, inputs, activations);

        for (int epoch = 0; epoch < 2; epoch++)
        for (int b = 0; b < batches; b++)
        {
            var t = targets.AsSpan(b * batch * PoolNet.OutputLength, batch * PoolNet.OutputLength);
            float expected = whole.TrainStep(inputs.AsSpan(b * batch * PoolNet.InputLength, batch * PoolNet.InputLength), t, wholeSgd);
            float actual = cached.TrainStepFrom(conv, activations.AsSpan(b * batch * length, batch * length), t, cachedSgd);
            Assert.Equal(expected, actual);
        }
        Assert.Equal(whole.Parameters.ToArray(), cached.Parameters.ToArray());
    }

    [Fact]
    public void ForwardToLastLayer_EqualsForward_AndLayerZeroIsTheInput()
    {
        var model = new ConvNet();
        float[] inputs = TestUtil.Random(5 * ConvNet.InputLength, 91);
        float[] expected = new float[5 * ConvNet.OutputLength], actual = new float[5 * ConvNet.OutputLength];
        model.Forward(inputs, expected);
        model.ForwardTo(ConvNet.LayerCount, inputs, actual);
        Assert.Equal(expected, actual);
        int flatten = ConvNet.LayerIndex("flatten");
        Assert.Equal(3, flatten);
        Assert.Equal(2 * 2 * 2, ConvNet.LayerOutputLength(flatten));
        // Flatten is a view: its output is conv2's output, the same floats in the same NHWC order.
        float[] flattened = new float[5 * ConvNet.LayerOutputLength(flatten)], conv2 = new float[flattened.Length];
        model.ForwardTo(flatten, inputs, flattened);
        model.ForwardTo(ConvNet.LayerIndex("conv2"), inputs, conv2);
        Assert.Equal(conv2, flattened);
        Assert.Contains(flattened, v => v != 0);
        float[] input = new float[5 * ConvNet.InputLength];
        model.ForwardTo(0, inputs, input);
        Assert.Equal(inputs, input);
    }

    [Fact]
    public void TrainStepFrom_WithATrainablePrefix_Throws()
    {
        var model = new ConvNet();
        var e = Assert.Throws<InvalidOperationException>(() => model.TrainStepFrom(1, new float[ConvNet.LayerOutputLength(1)], new[] { 0 }, new Sgd()));
        Assert.Contains("freeze layers 1 to 1", e.Message);
        model.Trainable.Freeze("conv1/.*");
        model.TrainStepFrom(1, new float[ConvNet.LayerOutputLength(1)], new[] { 0 }, new Sgd());
        Assert.Throws<ArgumentException>(() => ConvNet.LayerIndex("nope"));
    }
}
