// Every diagnostic by id, by location (line and column of the attribute or argument at fault) and by message,
// and no other diagnostic beside it, as a build reports them: the analyzer runs the parse and shape stages, and the
// generator adds nothing of its own (each diagnostic appears once).
using System.Linq;
using Microsoft.CodeAnalysis;

namespace ModelGen.Generator.Tests;

public class DiagnosticTests
{
    /// <summary>Runs the generator and the analyzer and asserts exactly one diagnostic, with this id, starting where snippet starts.</summary>
    private static Diagnostic Single(string source, string id, string snippet)
    {
        GeneratorRun run = GeneratorHarness.Run(source);
        Diagnostic diagnostic = Assert.Single(run.Diagnostics);
        Assert.True(diagnostic.Location.IsInSource, "the diagnostic is placed in the compilation's syntax tree");
        Assert.Equal(id, diagnostic.Id);
        Assert.Equal(GeneratorHarness.At(source, snippet), GeneratorHarness.Position(diagnostic));
        return diagnostic;
    }

    private static string Model(string attributes, string declaration = "public partial class Net;") =>
        "using ModelGen;\n\n" + attributes + "\n" + declaration + "\n";

    [Fact]
    public void ClassNotPartial_MG0001OnIdentifier()
    {
        string source = Model("[Model]\n[Input(4)]\n[Dense(2)]", "public class Net { }");
        Diagnostic d = Single(source, "MG0001", "Net {");
        Assert.Contains("must be declared partial", d.GetMessage());
    }

    [Fact]
    public void NestedInGenericType_MG0002()
    {
        string source = "using ModelGen;\npublic partial class Outer<T>\n{\n    [Model]\n    [Input(4)]\n    [Dense(2)]\n    public partial class Net;\n}\n";
        Diagnostic d = Single(source, "MG0002", "Net;");
        Assert.Contains("Outer", d.GetMessage());
    }

    [Fact]
    public void NoInput_MG0003OnModelAttribute()
    {
        Diagnostic d = Single(Model("[Model]\n[Dense(2)]"), "MG0003", "Model]");
        Assert.Contains("[Input(", d.GetMessage());
    }

    [Fact]
    public void LayersSplitOverPartialDeclarations_MG0004OnSecondDeclaration()
    {
        string first = "using ModelGen;\n[Model]\n[Input(4)]\n[Dense(3)]\npublic partial class Net;\n";
        string second = "using ModelGen;\n[Dense(2)]\npublic partial class Net;\n";
        GeneratorRun run = GeneratorHarness.Run(first, second);
        Diagnostic d = Assert.Single(run.Diagnostics);
        Assert.Equal("MG0004", d.Id);
        Assert.Equal("Model1.cs", d.Location.GetLineSpan().Path);
        Assert.Equal(GeneratorHarness.At(second, "Dense(2)"), GeneratorHarness.Position(d));
    }

    [Fact]
    public void TwoInputs_MG0006()
        => Single(Model("[Model]\n[Input(4)]\n[Input(5)]\n[Dense(2)]"), "MG0006", "Input(5)");

    [Fact]
    public void LayerBeforeInput_MG0007()
        => Single(Model("[Model]\n[Dense(2)]\n[Input(4)]"), "MG0007", "Input(4)");

    [Fact]
    public void TwoLosses_MG0008()
        => Single(Model("[Model]\n[Input(4)]\n[Dense(2)]\n[SoftmaxCrossEntropy]\n[MeanSquaredError]"), "MG0008", "MeanSquaredError]");

    [Fact]
    public void ContainingTypeNotPartial_MG0009()
    {
        string source = "using ModelGen;\npublic class Outer\n{\n    [Model]\n    [Input(4)]\n    [Dense(2)]\n    public partial class Net;\n}\n";
        Diagnostic d = Single(source, "MG0009", "Net;");
        Assert.Contains("'Outer'", d.GetMessage());
    }

    [Theory]
    [InlineData("[Dense(0)]", "0", "units")]
    [InlineData("[Dense(-3)]", "-3", "units")]
    public void NonPositiveUnits_MG0101OnArgument(string layer, string argument, string name)
    {
        string source = Model("[Model]\n[Input(4)]\n" + layer);
        Diagnostic d = Single(source, "MG0101", argument + ")");
        Assert.Contains(name + " = " + argument, d.GetMessage());
        Assert.Contains("Layer 1 Dense 'dense'", d.GetMessage());
    }

    [Fact]
    public void NonPositiveStride_MG0101OnStrideArgument()
    {
        string source = Model("[Model]\n[Input(8, 8, 1)]\n[Conv2D(3, 3, 4, Stride = 0)]");
        Diagnostic d = Single(source, "MG0101", "Stride = 0");
        Assert.Contains("Stride = 0", d.GetMessage());
    }

    [Fact]
    public void NonPositiveWindow_MG0101()
        => Single(Model("[Model]\n[Input(8, 8, 1)]\n[MaxPool2D(0)]"), "MG0101", "0)]");

