// Inference at batch 1 and 64: ModelGen's generated Forward next to ONNX Runtime (IoBinding over pinned arrays) and
// TorchSharp, on the same weights; each peer's setup checks that it computes ModelGen's logits.
using System;
using BenchmarkDotNet.Attributes;
using Microsoft.ML.OnnxRuntime;
using TorchSharp;
using static TorchSharp.torch;

namespace ModelGen.Benchmarks;

/// <summary>The MLP 784-256-10: 0.41 M FLOPs per sample forward.</summary>
[FlopsPerSample(0.41e6)]
public class MlpInference : InferenceBenchmark
{
    /// <inheritdoc/>
    protected override IModel CreateModel() => new Mlp64();
    /// <inheritdoc/>
    protected override byte[] Onnx(IModel model) => Peers.MlpOnnx(model);
    /// <inheritdoc/>
    protected override nn.Module<Tensor, Tensor> Torch(IModel model) => Peers.MlpTorch(model);
    /// <inheritdoc/>
    protected override long[] PeerShape(int batch) => new long[] { batch, 784 };
}

/// <summary>The tutorial CNN: 27.8 M FLOPs per sample forward.</summary>
[FlopsPerSample(27.8e6)]
public class CnnInference : InferenceBenchmark
{
    /// <inheritdoc/>
    protected override IModel CreateModel() => new Cnn64();
    /// <inheritdoc/>
    protected override byte[] Onnx(IModel model) => Peers.CnnOnnx(model);
    /// <inheritdoc/>
    protected override nn.Module<Tensor, Tensor> Torch(IModel model) => Peers.CnnTorch(model);
    /// <inheritdoc/>
    protected override long[] PeerShape(int batch) => new long[] { batch, 1, 28, 28 };
}

/// <summary>
/// The MLP at batch 1 on the first MNIST test image (a 7; 85 % of its pixels are 0) instead of uniform noise: a batch-1
/// product skips the kernel rows facing zero inputs, which the peers read. Needs the MNIST test files (see
/// <see cref="Data.Digits"/>).
/// </summary>
[FlopsPerSample(0.41e6)]
public class MlpDigitInference : MlpInference
{
    /// <inheritdoc/>
    [Params(1)]
    public override int Batch { get; set; }

    /// <inheritdoc/>
    protected override float[] Inputs(int samples, int length) => Data.Digits(samples);
}

/// <summary>The tutorial CNN at batch 1 on the first MNIST test image, as <see cref="MlpDigitInference"/>.</summary>
[FlopsPerSample(27.8e6)]
public class CnnDigitInference : CnnInference
{
    /// <inheritdoc/>
    [Params(1)]
    public override int Batch { get; set; }

    /// <inheritdoc/>
    protected override float[] Inputs(int samples, int length) => Data.Digits(samples);
}

/// <summary>
/// One forward pass of <see cref="Batch"/> samples. <see cref="Threads"/> sets the peers' intra-op threads and ModelGen's
/// <see cref="ModelGen.Kernels.Parallelism.ThreadCount"/>.
/// </summary>
[MemoryDiagnoser]
public abstract class InferenceBenchmark
{
    private IModel model = null!;
    private float[] inputs = null!, outputs = null!;
    private InferenceSession? session;
    private OrtIoBinding? binding;
    private OrtValue? inputValue, outputValue;
    private RunOptions? runOptions;
    private nn.Module<Tensor, Tensor>? torchModel;
    private Tensor? torchInput;

    /// <summary>Samples per call.</summary>
    [Params(1, 64)]
    public virtual int Batch { get; set; }

    /// <summary>The thread count of every row (the peers' and ModelGen's worker pool).</summary>
    [Params(1, 2)]
    public int Threads { get; set; }

