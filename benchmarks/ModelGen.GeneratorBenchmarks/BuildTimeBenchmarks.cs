// The build-time benchmarks: the generator's time per model, from a new driver each call, and the C# compile time of
// the user's source plus what the generator emitted, emitted to memory.
using System;
using System.Collections.Immutable;
using System.Linq;
using BenchmarkDotNet.Attributes;
using Microsoft.CodeAnalysis;

namespace ModelGen.GeneratorBenchmarks;

/// <summary>Resolves the <c>Model</c> parameter's name to its source.</summary>
internal static class ModelSources
{
    public static string Get(string model) => model switch
    {
        "Cnn" => Models.Cnn,
        "Vgg16" => Models.Vgg16,
        _ when model.StartsWith("Dense", StringComparison.Ordinal) && int.TryParse(model.AsSpan(5), out int layers) => Models.DenseStack(layers),
        _ => throw new ArgumentException($"Unknown model '{model}': use Cnn, Vgg16 or Dense<layers>.", nameof(model)),
    };
}

/// <summary>
/// The generator's time for one model (issue 7 targets: under 20 ms for the CNN, under 100 ms for VGG-16).
/// <c>Cold</c>: a new compilation of the parsed source and a new driver each call, so the attribute binding the generator
/// needs is paid inside the measurement, as in a build. <c>Warm</c>: a new driver over a compilation that has bound the
/// model's attributes once already: the generator's own work (parse, shapes, plan, emit) only.
/// </summary>
public class GeneratorTime
{
    private SyntaxTree _tree = null!;
    private Compilation _bound = null!;

    /// <summary>The model: the tutorial CNN or VGG-16.</summary>
    [Params("Cnn", "Vgg16")]
    public string Model { get; set; } = "Cnn";

    /// <summary>Parses the model once and checks that it generates one file with no diagnostic.</summary>
    [GlobalSetup]
    public void Setup()
    {
        _tree = Models.Parse(ModelSources.Get(Model));
        _bound = Models.Compilation(new[] { _tree });
        _ = Models.GeneratedTrees(ModelSources.Get(Model));
        _ = Models.Generate(_bound);
    }

    /// <summary>New compilation and new driver: what the first build pays.</summary>
    [Benchmark(Baseline = true)]
    public int Cold() => Models.Generate(Models.Compilation(new[] { _tree })).GeneratedTrees.Length;

    /// <summary>New driver over an already bound compilation.</summary>
    [Benchmark]
    public int Warm() => Models.Generate(_bound).GeneratedTrees.Length;
}

/// <summary>
/// The C# compiler's time to compile the user's model source plus the generated file and emit the assembly to a
/// memory stream (issue 7 target: under 2 s for VGG-16). A new compilation each call; the generated trees are parsed
/// once in setup, so neither parsing nor the generator is measured here.
/// </summary>
public class CompileTime
{
    private ImmutableArray<SyntaxTree> _trees;

    /// <summary>The model: the tutorial CNN or VGG-16.</summary>
    [Params("Cnn", "Vgg16")]
    public string Model { get; set; } = "Cnn";

    /// <summary>Debug is what <c>dotnet build</c> compiles by default; Release what a published build compiles.</summary>
    [Params(OptimizationLevel.Debug, OptimizationLevel.Release)]
    public OptimizationLevel Optimization { get; set; }

    /// <summary>Generates the model's code once.</summary>
    [GlobalSetup]
    public void Setup()
    {
        string source = ModelSources.Get(Model);
        _trees = Models.GeneratedTrees(source).Insert(0, Models.Parse(source));
    }

    /// <summary>Binds, lowers and emits the whole compilation; returns the assembly's size in bytes.</summary>
    [Benchmark]
    public long Emit() => Models.Emit(Models.Compilation(_trees, Optimization));
}

/// <summary>The generator's time on stacks of 4 to 32 dense layers; the <c>Emitted chars</c> column gives the file size.</summary>
public class GeneratorScaling
{
    private SyntaxTree _tree = null!;

    /// <summary>The model: a stack of this many dense layers.</summary>
    [Params("Dense4", "Dense8", "Dense16", "Dense32")]
    public string Model { get; set; } = "Dense4";

    /// <summary>Parses the model once.</summary>
    [GlobalSetup]
    public void Setup() => _tree = Models.Parse(ModelSources.Get(Model));

    /// <summary>New compilation and new driver, as <see cref="GeneratorTime.Cold"/>.</summary>
    [Benchmark]
    public int Cold() => Models.Generate(Models.Compilation(new[] { _tree })).GeneratedTrees.Length;
}
