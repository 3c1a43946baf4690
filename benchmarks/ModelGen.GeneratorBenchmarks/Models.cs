// The model sources the build-time benchmarks feed the generator: the tutorial CNN, a VGG-16-sized network and stacks
// of dense layers, plus the compilation, driver and emit helpers they share.
using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using System.Text;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using ModelGen.Generator;

namespace ModelGen.GeneratorBenchmarks;

/// <summary>Model sources and the Roslyn plumbing shared by the benchmarks.</summary>
public static class Models
{
    /// <summary>The tutorial CNN of samples/MnistCnn: the text the generator's snapshot tests use (linked from the test project).</summary>
    public const string Cnn = ModelGen.Generator.Tests.TutorialModels.Cnn;

    /// <summary>
    /// VGG-16 (configuration D of Simonyan and Zisserman), named as Keras names it: 224x224x3 input, 13 Conv2D 3x3 SAME
    /// ReLU layers 64,64,M,128,128,M,256x3,M,512x3,M,512x3,M, Flatten, Dense 4096, 4096, 1000: 138,357,544 parameters.
    /// Batch size 1 keeps the activation arena (about 15M floats per sample) under the generator's limit.
    /// </summary>
    public static readonly string Vgg16 = BuildVgg16();

    /// <summary>
    /// <paramref name="layers"/> Dense layers, 64 -> 64 ReLU each and a last one of 10 units, under softmax cross
    /// entropy: a model whose emitted code should grow by a constant amount per layer.
    /// </summary>
    public static string DenseStack(int layers)
    {
        if (layers < 1) throw new ArgumentOutOfRangeException(nameof(layers), layers, "A dense stack needs at least one layer.");
        var source = new StringBuilder("using ModelGen;\n\nnamespace Samples;\n\n[Model(BatchSize = 32, Seed = 1)]\n[Input(64)]\n");
        for (int i = 1; i < layers; i++) source.Append($"[Dense(64, Activation = Activation.Relu, Name = \"dense{i}\")]\n");
        source.Append("[Dense(10, Name = \"logits\")]\n[SoftmaxCrossEntropy]\n");
        source.Append($"public partial class Dense{layers};\n");
        return source.ToString();
    }

    private static string BuildVgg16()
    {
        var source = new StringBuilder("using ModelGen;\n\nnamespace Samples;\n\n[Model(BatchSize = 1, Seed = 1)]\n[Input(224, 224, 3)]\n");
        int[][] blocks = { new[] { 64, 64 }, new[] { 128, 128 }, new[] { 256, 256, 256 }, new[] { 512, 512, 512 }, new[] { 512, 512, 512 } };
        for (int b = 0; b < blocks.Length; b++)
        {
            for (int c = 0; c < blocks[b].Length; c++)
            {
                source.Append($"[Conv2D(3, 3, {blocks[b][c]}, Padding = Padding.Same, Activation = Activation.Relu, Name = \"block{b + 1}_conv{c + 1}\")]\n");
            }
            source.Append($"[MaxPool2D(2, Name = \"block{b + 1}_pool\")]\n");
        }
        source.Append("[Flatten]\n");
        source.Append("[Dense(4096, Activation = Activation.Relu, Name = \"fc1\")]\n");
        source.Append("[Dense(4096, Activation = Activation.Relu, Name = \"fc2\")]\n");
        source.Append("[Dense(1000, Name = \"predictions\")]\n");
        source.Append("[SoftmaxCrossEntropy]\npublic partial class Vgg16;\n");
        return source.ToString();
    }

    /// <summary>The language version of every tree: the newest, as a net10.0 project gets by default.</summary>
    public static readonly CSharpParseOptions ParseOptions = new(LanguageVersion.Latest);

    private static readonly Lazy<MetadataReference[]> References = new(() =>
    {
        // The running framework's System.* assemblies, then ModelGen.Attributes and ModelGen.Runtime.
        string trusted = (string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!;
        var references = trusted.Split(Path.PathSeparator)
            .Where(p => Path.GetFileName(p) is var f && (f.StartsWith("System.", StringComparison.Ordinal) || f is "mscorlib.dll" or "netstandard.dll"))
            .Select(p => (MetadataReference)MetadataReference.CreateFromFile(p))
            .ToList();
        references.Add(MetadataReference.CreateFromFile(typeof(ModelAttribute).Assembly.Location));
        references.Add(MetadataReference.CreateFromFile(typeof(IModel).Assembly.Location));
        return references.ToArray();
    });

    /// <summary>A fresh compilation of already parsed trees: nothing bound yet.</summary>
    public static CSharpCompilation Compilation(IEnumerable<SyntaxTree> trees, OptimizationLevel optimization = OptimizationLevel.Release) =>
        CSharpCompilation.Create(
            "Consumer",
            trees,
            References.Value,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, optimizationLevel: optimization,
                nullableContextOptions: NullableContextOptions.Enable, allowUnsafe: false));

    /// <summary>Parses a model source with <see cref="ParseOptions"/>.</summary>
    public static SyntaxTree Parse(string source) => CSharpSyntaxTree.ParseText(source, ParseOptions, path: "Model.cs");

    /// <summary>Runs a new generator driver (no cached state) over <paramref name="compilation"/>.</summary>
    public static GeneratorDriverRunResult Generate(Compilation compilation) => CSharpGeneratorDriver
        .Create(new[] { new ModelGenerator().AsSourceGenerator() }, parseOptions: ParseOptions)
        .RunGenerators(compilation)
        .GetRunResult();

    /// <summary>The generated trees of one model source; throws when the generator reports anything or adds nothing.</summary>
    public static ImmutableArray<SyntaxTree> GeneratedTrees(string source)
    {
        GeneratorDriverRunResult result = Generate(Compilation(new[] { Parse(source) }));
        if (result.Diagnostics.Length > 0 || result.GeneratedTrees.Length != 1)
        {
            throw new InvalidOperationException($"The generator produced {result.GeneratedTrees.Length} files and these diagnostics: "
                + string.Join("; ", result.Diagnostics));
        }
        return result.GeneratedTrees;
    }

    /// <summary>Emits the assembly to memory; throws with the first errors when the compilation fails.</summary>
    public static long Emit(Compilation compilation)
    {
        using var stream = new MemoryStream();
        var emitted = compilation.Emit(stream);
        if (!emitted.Success)
        {
            throw new InvalidOperationException("The emitted code does not compile: "
                + string.Join("; ", emitted.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error).Take(5)));
        }
        return stream.Length;
    }
}