    /// <summary>A ModelGen model whose batch size is at least 64.</summary>
    protected abstract IModel CreateModel();
    /// <summary>The ONNX copy of <paramref name="model"/>.</summary>
    protected abstract byte[] Onnx(IModel model);
    /// <summary>The TorchSharp copy of <paramref name="model"/>.</summary>
    protected abstract nn.Module<Tensor, Tensor> Torch(IModel model);
    /// <summary>The peers' input shape for a batch (NCHW for images; the same bytes as ModelGen's NHWC with one channel).</summary>
    protected abstract long[] PeerShape(int batch);
    /// <summary>The inputs of every row: <paramref name="samples"/> of <paramref name="length"/> floats, uniform in [0, 1).</summary>
    protected virtual float[] Inputs(int samples, int length) => Data.Uniform(samples * length, seed: 42);

    private void Common()
    {
        global::ModelGen.Kernels.Parallelism.ThreadCount = Threads;
        model = CreateModel();
        inputs = Inputs(Batch, model.InputLength);
        outputs = new float[Batch * model.OutputLength];
    }

    /// <summary>Builds the ModelGen model and packs its kernels once, as ONNX Runtime packs its initializers when it creates the session.</summary>
    [GlobalSetup(Target = nameof(ModelGen))]
    public void SetupModelGen()
    {
        Common();
        model.PackWeights();
    }

    /// <summary>Builds the ONNX session, binds the pinned input and output arrays, checks the logits.</summary>
    [GlobalSetup(Target = nameof(OnnxRuntime))]
    public void SetupOnnxRuntime()
    {
        Common();
        var options = new SessionOptions
        {
            IntraOpNumThreads = Threads,
            InterOpNumThreads = 1,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
        };
        session = new InferenceSession(Onnx(model), options);
        inputValue = OrtValue.CreateTensorValueFromMemory(inputs, PeerShape(Batch));
        outputValue = OrtValue.CreateTensorValueFromMemory(outputs, new long[] { Batch, model.OutputLength });
        binding = session.CreateIoBinding();
        binding.BindInput("input", inputValue);
        binding.BindOutput("logits", outputValue);
        runOptions = new RunOptions();
        OnnxRuntime();
        Data.CheckSame("ONNX Runtime", Expected(), outputs);
    }

    /// <summary>Builds the TorchSharp module in eval mode and checks the logits.</summary>
    [GlobalSetup(Target = nameof(TorchSharp))]
    public void SetupTorchSharp()
    {
        TorchSharpFix.EnsureLoadable();
        Common();
        torch.set_num_threads(Threads);
        torchModel = Torch(model);
        torchModel.eval();
        torchInput = tensor(inputs, PeerShape(Batch));
        TorchSharp();
        Data.CheckSame("TorchSharp", Expected(), outputs);
    }

    private float[] Expected()
    {
        var expected = new float[outputs.Length];
        model.Forward(inputs, expected);
        return expected;
    }

    /// <summary>Releases the peers' native resources.</summary>
    [GlobalCleanup]
    public void Cleanup()
    {
        global::ModelGen.Kernels.Parallelism.ThreadCount = 1;
        binding?.Dispose();
        inputValue?.Dispose();
        outputValue?.Dispose();
        runOptions?.Dispose();
        session?.Dispose();
        torchInput?.Dispose();
        torchModel?.Dispose();
        binding = null; inputValue = null; outputValue = null; runOptions = null; session = null; torchInput = null; torchModel = null;
    }

    /// <summary>The generated Forward (batch 1 is a one-sample call of the same method).</summary>
    [Benchmark(Baseline = true)]
    public void ModelGen() => model.Forward(inputs, outputs);

    /// <summary>ONNX Runtime's Run over the bound buffers: no managed allocation.</summary>
    [Benchmark]
    public void OnnxRuntime() => session!.RunWithBinding(runOptions!, binding!);

    /// <summary>TorchSharp's forward without autograd, logits copied out.</summary>
    [Benchmark]
    public void TorchSharp()
    {
        using (no_grad())
        using (Tensor y = torchModel!.call(torchInput!))
        {
            y.data<float>().CopyTo(outputs);
        }
    }
}
