// Crashes and bad code that generator fuzzing found, each reduced to the smallest declaration that showed it. Before the
// fix the first group ended in MG0005 (an OverflowException in shape inference), the second in CS0261/CS0708 in the
// generated code (CS0261, CS0103 "Infinityf"); each must now end in the right MG diagnostic and nothing else.
using System.Linq;
using Microsoft.CodeAnalysis;
using ModelGen.Generator.Tests.Fuzzing;

namespace ModelGen.Generator.Tests;

public class FuzzRegressionTests
{
    private static string Model(string attributes, string declaration = "public partial class Net;") =>
        "using ModelGen;\n\n[Model]\n" + attributes + "\n" + declaration + "\n";

    private static void AssertOnly(string source, string id)
    {
        GeneratorRun run = GeneratorHarness.Run(source);
        Assert.Equal(new[] { id }, run.Diagnostics.Select(d => d.Id).Distinct());
        Assert.Empty(run.ModelSources);
    }

    [Theory]
    // Fuzz seed 1824222375: 11 x 2^31 x 4 floats made Flatten's checked int cast throw.
    [InlineData("[Input(11, int.MaxValue, 4)]\n[Flatten]\n[Dense(7)]")]
    // Three int.MaxValue dimensions overflow even a long element count.
    [InlineData("[Input(int.MaxValue, int.MaxValue, int.MaxValue)]\n[Flatten]\n[Dense(2)]")]
    // Fuzz seed 1825148898: 2^31 filters, then Flatten.
    [InlineData("[Input(26, 25, 4)]\n[Conv2D(3, 2, int.MaxValue, Stride = 2)]\n[Flatten]\n[Dense(10)]")]
    // A kernel of 2^31 x 2^31 x 4 x 2^31 parameters (SAME padding allows it) wrapped the parameter count around.
    [InlineData("[Input(4, 4, 4)]\n[Conv2D(int.MaxValue, int.MaxValue, int.MaxValue, Padding = Padding.Same)]\n[Flatten]\n[Dense(2)]")]
    // One sample's im2col matrix of 10^4 x 10^4 rows of 100 x 100 columns overflowed the planner's int.
    [InlineData("[Input(10000, 10000, 1)]\n[Conv2D(100, 100, 1, Padding = Padding.Same)]\n[Flatten]\n[Dense(2)]")]
    public void HugeSizes_MG0108NotInternalError(string attributes) => AssertOnly(Model(attributes), "MG0108");

    [Fact]
    public void HugeBatchOfManyLayers_MG0108()
        => AssertOnly("using ModelGen;\n[Model(BatchSize = int.MaxValue)]\n[Input(100000000)]\n" + string.Concat(Enumerable.Repeat("[Relu]\n", 10)) + "public partial class Net;\n", "MG0108");

    [Theory]
    // in + stride - 1 overflowed an int in the SAME output size, giving a negative height.
    [InlineData("[Input(1000, 1, 1)]\n[MaxPool2D(1, 1, Stride = int.MaxValue, Padding = Padding.Same)]\n[Flatten]\n[Dense(2)]\n[SoftmaxCrossEntropy]")]
    // (out - 1) * stride + window - in overflowed an int in the SAME padding.
    [InlineData("[Input(1000, 1, 1)]\n[AvgPool2D(int.MaxValue, 1, Stride = 1, Padding = Padding.Same)]\n[Flatten]\n[Dense(2)]\n[SoftmaxCrossEntropy]")]
    public void HugeStrideOrWindowWithSamePadding_GeneratesCleanCode(string attributes)
    {
        GeneratorRun run = GeneratorHarness.Run(Model(attributes));
        Assert.Empty(run.Diagnostics);
        Assert.Empty(run.CompilationProblems());
        Assert.Contains("public const int OutputLength = 2;", run.Sources.Single().SourceText.ToString());
    }

    [Theory]
    // Fuzz seed 1824388674: the generated half said 'partial class' for a record.
    [InlineData("public partial record Net;", "record")]
    [InlineData("public partial record class Net;", "record")]
    [InlineData("public static partial class Net;", "static class")]
    public void ModelNotPlainClass_MG0010(string declaration, string kind)
    {
        GeneratorRun run = GeneratorHarness.Run(Model("[Input(4)]\n[Dense(2)]", declaration));
        Diagnostic d = Assert.Single(run.Diagnostics);
        Assert.Equal("MG0010", d.Id);
        Assert.Contains("is declared as a " + kind, d.GetMessage());
        Assert.Empty(run.ModelSources);
    }

    [Theory]
    // Long run seed 1, case 2700: a finite double beyond float's range was emitted as 'Infinityf' (CS0103).
    [InlineData("[Input(8)]\n[LeakyRelu(1e300)]\n[Dense(2)]")]
    // Long run seed 1, case 2377: the same through a linear Dense layer's ActivationAlpha, which is emitted anyway.
    [InlineData("[Input(8)]\n[Dense(4, ActivationAlpha = 1e300)]")]
    [InlineData("[Input(8)]\n[Dense(4, L2 = -1e300)]")]
    [InlineData("[Input(8)]\n[Dense(4, L1 = double.PositiveInfinity)]")]
    [InlineData("[Input(8)]\n[Dense(4, KernelInitializer = Initializer.Constant, KernelInitValue = 1e39)]")]
    [InlineData("[Input(8)]\n[BatchNorm(Epsilon = 1e300)]")]
    public void RealArgumentBeyondFloatRange_MG0109(string attributes) => AssertOnly(Model(attributes), "MG0109");

    [Fact]
    public void AbstractOrSealedModel_GeneratesCleanCode()
    {
        foreach (string declaration in new[] { "public abstract partial class Net;", "public sealed partial class Net;" })
        {
            GeneratorRun run = GeneratorHarness.Run(Model("[Input(4)]\n[Dense(2)]", declaration));
            Assert.Empty(run.Diagnostics);
            Assert.Empty(run.CompilationProblems());
        }
    }

    [Fact]
    public void FuzzCaseThatFoundOverflow_NowPasses()
    {
        FuzzVerdict verdict = GeneratorOracle.Judge(GeneratorHarness.Compile(ModelDeclarationFuzzer.Create(20261124, 22).Source),
            GeneratorHarness.CreateDriver(), System.TimeSpan.FromSeconds(30));
        Assert.True(verdict.Passed, verdict.Failure);
    }
}