    [Fact]
    public void NonPositiveInputDimension_MG0101OnInput()
        => Single(Model("[Model]\n[Input(28, 0, 1)]\n[Flatten]"), "MG0101", "Input(28, 0, 1)");

    [Fact]
    public void NonPositiveBatchSize_MG0101OnModel()
        => Single(Model("[Model(BatchSize = 0)]\n[Input(4)]\n[Dense(2)]"), "MG0101", "Model(BatchSize = 0)");

    [Theory]
    [InlineData("1.0")]
    [InlineData("-0.1")]
    [InlineData("1.5")]
    public void DropoutRateOutOfRange_MG0102(string rate)
    {
        Diagnostic d = Single(Model("[Model]\n[Input(4)]\n[Dropout(" + rate + ")]"), "MG0102", rate + ")");
        Assert.Contains("1 - keep_prob", d.GetMessage());
    }

    [Fact]
    public void ConvKernelLargerThanValidInput_MG0103WithShapes()
    {
        string source = Model("""
            [Model]
            [Input(28, 28, 1)]
            [Conv2D(5, 5, 32, Name = "conv1")]
            [MaxPool2D(2, Name = "pool1")]
            [Conv2D(5, 5, 64, Name = "conv2")]
            [MaxPool2D(2, Name = "pool2")]
            [Conv2D(5, 5, 64, Name = "conv3")]
            """);
        Diagnostic d = Single(source, "MG0103", "Conv2D(5, 5, 64, Name = \"conv3\")");
        Assert.Equal("Layer 5 Conv2D 'conv3' with a 5x5 window and VALID padding needs an input of at least 5x5, but Layer 4 MaxPool2D 'pool2' produces 4x4x64: use Padding = Padding.Same or a smaller window", d.GetMessage());
    }

    [Fact]
    public void PoolWindowLargerThanInput_MG0103()
        => Single(Model("[Model]\n[Input(3, 3, 2)]\n[AvgPool2D(4)]"), "MG0103", "AvgPool2D(4)");

    [Fact]
    public void SameConvWithLargeKernel_IsFine()
    {
        GeneratorRun run = GeneratorHarness.Run(Model("[Model]\n[Input(3, 3, 2)]\n[Conv2D(5, 5, 2, Padding = Padding.Same)]"));
        Assert.Empty(run.Diagnostics);
    }

    [Fact]
    public void ConvAfterFlatten_MG0104()
    {
        Diagnostic d = Single(Model("[Model]\n[Input(8, 8, 1)]\n[Flatten]\n[Conv2D(3, 3, 4)]"), "MG0104", "Conv2D(3, 3, 4)");
        Assert.Contains("Layer 1 Flatten 'flatten' produces the vector 64", d.GetMessage());
    }

    [Fact]
    public void PoolAfterDense_MG0104()
        => Single(Model("[Model]\n[Input(16)]\n[Dense(8)]\n[MaxPool2D(2)]"), "MG0104", "MaxPool2D(2)");

    [Fact]
    public void DenseOnImage_MG0105SuggestsFlatten()
    {
        Diagnostic d = Single(Model("[Model]\n[Input(12, 12, 32)]\n[Dense(10)]"), "MG0105", "Dense(10)");
        Assert.Equal("Layer 1 Dense 'dense' needs a flat input but receives 12x12x32 from [Input]: insert [Flatten] before it", d.GetMessage());
    }

    [Fact]
    public void SoftmaxCrossEntropyOnImageOutput_MG0106()
        => Single(Model("[Model]\n[Input(8, 8, 1)]\n[Conv2D(3, 3, 4)]\n[SoftmaxCrossEntropy]"), "MG0106", "SoftmaxCrossEntropy]");

    [Fact]
    public void TwoLayersWithOneName_MG0107OnSecondName()
    {
        Diagnostic d = Single(Model("[Model]\n[Input(4)]\n[Dense(3, Name = \"fc\")]\n[Dense(2, Name = \"fc\")]"), "MG0107", "Name = \"fc\")]\npublic");
        Assert.Contains("Layer 1 Dense 'fc'", d.GetMessage());
    }

    [Fact]
    public void UnnamedLayers_SkipDeclaredNames()
    {
        GeneratorRun run = GeneratorHarness.Run(Model("[Model]\n[Input(4)]\n[Dense(3)]\n[Dense(3, Name = \"dense_1\")]\n[Dense(2)]"));
        Assert.Empty(run.Diagnostics);
        string source = run.Source("Net.g.cs");
        Assert.Contains("\"dense/kernel\"", source);
        Assert.Contains("\"dense_1/kernel\"", source);
        Assert.Contains("\"dense_2/kernel\"", source);
    }

    [Fact]
    public void OverParameterLimit_MG0108()
    {
        Diagnostic d = Single(Model("[Model]\n[Input(100000)]\n[Dense(10000)]"), "MG0108", "Model]");
        Assert.Contains("1000010000 parameters", d.GetMessage());
    }

