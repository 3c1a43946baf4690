// Generated Save/Load: named variables round-trip through safetensors, and a failed load changes nothing.
using System;
using System.IO;
using ModelGen;
using ModelGen.Checkpoints;

namespace ModelGen.Models.Tests;

public sealed class CheckpointTests : IDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("modelgen-models-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    [Fact]
    public void SaveThenLoad_RestoresEveryVariable_AndTheOutputs()
    {
        var trained = new NormNet();
        TestUtil.Randomize(trained, 70);
        string path = Path.Combine(folder, "norm.safetensors");
        trained.Save(path);

        var restored = new NormNet();
        restored.Load(path);
        Assert.Equal(trained.Parameters.ToArray(), restored.Parameters.ToArray());
        float[] input = TestUtil.Random(NormNet.InputLength, 71);
        float[] a = new float[NormNet.OutputLength], b = new float[NormNet.OutputLength];
        trained.Forward(input, a);
        restored.Forward(input, b);
        Assert.Equal(a, b);
    }

    [Fact]
    public void LoadIntoAModelWithOtherShapes_FailsNamingTheVariable_AndChangesNothing()
    {
        string path = Path.Combine(folder, "conv.safetensors");
        new ConvNet().Save(path);
        var other = new PoolNet();
        float[] before = other.Parameters.ToArray();
        var e = Assert.Throws<CheckpointException>(() => other.Load(path));
        Assert.Contains("conv/kernel", e.Message);
        Assert.Equal(before, other.Parameters.ToArray());
    }

    [Fact]
    public void PartialRestore_OfLowerLayers_ThenFrozenTraining_KeepsThem()
    {
        // Train-elsewhere, restore-by-name, freeze: FrozenNet's frozen1/frozen2 come from a file written for them.
        var source = new FrozenNet();
        TestUtil.Randomize(source, 72);
        string path = Path.Combine(folder, "frozen.safetensors");
        source.Save(path);
        var model = new FrozenNet();
        model.Load(path, new LoadOptions { Include = "frozen[12]/.*", IgnoreUnknown = true });
        VariableInfo head = TestUtil.Info(model, "head/kernel");
        Assert.Equal(source.Parameters.Slice(0, head.Offset).ToArray(), model.Parameters.Slice(0, head.Offset).ToArray());
        Assert.NotEqual(source.Parameters.Slice(head.Offset, head.Length).ToArray(), model.Parameters.Slice(head.Offset, head.Length).ToArray());
    }
}
