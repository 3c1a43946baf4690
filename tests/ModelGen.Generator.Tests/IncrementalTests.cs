// Incrementality: an edit that does not touch a model reruns nothing for it; every step's output stays cached.
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace ModelGen.Generator.Tests;

public class IncrementalTests
{
    private static void AssertAllCached(GeneratorDriver driver, string step)
    {
        var outputs = driver.GetRunResult().Results.Single().TrackedSteps[step].SelectMany(s => s.Outputs).ToList();
        Assert.NotEmpty(outputs);
        Assert.All(outputs, o => Assert.True(o.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, $"{step}: {o.Reason}"));
    }

    [Theory]
    [InlineData("// a comment\n")]
    [InlineData("public class Unrelated { public int X; }\n")]
    public void UnrelatedEdit_LeavesEveryStepCached(string edit)
    {
        CSharpCompilation compilation = GeneratorHarness.Compile(TutorialModels.Cnn, "namespace Other; public class Helper { }");
        GeneratorDriver driver = GeneratorHarness.CreateDriver().RunGenerators(compilation);

        SyntaxTree other = compilation.SyntaxTrees.Last();
        CSharpCompilation edited = compilation.ReplaceSyntaxTree(other, CSharpSyntaxTree.ParseText(other.GetText().ToString() + "\n" + edit, (CSharpParseOptions)other.Options, other.FilePath));
        driver = driver.RunGenerators(edited);

        foreach (string step in new[] { ModelGenerator.Steps.Parse, ModelGenerator.Steps.Analyze, ModelGenerator.Steps.Plan })
            AssertAllCached(driver, step);
    }

    [Fact]
    public void EditingOneModel_LeavesTheOtherModelCached()
    {
        CSharpCompilation compilation = GeneratorHarness.Compile(TutorialModels.Cnn, TutorialModels.Mlp);
        GeneratorDriver driver = GeneratorHarness.CreateDriver().RunGenerators(compilation);
        SyntaxTree mlp = compilation.SyntaxTrees.Last();
        string changed = mlp.GetText().ToString().Replace("Dense(256", "Dense(300");
        driver = driver.RunGenerators(compilation.ReplaceSyntaxTree(mlp, CSharpSyntaxTree.ParseText(changed, (CSharpParseOptions)mlp.Options, mlp.FilePath)));

        var plans = driver.GetRunResult().Results.Single().TrackedSteps[ModelGenerator.Steps.Plan].SelectMany(s => s.Outputs).ToList();
        Assert.Contains(plans, o => o.Reason == IncrementalStepRunReason.Modified);
        Assert.Contains(plans, o => o.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged);
    }
}
