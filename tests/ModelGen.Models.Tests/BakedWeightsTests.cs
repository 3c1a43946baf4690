// [Weights]: a model whose weights are compiled into the assembly equals one that loads the same file at run time.
using System;
using System.IO;

namespace ModelGen.Models.Tests;

public class BakedWeightsTests
{
    [Fact]
    public void BakedModel_EqualsTheFileLoadedAtRunTime()
    {
        var baked = new BakedNet();
        var loaded = new BakedTwin();
        loaded.Load(Path.Combine(AppContext.BaseDirectory, "baked.safetensors"));
        Assert.Equal(loaded.Parameters.ToArray(), baked.Parameters.ToArray());
        Assert.NotEqual(new BakedTwin().Parameters.ToArray(), baked.Parameters.ToArray());
        float[] inputs = TestUtil.Random(6 * 4, 100);
        float[] a = new float[6 * 2], b = new float[6 * 2];
        baked.Forward(inputs, a);
        loaded.Forward(inputs, b);
        Assert.Equal(b, a);
    }

    [Fact]
    public void LoadBakedWeights_RestoresThem_AndPacksAgain()
    {
        var baked = new BakedNet();
        float[] inputs = TestUtil.Random(6 * 4, 101);
        float[] expected = new float[6 * 2], actual = new float[6 * 2];
        baked.Forward(inputs, expected);
        baked.PackWeights();
        baked.Parameters.Clear();
        baked.PackWeights();
        baked.LoadBakedWeights();
        Assert.True(baked.WeightsPacked);
        baked.Forward(inputs, actual);
        Assert.Equal(expected, actual);
    }
}
