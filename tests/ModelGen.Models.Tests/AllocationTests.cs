// Zero managed allocation per Forward and per TrainStep after the first call.
using System;
using ModelGen;

namespace ModelGen.Models.Tests;

public class AllocationTests
{
    [Fact]
    public void Forward_AllocatesNothingAfterTheFirstCall()
    {
        var model = new TutorialCnn();
        float[] input = TestUtil.Random(TutorialCnn.InputLength, 1);
        float[] output = new float[TutorialCnn.OutputLength];
        model.Forward(input, output);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 1000; i++) model.Forward(input, output);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void BatchedForwardAndPredict_AllocateNothing()
    {
        var model = new TutorialMlp();
        float[] inputs = TestUtil.Random(70 * TutorialMlp.InputLength, 2);
        float[] outputs = new float[70 * TutorialMlp.OutputLength];
        int[] classes = new int[70];
        model.Forward(inputs, outputs);
        model.Predict(inputs, classes);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 100; i++)
        {
            model.Forward(inputs, outputs);
            model.Predict(inputs, classes);
            model.Predict(inputs.AsSpan(0, TutorialMlp.InputLength));
        }
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void TrainStep_AllocatesNothingAfterTheFirstCall()
    {
        var model = new NormNet();
        float[] inputs = TestUtil.Random(NormNet.BatchSize * NormNet.InputLength, 3);
        int[] labels = { 0, 1, 2, 0, 1, 2 };
        var adam = new Adam(1e-3) { ClipNorm = 1.0, Schedule = new ExponentialDecay(10, 0.9, staircase: true) };
        model.TrainStep(inputs, labels, adam);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 100; i++) model.TrainStep(inputs, labels, adam);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void TutorialCnnTrainStep_AllocatesNothingAfterTheFirstCall()
    {
        var model = new TutorialCnn();
        float[] inputs = TestUtil.Random(TutorialCnn.BatchSize * TutorialCnn.InputLength, 4);
        int[] labels = { 0, 1, 2, 3, 4, 5, 6, 7 };
        var adam = new Adam(1e-4);
        model.TrainStep(inputs, labels, adam);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 3; i++) model.TrainStep(inputs, labels, adam);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}
