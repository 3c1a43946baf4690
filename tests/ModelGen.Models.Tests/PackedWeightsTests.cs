// PackWeights: inference on kernels packed once gives bitwise the per-call result; the packed copy is what inference
// reads; what may change a kernel drops it (spans, training steps) or packs again (Load, ResetParameters); Save keeps it.
using System;
using System.IO;
using System.Threading.Tasks;
using ModelGen;
using ModelGen.Checkpoints;

namespace ModelGen.Models.Tests;

public sealed class PackedWeightsTests : IDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("modelgen-packed-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    private static float[] Outputs<TModel>(TModel model, float[] inputs) where TModel : IModel
    {
        float[] outputs = new float[inputs.Length / model.InputLength * model.OutputLength];
        model.Forward(inputs, outputs);
        return outputs;
    }

    [Fact]
    public void PackedInference_IsBitwiseTheUnpackedResult()
    {
        // Full batches (the packed products), a short last batch and one sample (the kernels streamed in place).
        var mlp = new TutorialMlp();
        TestUtil.Randomize(mlp, 1);
        float[] mlpInputs = TestUtil.Random((2 * TutorialMlp.BatchSize + 5) * TutorialMlp.InputLength, 2);
        float[] mlpOne = TestUtil.Random(TutorialMlp.InputLength, 3);
        float[] expected = Outputs(mlp, mlpInputs), expectedOne = Outputs(mlp, mlpOne);
        mlp.PackWeights();
        Assert.True(mlp.WeightsPacked);
        Assert.Equal(expected, Outputs(mlp, mlpInputs));
        Assert.Equal(expectedOne, Outputs(mlp, mlpOne));

        var cnn = new TutorialCnn();
        TestUtil.Randomize(cnn, 4);
        float[] cnnInputs = TestUtil.Random((TutorialCnn.BatchSize + 3) * TutorialCnn.InputLength, 5);
        expected = Outputs(cnn, cnnInputs);
        cnn.PackWeights();
        Assert.Equal(expected, Outputs(cnn, cnnInputs));
    }

    [Fact]
    public void Inference_ReadsThePackedCopy_UntilAViewOfTheParametersIsTaken()
    {
        var model = new TutorialMlp();
        float[] inputs = TestUtil.Random(TutorialMlp.BatchSize * TutorialMlp.InputLength, 6);
        // A span taken before PackWeights is not watched: its write shows only once the copy is dropped or packed again.
        Span<float> kernel = model.Hidden1Kernel;
        model.PackWeights();
        float[] before = Outputs(model, inputs);
        for (int i = 0; i < kernel.Length; i++) kernel[i] *= -1f;
        Assert.Equal(before, Outputs(model, inputs));

        _ = model.Hidden1Bias;
        Assert.False(model.WeightsPacked);
        float[] after = Outputs(model, inputs);
        Assert.NotEqual(before, after);
        model.PackWeights();
        Assert.Equal(after, Outputs(model, inputs));

        _ = model.Parameters;
        Assert.False(model.WeightsPacked);
    }

    [Fact]
    public void TrainStep_DropsThePackedCopy()
    {
        var packed = new TutorialMlp();
        var plain = new TutorialMlp();
        float[] inputs = TestUtil.Random(TutorialMlp.BatchSize * TutorialMlp.InputLength, 7);
        int[] labels = new int[TutorialMlp.BatchSize];
        for (int i = 0; i < labels.Length; i++) labels[i] = i % 10;
        packed.PackWeights();
        packed.TrainStep(inputs, labels, new Adam(1e-2));
        plain.TrainStep(inputs, labels, new Adam(1e-2));
        Assert.False(packed.WeightsPacked);
        Assert.Equal(Outputs(plain, inputs), Outputs(packed, inputs));
    }

    [Fact]
    public void Load_PacksAgain_AndAFailedLoadKeepsTheCopy_AndSaveKeepsIt()
    {
        var source = new TutorialMlp();
        TestUtil.Randomize(source, 8);
        string path = Path.Combine(folder, "mlp.safetensors");
        source.Save(path);
        float[] inputs = TestUtil.Random(TutorialMlp.BatchSize * TutorialMlp.InputLength, 9);

        var model = new TutorialMlp();
        model.PackWeights();
        model.Load(path);
        Assert.True(model.WeightsPacked);
        Assert.Equal(Outputs(source, inputs), Outputs(model, inputs));

        string other = Path.Combine(folder, "cnn.safetensors");
        new TutorialCnn().Save(other);
        Assert.Throws<CheckpointException>(() => model.Load(other));
        Assert.True(model.WeightsPacked);
        Assert.Equal(Outputs(source, inputs), Outputs(model, inputs));

        model.Save(Path.Combine(folder, "again.safetensors"));
        Assert.True(model.WeightsPacked);
    }

    [Fact]
    public async Task PackWeightsWhileAnotherThreadInfers_IsRefused()
    {
        var model = new TutorialMlp();
        InvalidOperationException? refused = await TestUtil.RefusalWhileInferring(model, TestUtil.Random(TutorialMlp.InputLength, 12), model.PackWeights);
        Assert.NotNull(refused);
        Assert.Contains("packing the weights now would change what they read", refused!.Message);
    }

    [Fact]
    public void ResetParameters_PacksAgain()
    {
        var model = new TutorialCnn();
        float[] inputs = TestUtil.Random(TutorialCnn.BatchSize * TutorialCnn.InputLength, 10);
        float[] fresh = Outputs(model, inputs);
        TestUtil.Randomize(model, 11);
        model.PackWeights();
        model.ResetParameters();
        Assert.True(model.WeightsPacked);
        Assert.Equal(fresh, Outputs(model, inputs));
    }
}
