// Each code fix on the analyzer's real diagnostic: the exact fixed text, and that the fixed model analyzes clean.
using System.Linq;
using ModelGen.CodeFixes;
using ModelGen.Generator.Analyzers;

namespace ModelGen.IDE.Tests;

public class CodeFixTests
{
    private static void AssertClean(FixResult result) =>
        Assert.True(result.Remaining.IsEmpty, string.Join("\n", result.Remaining.Select(d => d.ToString())));

    [Fact]
    public void ClassNotPartial_FixAddsPartialAfterModifiers()
    {
        string source = "using ModelGen;\n\n[Model]\n[Input(4)]\n[Dense(2)]\npublic sealed class Net { }\n";
        FixResult result = FixHarness.Apply(new MakePartialCodeFix(), source, "MG0001");
        Assert.Equal("using ModelGen;\n\n[Model]\n[Input(4)]\n[Dense(2)]\npublic sealed partial class Net { }\n", result.Text);
        AssertClean(result);
    }

    [Fact]
    public void ClassWithoutModifiers_FixKeepsIndentation()
    {
        string source = "using ModelGen;\n\nnamespace App\n{\n    [Model]\n    [Input(4)]\n    [Dense(2)]\n    class Net { }\n}\n";
        FixResult result = FixHarness.Apply(new MakePartialCodeFix(), source, "MG0001");
        Assert.Equal("using ModelGen;\n\nnamespace App\n{\n    [Model]\n    [Input(4)]\n    [Dense(2)]\n    partial class Net { }\n}\n", result.Text);
        AssertClean(result);
    }

    [Fact]
    public void DenseOnImage_FixInsertsFlattenOnItsOwnLine()
    {
        string source = "using ModelGen;\n\nnamespace App\n{\n    [Model]\n    [Input(12, 12, 32)]\n    // the classifier\n    [Dense(10)]\n    public partial class Net;\n}\n";
        FixResult result = FixHarness.Apply(new InsertFlattenCodeFix(), source, "MG0105");
        Assert.Equal("using ModelGen;\n\nnamespace App\n{\n    [Model]\n    [Input(12, 12, 32)]\n    // the classifier\n    [Flatten]\n    [Dense(10)]\n    public partial class Net;\n}\n", result.Text);
        AssertClean(result);
    }

    [Fact]
    public void DenseOnImageInOneAttributeList_FixInsertsFlattenInTheList()
    {
        string source = "using ModelGen;\n[Model, Input(4, 4, 2), Dense(3)]\npublic partial class Net;\n";
        FixResult result = FixHarness.Apply(new InsertFlattenCodeFix(), source, "MG0105");
        Assert.Equal("using ModelGen;\n[Model, Input(4, 4, 2), Flatten, Dense(3)]\npublic partial class Net;\n", result.Text);
        AssertClean(result);
    }

    [Fact]
    public void QualifiedDense_FixInsertsQualifiedFlatten()
    {
        string source = "[ModelGen.Model]\n[ModelGen.Input(4, 4, 2)]\n[ModelGen.Dense(3)]\npublic partial class Net;\n";
        FixResult result = FixHarness.Apply(new InsertFlattenCodeFix(), source, "MG0105");
        Assert.Equal("[ModelGen.Model]\n[ModelGen.Input(4, 4, 2)]\n[ModelGen.Flatten]\n[ModelGen.Dense(3)]\npublic partial class Net;\n", result.Text);
        AssertClean(result);
    }

    [Fact]
    public void ConvTooLargeForValid_FixAddsSamePadding()
    {
        string source = "using ModelGen;\n[Model]\n[Input(28, 28, 1)]\n[Conv2D(5, 5, 32)]\n[MaxPool2D(2)]\n[Conv2D(5, 5, 64)]\n[MaxPool2D(2)]\n[Conv2D(5, 5, 64, Name = \"conv3\")]\npublic partial class Net;\n";
        FixResult result = FixHarness.Apply(new UseSamePaddingCodeFix(), source, "MG0103");
        Assert.Equal(source.Replace("Name = \"conv3\")", "Name = \"conv3\", Padding = Padding.Same)"), result.Text);
        AssertClean(result);
    }

    [Fact]
    public void ConvWithExplicitValid_FixChangesItToSame()
    {
        string source = "using ModelGen;\n[Model]\n[Input(3, 3, 2)]\n[Conv2D(5, 5, 4, Padding = ModelGen.Padding.Valid)]\npublic partial class Net;\n";
        FixResult result = FixHarness.Apply(new UseSamePaddingCodeFix(), source, "MG0103");
        Assert.Equal(source.Replace("ModelGen.Padding.Valid", "ModelGen.Padding.Same"), result.Text);
        AssertClean(result);
    }

    [Theory]
    [InlineData("MaxPool2D")]
    [InlineData("AvgPool2D")]
    public void PoolTooLargeForValid_FixAddsSamePadding(string pool)
    {
        string source = "using ModelGen;\n[Model]\n[Input(3, 3, 2)]\n[" + pool + "(4)]\npublic partial class Net;\n";
        FixResult result = FixHarness.Apply(new UseSamePaddingCodeFix(), source, "MG0103");
        Assert.Equal(source.Replace("(4)", "(4, Padding = Padding.Same)"), result.Text);
        AssertClean(result);
    }

    [Fact]
    public void EveryFixableId_IsReportedByTheAnalyzer()
    {
        var reported = new ModelAnalyzer().SupportedDiagnostics.Select(d => d.Id).ToHashSet();
        var fixable = new Microsoft.CodeAnalysis.CodeFixes.CodeFixProvider[] { new MakePartialCodeFix(), new InsertFlattenCodeFix(), new UseSamePaddingCodeFix() }
            .SelectMany(p => p.FixableDiagnosticIds).ToList();
        Assert.Equal(new[] { "MG0001", "MG0105", "MG0103" }, fixable);
        Assert.All(fixable, id => Assert.Contains(id, reported));
    }
}
