// Concurrent inference on shared weights, training refused while inference runs, the numerical guards, and thread
// counts (the process-wide default and a model's own ThreadCount).
using System;
using System.Threading;
using System.Threading.Tasks;
using ModelGen;
using ModelGen.Tests;

namespace ModelGen.Models.Tests;

public class ConcurrencyTests
{
    [Fact]
    public void ManyThreadsWithOwnWorkspaces_MatchSerialResultsBitwise()
    {
        var model = new ConvNet();
        TestUtil.Randomize(model, 110);
        const int samples = 64;
        float[] inputs = TestUtil.Random(samples * ConvNet.InputLength, 111);
        float[] serial = new float[samples * ConvNet.OutputLength];
        for (int s = 0; s < samples; s++)
            model.Forward(inputs.AsSpan(s * ConvNet.InputLength, ConvNet.InputLength), serial.AsSpan(s * ConvNet.OutputLength, ConvNet.OutputLength));

        var failures = 0;
        Parallel.For(0, 8, new ParallelOptions { MaxDegreeOfParallelism = 8 }, thread =>
        {
            var workspace = model.CreateWorkspace();
            float[] output = new float[ConvNet.OutputLength];
            for (int round = 0; round < 50; round++)
            for (int s = (thread * 7 + round) % samples, k = 0; k < 4; k++, s = (s + 13) % samples)
            {
                model.Forward(workspace, inputs.AsSpan(s * ConvNet.InputLength, ConvNet.InputLength), output);
                if (!output.AsSpan().SequenceEqual(serial.AsSpan(s * ConvNet.OutputLength, ConvNet.OutputLength))) Interlocked.Increment(ref failures);
                int predicted = model.Predict(workspace, inputs.AsSpan(s * ConvNet.InputLength, ConvNet.InputLength));
                if (predicted != Kernels.Losses.ArgMax(output)) Interlocked.Increment(ref failures);
            }
        });
        Assert.Equal(0, failures);
    }

    [Fact]
    public void WorkspaceInference_AllocatesNothing()
    {
        var model = new TutorialMlp();
        var workspace = model.CreateWorkspace();
        float[] input = TestUtil.Random(TutorialMlp.InputLength, 112), output = new float[TutorialMlp.OutputLength];
        Assert.Equal(0, Allocations.InSteadyState(() => { model.Forward(workspace, input, output); model.Predict(workspace, input); }, calls: 500));
    }

    [Fact]
    public async Task TrainStepWhileAnotherThreadInfers_IsRefused_AndLeavesWeightsAlone()
    {
        var model = new TutorialMlp();
        float[] before = model.Parameters.ToArray();
        float[] input = TestUtil.Random(TutorialMlp.InputLength, 113);
        InvalidOperationException? refused = await TestUtil.RefusalWhileInferring(model, input, () =>
        {
            model.TrainStep(input, new[] { 3 }, new Sgd(0.1));
            model.Parameters.CopyTo(before);
        });
        Assert.NotNull(refused);
        Assert.Contains("inference call(s) are using this model", refused!.Message);
        Assert.Equal(before, model.Parameters.ToArray());
    }

    [Fact]
    public async Task OneWorkspaceOnTwoThreads_IsDetected()
    {
        // A long call (400 CNN samples) holds the workspace while this thread tries short calls on it.
        var model = new TutorialCnn();
        var shared = model.CreateWorkspace();
        float[] many = TestUtil.Random(400 * TutorialCnn.InputLength, 114), manyOut = new float[400 * TutorialCnn.OutputLength];
        float[] one = many.AsSpan(0, TutorialCnn.InputLength).ToArray(), oneOut = new float[TutorialCnn.OutputLength];
        using var started = new ManualResetEventSlim();
        var longCall = Task.Run(() => { started.Set(); model.Forward(shared, many, manyOut); });
        started.Wait();
        Thread.Sleep(50); // let the long call take the workspace first; it runs for far longer than this
        int detected = 0;
        while (!longCall.IsCompleted && detected == 0)
        {
            try { model.Forward(shared, one, oneOut); }
            catch (InvalidOperationException e) when (e.Message.Contains("workspace is in use")) { detected++; }
        }
        await longCall;
        Assert.Equal(1, detected);
    }
}

public class NumericalGuardTests
{
    [Fact]
    public void NonFiniteLoss_ThrowsNamingStepAndFirstLayer_AndKeepsWeights()
    {
        var model = new GuardNet();
        float[] inputs = { 1, 1, 1, 1, 1, 1 };
        var adam = new Adam(0.01);
        model.TrainStep(inputs, new[] { 0, 1 }, adam); // step 1 is finite
        for (int i = 0; i < 8; i++) model.Parameters[TestUtil.Info(model, "out/kernel").Offset + i] = float.PositiveInfinity;
        float[] before = model.Parameters.ToArray();
        var e = Assert.Throws<NonFiniteException>(() => model.TrainStep(inputs, new[] { 0, 1 }, adam));
        Assert.Equal(before, model.Parameters.ToArray());
        Assert.Equal("loss", e.Quantity);
        Assert.Equal(2, e.Layer);
        Assert.Contains("Layer 2 Dense 'out'", e.Message);
        Assert.Contains("step 2", e.Message);
    }

