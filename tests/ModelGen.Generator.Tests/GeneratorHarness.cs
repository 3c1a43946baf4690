// Runs the generator in memory over a source text, with the attributes and runtime referenced, and hands back its
// generated files, the compilation that includes them, and the MG diagnostics a build reports: the analyzer's (parse and
// shapes) and the generator's own (emit failures only).
using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using ModelGen.Generator;
using ModelGen.Generator.Analyzers;

namespace ModelGen.Generator.Tests;

/// <param name="GeneratorDiagnostics">What the generator itself reports: MG0005 emit failures only.</param>
/// <param name="Diagnostics">What a build reports: the analyzer's diagnostics on the output compilation, then the generator's.</param>
internal sealed record GeneratorRun(
    ImmutableArray<Diagnostic> GeneratorDiagnostics,
    ImmutableArray<Diagnostic> Diagnostics,
    ImmutableArray<GeneratedSourceResult> Sources,
    Compilation Output,
    GeneratorDriver Driver)
{
    public string Source(string hintName) => Sources.Single(s => s.HintName == hintName).SourceText.ToString();

    /// <summary>The generated model code, without the throwing shells written for models with MG errors.</summary>
    public IEnumerable<GeneratedSourceResult> ModelSources => Sources.Where(s => !GeneratorHarness.IsShell(s));

    /// <summary>Errors and warnings of the compilation with the generated code, excluding the generator's own.</summary>
    public IEnumerable<Diagnostic> CompilationProblems() =>
        Output.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning);
}

internal static class GeneratorHarness
{
    /// <summary>Whether a generated file is the shell of a model with MG errors (members that throw, no model code).</summary>
    public static bool IsShell(GeneratedSourceResult source) => source.SourceText.ToString().Contains("ModelGen could not generate");

    private static readonly Lazy<MetadataReference[]> References = new(() =>
    {
        string trusted = (string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!;
        var references = trusted.Split(Path.PathSeparator)
            .Where(p => Path.GetFileName(p) is var f && (f.StartsWith("System.", StringComparison.Ordinal) || f is "mscorlib.dll" or "netstandard.dll"))
            .Select(p => (MetadataReference)MetadataReference.CreateFromFile(p))
            .ToList();
        references.Add(MetadataReference.CreateFromFile(typeof(ModelGen.ModelAttribute).Assembly.Location));
        references.Add(MetadataReference.CreateFromFile(typeof(ModelGen.IModel).Assembly.Location));
        return references.ToArray();
    });

    public static CSharpCompilation Compile(params string[] sources) => CSharpCompilation.Create(
        "TestModels",
        sources.Select((s, i) => CSharpSyntaxTree.ParseText(s, new CSharpParseOptions(LanguageVersion.Latest), path: $"Model{i}.cs")),
        References.Value,
        new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));

    public static GeneratorDriver CreateDriver(IEnumerable<AdditionalText>? additionalFiles = null) => CSharpGeneratorDriver.Create(
        new[] { new ModelGenerator().AsSourceGenerator() },
        additionalTexts: additionalFiles,
        parseOptions: new CSharpParseOptions(LanguageVersion.Latest),
        driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: true));

    public static GeneratorRun Run(params string[] sources) => RunWithFiles(ImmutableArray<AdditionalText>.Empty, sources);

    /// <summary>Runs generator and analyzer with these AdditionalFiles (the [Weights] files).</summary>
    public static GeneratorRun RunWithFiles(ImmutableArray<AdditionalText> additionalFiles, params string[] sources)
    {
        GeneratorDriver driver = CreateDriver(additionalFiles).RunGeneratorsAndUpdateCompilation(Compile(sources), out Compilation output, out ImmutableArray<Diagnostic> diagnostics);
        GeneratorRunResult result = driver.GetRunResult().Results.Single();
        Assert.Null(result.Exception);
        ImmutableArray<Diagnostic> all = Analyze(output, additionalFiles).AddRange(diagnostics);
        return new GeneratorRun(diagnostics, all, result.GeneratedSources, output, driver);
    }

    /// <summary>The ModelGen analyzer's diagnostics on a compilation, as a build or the IDE reports them.</summary>
    public static ImmutableArray<Diagnostic> Analyze(Compilation compilation, ImmutableArray<AdditionalText> additionalFiles = default) => compilation
        .WithAnalyzers(ImmutableArray.Create<DiagnosticAnalyzer>(new ModelAnalyzer()), new AnalyzerOptions(additionalFiles.IsDefault ? ImmutableArray<AdditionalText>.Empty : additionalFiles))
        .GetAnalyzerDiagnosticsAsync().GetAwaiter().GetResult();

    /// <summary>The 1-based line and column where <paramref name="snippet"/> first occurs in <paramref name="source"/>.</summary>
    public static (int Line, int Column) At(string source, string snippet)
    {
        int index = source.IndexOf(snippet, StringComparison.Ordinal);
        Assert.True(index >= 0, $"'{snippet}' is not in the source");
        int line = 1, column = 1;
        for (int i = 0; i < index; i++)
        {
            if (source[i] == '\n') { line++; column = 1; }
            else column++;
        }
        return (line, column);
    }

    public static (int Line, int Column) Position(Diagnostic diagnostic)
    {
        var span = diagnostic.Location.GetLineSpan().StartLinePosition;
        return (span.Line + 1, span.Character + 1);
    }
}
