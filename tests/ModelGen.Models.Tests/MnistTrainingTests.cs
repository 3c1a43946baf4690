// End to end on data: the generated tutorial MLP trained by the runtime's Trainer, on real MNIST when the files are
// present (skipped with a visible reason otherwise) and on the built-in synthetic digits always.
using System;
using ModelGen;
using ModelGen.Data;

namespace ModelGen.Models.Tests;

/// <summary>A fact skipped, saying why, when no MNIST folder is found.</summary>
public sealed class MnistFactAttribute : FactAttribute
{
    public MnistFactAttribute()
    {
        if (Mnist.FindDirectory() is null)
            Skip = "MNIST not found (../shared/data/mnist beside the repository root, or ./data/mnist): the real-data training test did not run.";
    }
}

public class MnistTrainingTests
{
    [MnistFact]
    public void TutorialMlp_OneEpochOnTenThousandMnistImages_Exceeds90Percent()
    {
        (Dataset train, Dataset test) = Mnist.Load();
        var model = new TutorialMlp();
        Trainer.Fit(model, new Adam(1e-3), train.Slice(0, 10_000), null, new TrainerOptions { Epochs = 1, Seed = 1 });
        Evaluation evaluation = model.Evaluate(test.Inputs, test.Labels);
        Assert.True(evaluation.Accuracy > 0.90, $"test accuracy {evaluation.Accuracy:P2} after one epoch on 10,000 images");
    }

    [Fact]
    public void TutorialMlp_TrainsOnSyntheticDigits_Above90Percent()
    {
        Dataset digits = SyntheticDigits.Generate(6_000, seed: 5);
        (Dataset train, Dataset test) = digits.Split(5_000);
        var model = new TutorialMlp();
        Trainer.Fit(model, new Adam(1e-3), train, null, new TrainerOptions { Epochs = 3, Seed = 2 });
        Evaluation evaluation = model.Evaluate(test.Inputs, test.Labels);
        Assert.True(evaluation.Accuracy > 0.90, $"accuracy {evaluation.Accuracy:P2} on 1,000 held-out synthetic digits");
    }
}