    [Fact]
    public void NaNInput_IsReportedAsTheInput()
    {
        var model = new GuardNet();
        var e = Assert.Throws<NonFiniteException>(() => model.ComputeGradients(new[] { 1f, float.NaN, 0, 0, 0, 0 }, new[] { 0, 1 }));
        Assert.Equal(0, e.Layer);
        Assert.Contains("the input", e.Message);
    }

    [Fact]
    public void WithAHandler_TheEventIsRaised_AndTheStepSkipped()
    {
        var model = new GuardNet();
        model.Parameters[TestUtil.Info(model, "hidden/kernel").Offset] = float.NaN;
        float[] before = model.Parameters.ToArray();
        NonFiniteException? reported = null;
        model.NonFinite += e => reported = e;
        float loss = model.TrainStep(new float[] { 1, 0, 0, 1, 0, 0 }, new[] { 0, 1 }, new Adam(0.01));
        Assert.False(float.IsFinite(loss));
        Assert.NotNull(reported);
        Assert.Equal(1, reported!.Layer);
        Assert.Equal(before, model.Parameters.ToArray());
    }

    [Fact]
    public void KernelGradientOverflow_WithAFiniteLoss_IsCaught_AndKeepsWeights()
    {
        // A zero kernel keeps the forward pass finite for inputs near float.MaxValue, but its gradient x^T dy overflows:
        // the bound from x and dy cannot show it finite, so the guard scans it and finds the infinity.
        var model = new WideGuardNet();
        Span<float> p = model.Parameters;
        p.Slice(TestUtil.Info(model, "wide/kernel").Offset, 64 * 64).Clear();
        Span<float> outKernel = p.Slice(TestUtil.Info(model, "out/kernel").Offset, 64 * 2);
        for (int i = 0; i < outKernel.Length; i++) outKernel[i] = i % 2 == 0 ? 100f : -100f;
        float[] inputs = new float[2 * 64];
        Array.Fill(inputs, 3e38f);
        float[] before = model.Parameters.ToArray();
        var e = Assert.Throws<NonFiniteException>(() => model.TrainStep(inputs, new[] { 0, 1 }, new Adam(0.01)));
        Assert.Equal("gradient", e.Quantity);
        Assert.Equal(1, e.Layer);
        Assert.Contains("the gradients of Layer 1 Dense 'wide'", e.Message);
        Assert.True(float.IsFinite(e.Loss));
        Assert.Equal(before, model.Parameters.ToArray());

        // Ordinary inputs: the bound holds and the step updates the weights.
        model.TrainStep(TestUtil.Random(2 * 64, 5), new[] { 0, 1 }, new Adam(0.01));
        Assert.NotEqual(before, model.Parameters.ToArray());
    }

    [Fact]
    public void NonFiniteLoss_LeavesNoGradient()
    {
        var model = new GuardNet();
        float[] inputs = { 1, 2, 3, -1, 0, 2 };
        model.ComputeGradients(inputs, new[] { 0, 1 });
        Assert.True(model.Gradients.IndexOfAnyExcept(0f) >= 0);
        model.NonFinite += _ => { };
        model.Parameters[TestUtil.Info(model, "out/kernel").Offset] = float.PositiveInfinity;
        Assert.False(float.IsFinite(model.ComputeGradients(inputs, new[] { 0, 1 })));
        Assert.True(model.Gradients.IndexOfAnyExcept(0f) < 0, "the last step's gradients are gone");
    }

    [Fact]
    public void FirstNonFinite_FindsEachKindAtEveryPosition()
    {
        for (int length = 0; length < 70; length += 7)
        for (int at = 0; at < length; at += 3)
        foreach (float bad in new[] { float.NaN, float.PositiveInfinity, float.NegativeInfinity })
        {
            float[] values = TestUtil.Random(length, length + at);
            values[at] = bad;
            Assert.Equal(at, NumericalGuard.FirstNonFinite(values));
        }
        Assert.Equal(-1, NumericalGuard.FirstNonFinite(TestUtil.Random(100, 1)));
    }
}

public class CheckpointGuardTests
{
    [Fact]
    public void Trainer_RefusesToCheckpointNonFiniteParameters_UnlessAllowed()
    {
        string folder = System.IO.Directory.CreateTempSubdirectory("modelgen-guard-").FullName;
        try
        {
            float[] inputs = TestUtil.Random(12 * NormNet.InputLength, 120);
            int[] labels = new int[12];
            for (int i = 0; i < labels.Length; i++) labels[i] = i % 3;
            var data = new ModelGen.Data.Dataset(inputs, labels, NormNet.InputLength);

            // A NaN moving mean leaves the training loss finite (batch statistics) but must never reach a checkpoint.
            var model = new NormNet();
            model.Parameters[TestUtil.Info(model, "bn1/moving_mean").Offset] = float.NaN;
            string path = System.IO.Path.Combine(folder, "guard.safetensors");
            var e = Assert.Throws<InvalidOperationException>(() =>
                Trainer.Fit(model, new Adam(1e-3), data, null, new TrainerOptions { Epochs = 1, CheckpointPath = path }));
            Assert.Contains("non-finite", e.Message);
            Assert.False(System.IO.File.Exists(path));

            var allowed = new NormNet();
            allowed.Parameters[TestUtil.Info(allowed, "bn1/moving_mean").Offset] = float.NaN;
            Trainer.Fit(allowed, new Adam(1e-3), data, null, new TrainerOptions { Epochs = 1, CheckpointPath = path, AllowNonFiniteCheckpoints = true });
            Assert.True(System.IO.File.Exists(path));
        }
        finally
        {
            System.IO.Directory.Delete(folder, recursive: true);
        }
    }
}

