// Zero managed allocation per Forward and per TrainStep after the first call.
using System;
using ModelGen;
using ModelGen.Tests;

namespace ModelGen.Models.Tests;

public class AllocationTests
{
    [Fact]
    public void Forward_AllocatesNothingAfterTheFirstCall()
    {
        var model = new TutorialCnn();
        float[] input = TestUtil.Random(TutorialCnn.InputLength, 1);
        float[] output = new float[TutorialCnn.OutputLength];
        Assert.Equal(0, Allocations.InSteadyState(() => model.Forward(input, output), calls: 200));
    }

    [Fact]
    public void BatchedForwardAndPredict_AllocateNothing()
    {
        var model = new TutorialMlp();
        float[] inputs = TestUtil.Random(70 * TutorialMlp.InputLength, 2);
        float[] outputs = new float[70 * TutorialMlp.OutputLength];
        int[] classes = new int[70];
        Assert.Equal(0, Allocations.InSteadyState(() =>
        {
            model.Forward(inputs, outputs);
            model.Predict(inputs, classes);
            model.Predict(inputs.AsSpan(0, TutorialMlp.InputLength));
        }, calls: 100));
    }

    [Fact]
    public void ForwardOnPackedWeights_AllocatesNothing()
    {
        var mlp = new TutorialMlp();
        var cnn = new TutorialCnn();
        mlp.PackWeights();
        cnn.PackWeights();
        float[] mlpInputs = TestUtil.Random(TutorialMlp.BatchSize * TutorialMlp.InputLength, 5);
        float[] cnnInputs = TestUtil.Random(TutorialCnn.BatchSize * TutorialCnn.InputLength, 6);
        float[] mlpOutputs = new float[TutorialMlp.BatchSize * TutorialMlp.OutputLength];
        float[] cnnOutputs = new float[TutorialCnn.BatchSize * TutorialCnn.OutputLength];
        Assert.Equal(0, Allocations.InSteadyState(() =>
        {
            mlp.Forward(mlpInputs, mlpOutputs);
            cnn.Forward(cnnInputs, cnnOutputs);
        }, calls: 20));
        Assert.True(mlp.WeightsPacked && cnn.WeightsPacked);
    }

    [Fact]
    public void TrainStep_AllocatesNothingAfterTheFirstCall()
    {
        var model = new NormNet();
        float[] inputs = TestUtil.Random(NormNet.BatchSize * NormNet.InputLength, 3);
        int[] labels = { 0, 1, 2, 0, 1, 2 };
        var adam = new Adam(1e-3) { ClipNorm = 1.0, Schedule = new ExponentialDecay(10, 0.9, staircase: true) };
        Assert.Equal(0, Allocations.InSteadyState(() => model.TrainStep(inputs, labels, adam), calls: 100));
    }

    [Fact]
    public void TutorialCnnTrainStep_AllocatesNothingAfterTheFirstCall()
    {
        var model = new TutorialCnn();
        float[] inputs = TestUtil.Random(TutorialCnn.BatchSize * TutorialCnn.InputLength, 4);
        int[] labels = { 0, 1, 2, 3, 4, 5, 6, 7 };
        var adam = new Adam(1e-4);
        Assert.Equal(0, Allocations.InSteadyState(() => model.TrainStep(inputs, labels, adam), calls: 3));
    }
}
