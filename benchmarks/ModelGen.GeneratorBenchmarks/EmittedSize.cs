// How big the emitted file is: a BenchmarkDotNet column for any benchmark with a Model parameter, and the
// `--sizes` table of characters against dense layer count with the growth per added layer.
using System;
using System.Collections.Concurrent;
using System.Linq;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace ModelGen.GeneratorBenchmarks;

/// <summary>Characters and lines of the file the generator emits for a model.</summary>
public static class EmittedSize
{
    private static readonly ConcurrentDictionary<string, (int Characters, int Lines)> Cache = new();

    /// <summary>Generates <paramref name="model"/> (see <see cref="ModelSources"/>) once and measures its file.</summary>
    public static (int Characters, int Lines) Of(string model) => Cache.GetOrAdd(model, static m =>
    {
        string text = Models.GeneratedTrees(ModelSources.Get(m)).Single().GetText().ToString();
        return (text.Length, text.Count(c => c == '\n'));
    });

    /// <summary>
    /// Prints characters and lines for 4, 8, 16 and 32 dense layers, the growth per added layer between neighbours and
    /// the CNN and VGG-16 sizes. Linear growth shows as a constant per-layer increment. Returns 1 when the increments
    /// differ by more than 5 %, so a script can check it.
    /// </summary>
    public static int PrintTable()
    {
        int[] counts = { 4, 8, 16, 32 };
        Console.WriteLine("| dense layers | emitted characters | lines | characters per added layer |");
        Console.WriteLine("|---|---|---|---|");
        double? first = null, lowest = double.MaxValue, highest = 0;
        for (int i = 0; i < counts.Length; i++)
        {
            var (chars, lines) = Of("Dense" + counts[i]);
            string increment = "-";
            if (i > 0)
            {
                double perLayer = (chars - Of("Dense" + counts[i - 1]).Characters) / (double)(counts[i] - counts[i - 1]);
                first ??= perLayer;
                lowest = Math.Min(lowest.Value, perLayer);
                highest = Math.Max(highest.Value, perLayer);
                increment = perLayer.ToString("N0");
            }
            Console.WriteLine($"| {counts[i]} | {chars:N0} | {lines:N0} | {increment} |");
        }
        foreach (string model in new[] { "Cnn", "Vgg16" })
        {
            var (chars, lines) = Of(model);
            Console.WriteLine($"{model}: {chars:N0} characters, {lines:N0} lines");
        }
        double spread = (highest!.Value - lowest!.Value) / lowest.Value;
        Console.WriteLine($"Per-layer increments within {spread:P1} of each other: {(spread <= 0.05 ? "linear" : "NOT linear")}.");
        return spread <= 0.05 ? 0 : 1;
    }
}

/// <summary>The <c>Emitted chars</c> column: the size of the file generated for the row's <c>Model</c> parameter.</summary>
public sealed class EmittedCharsColumn : IColumn
{
    /// <inheritdoc/>
    public string Id => nameof(EmittedCharsColumn);
    /// <inheritdoc/>
    public string ColumnName => "Emitted chars";
    /// <inheritdoc/>
    public string Legend => "Characters of the generated file for this model";
    /// <inheritdoc/>
    public bool AlwaysShow => true;
    /// <inheritdoc/>
    public ColumnCategory Category => ColumnCategory.Custom;
    /// <inheritdoc/>
    public int PriorityInCategory => 0;
    /// <inheritdoc/>
    public bool IsNumeric => true;
    /// <inheritdoc/>
    public UnitType UnitType => UnitType.Dimensionless;
    /// <inheritdoc/>
    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;
    /// <inheritdoc/>
    public bool IsAvailable(Summary summary) => true;
    /// <inheritdoc/>
    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) =>
        benchmarkCase.Parameters.Items.FirstOrDefault(p => p.Name == "Model")?.Value is string model
            ? EmittedSize.Of(model).Characters.ToString("N0")
            : "-";
    /// <inheritdoc/>
    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style) => GetValue(summary, benchmarkCase);
}