[CollectionDefinition("ThreadCount", DisableParallelization = true)]
public sealed class ThreadCountCollection;

[Collection("ThreadCount")]
public class ThreadCountTests
{
    [Fact]
    public void TrainingTheCnnOnTwoThreads_IsBitwiseTheSameAsOnOne()
    {
        float[] Train(int threads)
        {
            Kernels.Parallelism.ThreadCount = threads;
            try
            {
                var model = new TutorialCnn();
                var adam = new Adam(1e-3);
                int[] labels = { 0, 1, 2, 3, 4, 5, 6, 7 };
                long shared = Kernels.Parallelism.JobsShared;
                for (int step = 0; step < 2; step++)
                    model.TrainStep(TestUtil.Random(TutorialCnn.BatchSize * TutorialCnn.InputLength, 130 + step), labels, adam);
                // With two threads the kernels must really have handed work to the pool, or the comparison proves nothing.
                Assert.Equal(threads > 1, Kernels.Parallelism.JobsShared > shared);
                return model.Parameters.ToArray();
            }
            finally
            {
                Kernels.Parallelism.ThreadCount = 1;
            }
        }
        Assert.Equal(Train(1), Train(2));
    }

    [Fact]
    public void ModelThreadCountTwo_SharesJobsAndTrainsAndPredictsAsOneThread()
    {
        Assert.Equal(1, Kernels.Parallelism.ThreadCount); // the default these models override
        (float[] Parameters, float[] Outputs, bool Shared) Run(int threads)
        {
            var model = new TutorialCnn { ThreadCount = threads };
            var adam = new Adam(1e-3);
            int[] labels = { 0, 1, 2, 3, 4, 5, 6, 7 };
            float[] outputs = new float[TutorialCnn.BatchSize * TutorialCnn.OutputLength];
            long shared = Kernels.Parallelism.JobsShared;
            for (int step = 0; step < 2; step++)
                model.TrainStep(TestUtil.Random(TutorialCnn.BatchSize * TutorialCnn.InputLength, 140 + step), labels, adam);
            bool trainingShared = Kernels.Parallelism.JobsShared > shared;
            shared = Kernels.Parallelism.JobsShared;
            model.Forward(TestUtil.Random(TutorialCnn.BatchSize * TutorialCnn.InputLength, 150), outputs);
            bool forwardShared = Kernels.Parallelism.JobsShared > shared;
            // Both must have handed work to the pool, or neither, else one of them ignored the model's count.
            Assert.Equal(trainingShared, forwardShared);
            Assert.Equal(1, Kernels.Parallelism.Current); // the model's scope ended with each call
            return (model.Parameters.ToArray(), outputs, trainingShared);
        }

        var one = Run(1);
        var two = Run(2);
        Assert.False(one.Shared, "ThreadCount = 1 handed work to the pool");
        Assert.True(two.Shared, "ThreadCount = 2 handed no work to the pool");
        Assert.Equal(one.Parameters, two.Parameters);
        Assert.Equal(one.Outputs, two.Outputs);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(int.MaxValue)]
    public void ModelThreadCountOutOfRange_ThrowsNamingThreadCount(int value)
    {
        var model = new TutorialMlp { ThreadCount = 2 };
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => model.ThreadCount = value);
        Assert.Equal(nameof(TutorialMlp.ThreadCount), error.ParamName);
        Assert.Equal(2, model.ThreadCount);
        Assert.Throws<ArgumentOutOfRangeException>(() => model.ThreadCount = Environment.ProcessorCount * 4 + 1);
    }

    [Fact]
    public void TrainStepWithModelThreadCountTwo_AllocatesNothingAfterTheFirstCall()
    {
        var model = new TutorialCnn { ThreadCount = 2 };
        float[] inputs = TestUtil.Random(TutorialCnn.BatchSize * TutorialCnn.InputLength, 160);
        int[] labels = { 0, 1, 2, 3, 4, 5, 6, 7 };
        var adam = new Adam(1e-4);
        long shared = Kernels.Parallelism.JobsShared;
        Assert.Equal(0, Allocations.InSteadyState(() => model.TrainStep(inputs, labels, adam), calls: 3));
        Assert.True(Kernels.Parallelism.JobsShared > shared, "no work was handed to the pool");
    }
}
