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
}
