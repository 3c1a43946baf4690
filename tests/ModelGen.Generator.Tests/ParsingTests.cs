// Declaration order, defaults and the enum mirrors of the parse stage.
using System;
using System.Linq;
using ModelGen.Generator.Model;

namespace ModelGen.Generator.Tests;

public class ParsingTests
{
    [Fact]
    public void LayerAttributes_AreReadInDeclarationOrder()
    {
        GeneratorRun run = GeneratorHarness.Run("""
            using ModelGen;
            [Model]
            [Input(6, 6, 2)]
            [AvgPool2D(2, Name = "b")]
            [Conv2D(1, 1, 3, Name = "a")]
            [Relu(Name = "d")]
            [Flatten(Name = "c")]
            public partial class Net;
            """);
        Assert.Empty(run.Diagnostics);
        string source = run.Source("Net.g.cs");
        int[] positions = new[] { "// Layer 1: AvgPool2D 'b'", "// Layer 2: Conv2D 'a'", "// Layer 3: Relu 'd'", "// Layer 4: Flatten 'c'" }
            .Select(s => source.IndexOf(s, StringComparison.Ordinal)).ToArray();
        Assert.All(positions, p => Assert.True(p > 0));
        Assert.Equal(positions.OrderBy(p => p), positions);
    }

    [Theory]
    [InlineData(typeof(ModelGen.Padding), typeof(PaddingKind))]
    [InlineData(typeof(ModelGen.Activation), typeof(ActivationKind))]
    [InlineData(typeof(ModelGen.Initializer), typeof(InitializerKind))]
    public void EnumMirrors_MatchTheAttributeEnums(Type attributeEnum, Type mirror)
    {
        Assert.Equal(Enum.GetNames(attributeEnum), Enum.GetNames(mirror));
        Assert.Equal(Enum.GetValues(attributeEnum).Cast<object>().Select(Convert.ToInt32), Enum.GetValues(mirror).Cast<object>().Select(Convert.ToInt32));
    }

    [Fact]
    public void Defaults_MatchTheAttributes()
    {
        var model = new ModelGen.ModelAttribute();
        var bn = new ModelGen.BatchNormAttribute();
        var conv = new ModelGen.Conv2DAttribute(3, 3, 1);
        LayerSpec spec = LayerSpec.Default(LayerKind.BatchNorm, 1, null);
        Assert.Equal(32, model.BatchSize);
        Assert.Equal(bn.Momentum, spec.Momentum);
        Assert.Equal(bn.Epsilon, spec.Epsilon);
        Assert.Equal(conv.Stride, spec.StrideH);
        Assert.Equal((int)conv.Padding, (int)spec.Padding);
        Assert.Equal((int)conv.BiasInitializer, (int)spec.BiasInitializer);
        Assert.Equal(0.01, new ModelGen.LeakyReluAttribute().Alpha);
        Assert.Equal(1.0, new ModelGen.EluAttribute().Alpha);
    }
}
