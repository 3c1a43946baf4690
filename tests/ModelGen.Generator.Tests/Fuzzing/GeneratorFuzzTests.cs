// The fixed-seed slice of generator fuzzing that runs with every test command (the long run is tests/ModelGen.Fuzz),
// and the crashes fuzzing found, kept as regression cases.
using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using ModelGen.Generator.Tests.Fuzzing;
using Xunit.Abstractions;

namespace ModelGen.Generator.Tests;

public class GeneratorFuzzTests(ITestOutputHelper output)
{
    private const int Seed = 20261124;
    private const int Cases = 300;
    private static readonly TimeSpan CaseTimeout = TimeSpan.FromSeconds(30);

    private static FuzzVerdict Judge(string source) =>
        GeneratorOracle.Judge(GeneratorHarness.Compile(source), GeneratorHarness.CreateDriver(), CaseTimeout);

    [Fact]
    public void FixedSeedSlice_EveryCaseCompilesOrReportsMgDiagnostics()
    {
        var failures = new StringBuilder();
        var outcomes = new Dictionary<string, int>();
        for (int i = 0; i < Cases; i++)
        {
            FuzzCase fuzzCase = ModelDeclarationFuzzer.Create(Seed, i);
            FuzzVerdict verdict = Judge(fuzzCase.Source);
            outcomes[verdict.Outcome] = outcomes.GetValueOrDefault(verdict.Outcome) + 1;
            if (!verdict.Passed)
                failures.Append($"case {i} (seed {fuzzCase.Seed}): {verdict.Failure}\n{fuzzCase.Source}\n");
        }
        output.WriteLine(string.Join(", ", outcomes.OrderBy(o => o.Key).Select(o => $"{o.Key}: {o.Value}")));
        Assert.True(failures.Length == 0, failures.ToString());
        // The slice is only worth its time if it reaches every stage: some models compile, some are rejected.
        Assert.True(outcomes.GetValueOrDefault("compiled") + outcomes.GetValueOrDefault("compiled with MG warnings") >= Cases / 10, "too few cases reach the emitter");
        Assert.True(outcomes.GetValueOrDefault("MG errors") >= Cases / 10, "too few cases are rejected by the shape checks");
    }

    [Fact]
    public void SameSeed_WritesSameCases()
    {
        for (int i = 0; i < 20; i++)
            Assert.Equal(ModelDeclarationFuzzer.Create(7, i).Source, ModelDeclarationFuzzer.Create(7, i).Source);
        Assert.NotEqual(ModelDeclarationFuzzer.Create(7, 0).Source, ModelDeclarationFuzzer.Create(8, 0).Source);
    }
}