    [Fact]
    public void NegativeL2_MG0109OnArgument()
        => Single(Model("[Model]\n[Input(4)]\n[Dense(2, L2 = -0.1)]"), "MG0109", "L2 = -0.1");

    [Fact]
    public void BatchNormMomentumAboveOne_MG0109()
        => Single(Model("[Model]\n[Input(4)]\n[BatchNorm(Momentum = 1.5)]"), "MG0109", "Momentum = 1.5");

    [Fact]
    public void InvalidName_MG0110()
        => Single(Model("[Model]\n[Input(4)]\n[Dense(2, Name = \"fc/1\")]"), "MG0110", "Name = \"fc/1\"");

    [Fact]
    public void FlattenOfVector_MG0111Warning()
    {
        Diagnostic d = Single(Model("[Model]\n[Input(4)]\n[Flatten]\n[Dense(2)]"), "MG0111", "Flatten]");
        Assert.Equal(DiagnosticSeverity.Warning, d.Severity);
    }

    [Fact]
    public void SoftmaxBeforeSoftmaxCrossEntropy_MG0112Warning()
    {
        Diagnostic d = Single(Model("[Model]\n[Input(4)]\n[Dense(3, Activation = Activation.Softmax)]\n[SoftmaxCrossEntropy]"), "MG0112", "Dense(3");
        Assert.Equal(DiagnosticSeverity.Warning, d.Severity);
    }

    [Fact]
    public void SoftmaxCrossEntropyOnOneOutput_MG0113()
        => Single(Model("[Model]\n[Input(4)]\n[Dense(1)]\n[SoftmaxCrossEntropy]"), "MG0113", "SoftmaxCrossEntropy]");

    [Fact]
    public void ShapeError_EmitsNoSource()
    {
        GeneratorRun run = GeneratorHarness.Run(Model("[Model]\n[Input(12, 12, 32)]\n[Dense(10)]"));
        Assert.Empty(run.ModelSources);
    }

    [Fact]
    public void EveryDescriptor_HasUniqueIdAndHelpLink()
    {
        var ids = Diagnostics.Descriptors.All.Select(d => d.Id).ToList();
        Assert.Equal(ids.Count, ids.Distinct().Count());
        Assert.All(Diagnostics.Descriptors.All, d => Assert.EndsWith("#" + d.Id.ToLowerInvariant(), d.HelpLinkUri));
    }

    [Fact]
    public void ShapeError_GeneratorReportsNothingOfItsOwn()
    {
        GeneratorRun run = GeneratorHarness.Run(Model("[Model]\n[Input(12, 12, 32)]\n[Dense(10)]"));
        Assert.Empty(run.GeneratorDiagnostics);
        Assert.Equal("MG0105", Assert.Single(run.Diagnostics).Id);
    }

    [Fact]
    public void EveryDescriptor_IsSupportedByTheAnalyzer()
    {
        var supported = new Analyzers.ModelAnalyzer().SupportedDiagnostics.Select(d => d.Id);
        Assert.Equal(Diagnostics.Descriptors.All.Select(d => d.Id), supported);
    }

    [Fact]
    public void EveryDescriptor_IsListedInShippedReleases()
    {
        string shipped = System.IO.File.ReadAllText(System.IO.Path.Combine(RepositoryRoot(), "src", "ModelGen.Generator", "AnalyzerReleases.Shipped.md"));
        Assert.All(Diagnostics.Descriptors.All, d => Assert.Contains(d.Id + " | " + d.Category + " | " + d.DefaultSeverity + " |", shipped));
    }

    private static string RepositoryRoot()
    {
        string? directory = System.AppContext.BaseDirectory;
        while (directory is not null && !System.IO.File.Exists(System.IO.Path.Combine(directory, "ModelGen.sln")))
            directory = System.IO.Path.GetDirectoryName(directory);
        return directory ?? throw new System.InvalidOperationException("ModelGen.sln not found above " + System.AppContext.BaseDirectory);
    }
}

public class NoCascadeTests
{
    [Fact]
    public void ModelWithShapeError_CodeUsingIt_ReportsOnlyTheMgError()
    {
        string source = """
            using ModelGen;
            [Model]
            [Input(12, 12, 32)]
            [Dense(10)]
            [SoftmaxCrossEntropy]
            public partial class Net;

            public static class App
            {
                public static float Run()
                {
                    var net = new Net();
                    float[] output = new float[Net.OutputLength];
                    net.Forward(new float[Net.InputLength], output);
                    net.Save("net.safetensors");
                    return net.TrainStep(new float[1], new int[1], new Adam()) + net.Predict(new float[1]) + net.Evaluate(new float[1], new int[1]).Count;
                }
            }
            """;
        GeneratorRun run = GeneratorHarness.Run(source);
        Assert.Equal(new[] { "MG0105" }, run.Diagnostics.Select(d => d.Id));
        Assert.Empty(run.CompilationProblems());
        Assert.Empty(run.ModelSources);
    }
}
