// Whole emitted files for the tutorial models, checked against approved files so any change to emitted code shows in review.
namespace ModelGen.Generator.Tests;

public class SnapshotTests
{
    [Theory]
    [InlineData(nameof(TutorialModels.Mlp), TutorialModels.Mlp, "Samples.MnistMlp.g.cs")]
    [InlineData(nameof(TutorialModels.Cnn), TutorialModels.Cnn, "Samples.MnistCnn.g.cs")]
    [InlineData(nameof(TutorialModels.BatchNormMlp), TutorialModels.BatchNormMlp, "Samples.MnistBatchNorm.g.cs")]
    public void TutorialModel_EmitsApprovedSource(string name, string source, string hintName)
    {
        GeneratorRun run = GeneratorHarness.Run(source);
        Assert.Empty(run.Diagnostics);
        Snapshot.Match(run.Source(hintName), name);
    }

    [Theory]
    [InlineData(TutorialModels.Mlp)]
    [InlineData(TutorialModels.Cnn)]
    [InlineData(TutorialModels.BatchNormMlp)]
    public void TutorialModel_CompilesWithoutWarnings(string source)
    {
        GeneratorRun run = GeneratorHarness.Run(source);
        Assert.Empty(run.Diagnostics);
        Assert.Empty(run.CompilationProblems());
    }

    [Fact]
    public void ModelWithALossAndNoVariables_CompilesWithoutWarnings()
    {
        // Its gradient arena is empty: ClearGradients and GradientsAreFinite are emitted with nothing to clear or scan.
        GeneratorRun run = GeneratorHarness.Run("using ModelGen;\n[Model(BatchSize = 2)]\n[Input(4, 4, 1)]\n[MaxPool2D(2)]\n[Flatten]\n[SoftmaxCrossEntropy]\npublic partial class Net;\n");
        Assert.Empty(run.Diagnostics);
        Assert.Contains("private bool GradientsAreFinite()", run.Source("Net.g.cs"));
        Assert.Empty(run.CompilationProblems());
    }
}
