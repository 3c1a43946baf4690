// Judges one fuzz case: runs the generator on it, bounded in time, and checks that it ended in one of the allowed ways:
// generated code that compiles with no warning, or MG diagnostics (plus compiler errors for malformed C#). Never an
// exception, MG0005, CS8785, a hang, or generated code for a model over the size limits.
using System;
using System.Collections.Immutable;
using System.Linq;
using System.Text.RegularExpressions;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace ModelGen.Generator.Tests.Fuzzing;

/// <summary>How a case ended: which allowed outcome, or the failure that breaks the contract (null when none).</summary>
internal sealed record FuzzVerdict(string Outcome, string? Failure, TimeSpan Elapsed)
{
    public bool Passed => Failure is null;
}

internal static class GeneratorOracle
{
    /// <summary>The generator's documented size limits (ShapeInference.MaxParameters, MaxActivations): above them, MG0108.</summary>
    public const long MaxParameters = 500_000_000;

    /// <summary>Generated source larger than this means the emitter unrolled something it should not have.</summary>
    public const int MaxSourceChars = 2_000_000;

    private static readonly Regex ParameterCount = new(@"public const int ParameterCount = (\d+);", RegexOptions.CultureInvariant);

    /// <summary>
    /// Runs <paramref name="driver"/> over <paramref name="input"/> on a worker, waiting at most <paramref name="timeout"/>,
    /// then judges the result. A hang is reported (and the worker cancelled), never waited out.
    /// </summary>
    public static FuzzVerdict Judge(Compilation input, GeneratorDriver driver, TimeSpan timeout)
    {
        var watch = System.Diagnostics.Stopwatch.StartNew();
        using var cancel = new CancellationTokenSource();
        Task<(GeneratorRunResult Result, Compilation Output, ImmutableArray<Diagnostic> Diagnostics)> run = Task.Run(() =>
        {
            GeneratorDriver done = driver.RunGeneratorsAndUpdateCompilation(input, out Compilation output, out ImmutableArray<Diagnostic> diagnostics, cancel.Token);
            return (done.GetRunResult().Results.Single(), output, diagnostics);
        });
        if (!run.Wait(timeout))
        {
            cancel.Cancel();
            return new FuzzVerdict("hang", $"the generator did not finish within {timeout.TotalSeconds:0} s", watch.Elapsed);
        }
        var (result, outputCompilation, driverDiagnostics) = run.Result;
        string? failure = Check(input, result, outputCompilation, driverDiagnostics, out string outcome);
        return new FuzzVerdict(outcome, failure, watch.Elapsed);
    }

    private static string? Check(Compilation input, GeneratorRunResult result, Compilation output, ImmutableArray<Diagnostic> driverDiagnostics, out string outcome)
    {
        outcome = "failure";
        if (result.Exception is { } exception)
            return "the generator threw " + exception.GetType().Name + ": " + exception.Message;
        if (driverDiagnostics.FirstOrDefault(d => d.Id == "CS8785") is { } cs8785)
            return "CS8785: " + cs8785.GetMessage();
        // What a build reports: the analyzer's diagnostics (parse, shapes, weights) and the generator's own (emit).
        ImmutableArray<Diagnostic> generator = result.Diagnostics.AddRange(output
            .WithAnalyzers(ImmutableArray.Create<DiagnosticAnalyzer>(new ModelGen.Generator.Analyzers.ModelAnalyzer()))
            .GetAnalyzerDiagnosticsAsync().GetAwaiter().GetResult());
        if (generator.FirstOrDefault(d => d.Id == "AD0001") is { } analyzerCrash)
            return "the analyzer threw: " + analyzerCrash.GetMessage();
        if (generator.FirstOrDefault(d => d.Id == "MG0005") is { } internalError)
            return "MG0005 internal error: " + internalError.GetMessage();
        if (generator.FirstOrDefault(d => !d.Id.StartsWith("MG", StringComparison.Ordinal)) is { } foreign)
            return "the generator reported a non-MG diagnostic " + foreign.Id + ": " + foreign.GetMessage();

        bool malformed = input.GetDiagnostics().Any(d => d.Severity == DiagnosticSeverity.Error);
        bool mgErrors = generator.Any(d => d.Severity == DiagnosticSeverity.Error);

        foreach (GeneratedSourceResult source in result.GeneratedSources)
        {
            string text = source.SourceText.ToString();
            // A model with MG errors gets a shell of throwing members (no cascade of missing-member errors), never model code.
            if (text.Contains("ModelGen could not generate"))
            {
                if (!mgErrors) return $"{source.HintName} is a shell although no MG error was reported";
                continue;
            }
            if (text.Length > MaxSourceChars)
                return $"{source.HintName} is {text.Length} characters, over {MaxSourceChars}";
            if (mgErrors)
                return $"{source.HintName} was generated although the generator reported an error ({generator.First(d => d.Severity == DiagnosticSeverity.Error).Id})";
            Match count = ParameterCount.Match(text);
            if (count.Success && long.Parse(count.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) > MaxParameters)
                return $"{source.HintName} has {count.Groups[1].Value} parameters, over the limit of {MaxParameters}, without MG0108";
        }

        if (malformed)
        {
            outcome = generator.IsEmpty ? "compiler errors" : "compiler errors and MG diagnostics";
            return null;
        }
        if (mgErrors)
        {
            // Valid C# whose model has MG errors: apart from them, the build is clean (the shell compiles).
            Diagnostic? cascade = output.GetDiagnostics().FirstOrDefault(d => d.Severity == DiagnosticSeverity.Error);
            if (cascade is not null)
                return $"MG errors, and the compilation also reports {cascade.Id}: {cascade.GetMessage()}";
            outcome = "MG errors";
            return null;
        }
        if (result.GeneratedSources.IsEmpty)
        {
            // Valid C# with no [Model] in it: nothing to generate is correct.
            outcome = "no model";
            return HasModelAttribute(input) ? "a [Model] class with no MG error produced no source" : null;
        }

        // Generated code for a valid declaration: it must compile with no warning (MG warnings aside).
        Diagnostic? problem = output.GetDiagnostics().FirstOrDefault(d => d.Severity >= DiagnosticSeverity.Warning);
        if (problem is not null)
            return $"the generated code does not compile cleanly: {problem.Id} at {problem.Location.GetLineSpan()}: {problem.GetMessage()}";
        outcome = generator.IsEmpty ? "compiled" : "compiled with MG warnings";
        return null;
    }

    private static bool HasModelAttribute(Compilation input) =>
        input.SyntaxTrees.Any(t => Regex.IsMatch(t.ToString(), @"\[Model[\](]"));
}
