// Emitted code grows linearly with layer count, and a VGG-16-sized model generates and compiles cleanly: the fast
// counterparts of benchmarks/ModelGen.GeneratorBenchmarks (issue 7's build-time budget).
using System.Linq;
using System.Text;

namespace ModelGen.Generator.Tests.Consumer;

public class EmittedSizeTests
{
    private static string DenseStack(int layers)
    {
        var source = new StringBuilder("using ModelGen;\nnamespace Samples;\n[Model(BatchSize = 32, Seed = 1)]\n[Input(64)]\n");
        for (int i = 1; i < layers; i++) source.Append($"[Dense(64, Activation = Activation.Relu, Name = \"dense{i}\")]\n");
        source.Append($"[Dense(10, Name = \"logits\")]\n[SoftmaxCrossEntropy]\npublic partial class Dense{layers};\n");
        return source.ToString();
    }

    private static string Emitted(string source)
    {
        GeneratorRun run = GeneratorHarness.Run(source);
        Assert.Empty(run.Diagnostics);
        return Assert.Single(run.Sources).SourceText.ToString();
    }

    [Fact]
    public void DenseStacks_GrowByTheSameAmountPerLayer()
    {
        int[] counts = { 4, 8, 16, 32 };
        string[] files = counts.Select(n => Emitted(DenseStack(n))).ToArray();
        int[] lines = files.Select(f => f.Count(c => c == '\n')).ToArray();
        double[] charsPerLayer = Enumerable.Range(1, counts.Length - 1)
            .Select(i => (files[i].Length - files[i - 1].Length) / (double)(counts[i] - counts[i - 1])).ToArray();
        int[] linesPerLayer = Enumerable.Range(1, counts.Length - 1)
            .Select(i => (lines[i] - lines[i - 1]) / (counts[i] - counts[i - 1])).ToArray();

        // Every added dense layer writes the same blocks: the same lines, and characters that differ only by longer
        // names and offsets ("dense10" against "dense9").
        Assert.All(linesPerLayer, l => Assert.Equal(linesPerLayer[0], l));
        Assert.All(Enumerable.Range(1, counts.Length - 1), i => Assert.Equal(0, (lines[i] - lines[i - 1]) % (counts[i] - counts[i - 1])));
        Assert.True(charsPerLayer.Max() <= charsPerLayer.Min() * 1.05,
            "Characters per added layer: " + string.Join(", ", charsPerLayer.Select(c => c.ToString("F0"))));
    }

    [Fact]
    public void Vgg16_GeneratesAndCompilesWithoutWarnings()
    {
        // VGG-16 as Keras names it: 138,357,544 parameters, under the 500M limit; batch size 1 keeps the activations
        // under theirs. Its emitted file stays a few times the CNN's, not proportional to its parameters.
        var source = new StringBuilder("using ModelGen;\nnamespace Samples;\n[Model(BatchSize = 1, Seed = 1)]\n[Input(224, 224, 3)]\n");
        int[][] blocks = { new[] { 64, 64 }, new[] { 128, 128 }, new[] { 256, 256, 256 }, new[] { 512, 512, 512 }, new[] { 512, 512, 512 } };
        for (int b = 0; b < blocks.Length; b++)
        {
            for (int c = 0; c < blocks[b].Length; c++)
                source.Append($"[Conv2D(3, 3, {blocks[b][c]}, Padding = Padding.Same, Activation = Activation.Relu, Name = \"block{b + 1}_conv{c + 1}\")]\n");
            source.Append($"[MaxPool2D(2, Name = \"block{b + 1}_pool\")]\n");
        }
        source.Append("[Flatten]\n[Dense(4096, Activation = Activation.Relu, Name = \"fc1\")]\n[Dense(4096, Activation = Activation.Relu, Name = \"fc2\")]\n");
        source.Append("[Dense(1000, Name = \"predictions\")]\n[SoftmaxCrossEntropy]\npublic partial class Vgg16;\n");

        GeneratorRun run = GeneratorHarness.Run(source.ToString());
        Assert.Empty(run.Diagnostics);
        Assert.Empty(run.CompilationProblems());
        string emitted = run.Source("Samples.Vgg16.g.cs");
        Assert.Contains("public const int ParameterCount = 138357544;", emitted);
        Assert.True(emitted.Length < 4 * Emitted(TutorialModels.Cnn).Length, $"VGG-16 emitted {emitted.Length} characters");
    }
}
