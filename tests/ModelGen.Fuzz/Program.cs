// The long generator-fuzzing run: N random model declarations from a seed, each judged like the test slice; prints the
// rate, the outcomes and every failure with the seed that rebuilds it. Exit code 1 when any case failed.
using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using ModelGen.Generator;
using ModelGen.Generator.Tests.Fuzzing;

namespace ModelGen.Fuzz;

internal static class Program
{
    private static int Main(string[] args)
    {
        if (args.Any(a => a is "-h" or "--help"))
        {
            Console.WriteLine("usage: ModelGen.Fuzz [seed=1] [cases=10000] [timeout-seconds=30] [first-case=0]");
            return 0;
        }
        int seed = Arg(args, 0, 1), cases = Arg(args, 1, 10_000), timeout = Arg(args, 2, 30), first = Arg(args, 3, 0);
        MetadataReference[] references = References();
        var parse = new CSharpParseOptions(LanguageVersion.Latest);
        var outcomes = new SortedDictionary<string, int>(StringComparer.Ordinal);
        int failures = 0;
        TimeSpan slowest = TimeSpan.Zero;
        var watch = Stopwatch.StartNew();
        Console.WriteLine($"ModelGen generator fuzzing: seed {seed}, cases {first}..{first + cases - 1}, {timeout} s per case");

        for (int i = first; i < first + cases; i++)
        {
            FuzzCase fuzzCase = ModelDeclarationFuzzer.Create(seed, i);
            var compilation = CSharpCompilation.Create("FuzzModels",
                new[] { CSharpSyntaxTree.ParseText(fuzzCase.Source, parse, path: "Model0.cs") }, references,
                new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));
            GeneratorDriver driver = CSharpGeneratorDriver.Create(new[] { new ModelGenerator().AsSourceGenerator() }, parseOptions: parse);
            FuzzVerdict verdict = GeneratorOracle.Judge(compilation, driver, TimeSpan.FromSeconds(timeout));
            outcomes[verdict.Outcome] = outcomes.GetValueOrDefault(verdict.Outcome) + 1;
            if (verdict.Elapsed > slowest) slowest = verdict.Elapsed;
            if (!verdict.Passed)
            {
                failures++;
                Console.WriteLine($"FAIL case {i} (case seed {fuzzCase.Seed}): {verdict.Failure}\n{fuzzCase.Source}");
            }
            if ((i - first + 1) % 1000 == 0) Report(i - first + 1, failures, watch.Elapsed, slowest, outcomes);
        }
        Report(cases, failures, watch.Elapsed, slowest, outcomes);
        return failures == 0 ? 0 : 1;
    }

    private static void Report(int done, int failures, TimeSpan elapsed, TimeSpan slowest, SortedDictionary<string, int> outcomes) =>
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{done} cases in {elapsed.TotalSeconds:0.0} s ({done / elapsed.TotalSeconds:0.0} cases/s), {failures} failures, slowest case {slowest.TotalMilliseconds:0} ms; ")
            + string.Join(", ", outcomes.Select(o => $"{o.Key}: {o.Value}")));

    private static int Arg(string[] args, int index, int fallback) =>
        index < args.Length ? int.Parse(args[index], CultureInfo.InvariantCulture) : fallback;

    /// <summary>The framework's System.* assemblies plus the attributes and the runtime, as the generator tests use.</summary>
    private static MetadataReference[] References()
    {
        string trusted = (string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!;
        var references = trusted.Split(Path.PathSeparator)
            .Where(p => Path.GetFileName(p) is var f && (f.StartsWith("System.", StringComparison.Ordinal) || f is "mscorlib.dll" or "netstandard.dll"))
            .Select(p => (MetadataReference)MetadataReference.CreateFromFile(p))
            .ToList();
        references.Add(MetadataReference.CreateFromFile(typeof(ModelGen.ModelAttribute).Assembly.Location));
        references.Add(MetadataReference.CreateFromFile(typeof(ModelGen.IModel).Assembly.Location));
        return references.ToArray();
    }
}
