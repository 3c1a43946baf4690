// Builds a consumer's project in memory the strictest way a user can configure it: every warning an error, the highest
// warning level, a chosen C# version and nullable context, no unsafe code; then reports every problem of the output.
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace ModelGen.Generator.Tests.Consumer;

/// <param name="Generated">The hint names the generator added.</param>
/// <param name="Problems">Every compiler diagnostic of warning severity or above (with all warnings as errors: every
/// warning) in the user's and the generated code, then the generator's and the ModelGen analyzer's diagnostics.</param>
internal sealed record ConsumerResult(ImmutableArray<string> Generated, ImmutableArray<Diagnostic> Problems)
{
    /// <summary>The problems one per line with file and position, for assertion messages.</summary>
    public string Describe() => string.Join("\n", Problems.Select(d => d.ToString()));
}

internal static class ConsumerBuild
{
    /// <summary>
    /// Compiles <paramref name="source"/> with the generator as a project with
    /// <c>&lt;TreatWarningsAsErrors&gt;</c> (<see cref="ReportDiagnostic.Error"/>), <c>&lt;WarningLevel&gt;9999</c>,
    /// <c>&lt;LangVersion&gt;</c> <paramref name="version"/>, <c>&lt;Nullable&gt;</c> <paramref name="nullable"/> and
    /// no <c>&lt;AllowUnsafeBlocks&gt;</c>. The generated trees are parsed with the same language version.
    /// </summary>
    public static ConsumerResult Build(string source, LanguageVersion version = LanguageVersion.Latest,
        NullableContextOptions nullable = NullableContextOptions.Enable)
    {
        var parseOptions = new CSharpParseOptions(version);
        var options = new CSharpCompilationOptions(
            OutputKind.DynamicallyLinkedLibrary,
            nullableContextOptions: nullable,
            generalDiagnosticOption: ReportDiagnostic.Error,
            warningLevel: 9999,
            allowUnsafe: false);
        // The harness's reference set (runtime facades, ModelGen.Attributes, ModelGen.Runtime) without its sources.
        IEnumerable<MetadataReference> references = GeneratorHarness.Compile().References;
        CSharpCompilation compilation = CSharpCompilation.Create(
            "Consumer",
            new[] { CSharpSyntaxTree.ParseText(source, parseOptions, path: "Consumer.cs") },
            references,
            options);

        GeneratorDriver driver = CSharpGeneratorDriver
            .Create(new[] { new ModelGenerator().AsSourceGenerator() }, parseOptions: parseOptions)
            .RunGeneratorsAndUpdateCompilation(compilation, out Compilation output, out ImmutableArray<Diagnostic> generatorDiagnostics);
        GeneratorRunResult result = driver.GetRunResult().Results.Single();
        Assert.Null(result.Exception);

        ImmutableArray<Diagnostic> problems = output.GetDiagnostics()
            .Where(d => d.Severity >= DiagnosticSeverity.Warning)
            .Concat(generatorDiagnostics)
            .Concat(GeneratorHarness.Analyze(output))
            .ToImmutableArray();
        return new ConsumerResult(result.GeneratedSources.Select(s => s.HintName).ToImmutableArray(), problems);
    }
}
