// One Adam training step at batch 50 and 128: ModelGen's generated TrainStep next to TorchSharp on the same weights
// (ONNX Runtime's inference package does not train).
using System;
using BenchmarkDotNet.Attributes;
using TorchSharp;
using static TorchSharp.torch;

namespace ModelGen.Benchmarks;

/// <summary>The MLP: 0.82 M FLOPs per sample per training step.</summary>
[FlopsPerSample(0.82e6)]
public class MlpTraining : TrainingBenchmark
{
    /// <inheritdoc/>
    protected override ITrainableModel<int> CreateModel(int batch) => batch == 50 ? new Mlp50() : new Mlp128();
    /// <inheritdoc/>
    protected override nn.Module<Tensor, Tensor> Torch(IModel model) => Peers.MlpTorch(model);
    /// <inheritdoc/>
    protected override long[] PeerShape(int batch) => new long[] { batch, 784 };
}

/// <summary>The tutorial CNN (dropout 0.5 active): 82 M FLOPs per sample per training step.</summary>
[FlopsPerSample(82e6)]
public class CnnTraining : TrainingBenchmark
{
    /// <inheritdoc/>
    protected override ITrainableModel<int> CreateModel(int batch) => batch == 50 ? new Cnn50() : new Cnn128();
    /// <inheritdoc/>
    protected override nn.Module<Tensor, Tensor> Torch(IModel model) => Peers.CnnTorch(model);
    /// <inheritdoc/>
    protected override long[] PeerShape(int batch) => new long[] { batch, 1, 28, 28 };
}

/// <summary>
/// One training step (forward, softmax cross entropy, backward, Adam 1e-4) on a fixed batch. <see cref="Threads"/>
/// sets TorchSharp's threads and ModelGen's <see cref="ModelGen.Kernels.Parallelism.ThreadCount"/>.
/// </summary>
[MemoryDiagnoser]
public abstract class TrainingBenchmark
{
    private ITrainableModel<int> model = null!;
    private float[] inputs = null!;
    private int[] labels = null!;
    private Adam adam = null!;
    private nn.Module<Tensor, Tensor>? torchModel;
    private Tensor? torchInput, torchLabels;
    private optim.Optimizer? torchAdam;

    /// <summary>Samples per step.</summary>
    [Params(50, 128)]
    public int Batch { get; set; }

    /// <summary>The thread count of every row (TorchSharp's and ModelGen's worker pool).</summary>
    [Params(1, 2)]
    public int Threads { get; set; }

    /// <summary>A ModelGen model compiled for <paramref name="batch"/>.</summary>
    protected abstract ITrainableModel<int> CreateModel(int batch);
    /// <summary>The TorchSharp copy of <paramref name="model"/>.</summary>
    protected abstract nn.Module<Tensor, Tensor> Torch(IModel model);
    /// <summary>TorchSharp's input shape for a batch.</summary>
    protected abstract long[] PeerShape(int batch);

    private void Common()
    {
        global::ModelGen.Kernels.Parallelism.ThreadCount = Threads;
        model = CreateModel(Batch);
        inputs = Data.Uniform(Batch * model.InputLength, seed: 42);
        labels = new int[Batch];
        for (int i = 0; i < Batch; i++) labels[i] = i % 10;
    }

    /// <summary>Builds the model and Adam, and runs one step so that lazily allocated state exists.</summary>
    [GlobalSetup(Target = nameof(ModelGen))]
    public void SetupModelGen()
    {
        Common();
        adam = new Adam(1e-4);
        ModelGen();
    }

    /// <summary>Builds the TorchSharp module in training mode and its Adam.</summary>
    [GlobalSetup(Target = nameof(TorchSharp))]
    public void SetupTorchSharp()
    {
        TorchSharpFix.EnsureLoadable();
        Common();
        torch.set_num_threads(Threads);
        torchModel = Torch(model);
        torchModel.train();
        torchInput = tensor(inputs, PeerShape(Batch));
        var longLabels = new long[Batch];
        for (int i = 0; i < Batch; i++) longLabels[i] = labels[i];
        torchLabels = tensor(longLabels);
        torchAdam = optim.Adam(torchModel.parameters(), 1e-4);
        TorchSharp();
    }

    /// <summary>Releases TorchSharp's native resources.</summary>
    [GlobalCleanup]
    public void Cleanup()
    {
        global::ModelGen.Kernels.Parallelism.ThreadCount = 1;
        torchAdam?.Dispose();
        torchInput?.Dispose();
        torchLabels?.Dispose();
        torchModel?.Dispose();
        torchAdam = null; torchInput = null; torchLabels = null; torchModel = null;
    }

    /// <summary>The generated TrainStep.</summary>
    [Benchmark(Baseline = true)]
    public float ModelGen() => model.TrainStep(inputs, labels, adam);

    /// <summary>zero_grad, forward, cross entropy, backward, step.</summary>
    [Benchmark]
    public float TorchSharp()
    {
        using var scope = NewDisposeScope();
        torchAdam!.zero_grad();
        Tensor loss = nn.functional.cross_entropy(torchModel!.call(torchInput!), torchLabels!);
        loss.backward();
        torchAdam.step();
        return loss.item<float>();
    }
}
