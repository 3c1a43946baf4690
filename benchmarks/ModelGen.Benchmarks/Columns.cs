// Throughput columns: samples/s and achieved GFLOP/s from each benchmark's mean time, the share of the FMA peak
// measured in the same run, and GB/s for the benchmarks that only read memory.
using System;
using System.Linq;
using System.Reflection;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace ModelGen.Benchmarks;

/// <summary>FLOPs per sample of a model workload (multiply-adds x 2, conv and dense only, as in issue 6).</summary>
[AttributeUsage(AttributeTargets.Class)]
public sealed class FlopsPerSampleAttribute(double flops) : Attribute
{
    /// <summary>FLOPs per sample.</summary>
    public double Flops { get; } = flops;
}

/// <summary>FLOPs of one call of a kernel benchmark.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class FlopsAttribute(double flops) : Attribute
{
    /// <summary>FLOPs per call.</summary>
    public double Flops { get; } = flops;
}

/// <summary>Bytes one call of a memory-read benchmark reads.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class BytesAttribute(double bytes) : Attribute
{
    /// <summary>Bytes per call.</summary>
    public double Bytes { get; } = bytes;
}

/// <summary>The work of one benchmark call: samples (the <c>Batch</c> parameter, else 1) and FLOPs.</summary>
internal static class Work
{
    public static int Samples(BenchmarkCase c) =>
        c.Parameters.Items.FirstOrDefault(p => p.Name == "Batch")?.Value is int batch ? batch : 1;

    public static double? Flops(BenchmarkCase c)
    {
        var perCall = c.Descriptor.WorkloadMethod.GetCustomAttribute<FlopsAttribute>();
        if (perCall != null) return perCall.Flops;
        var perSample = c.Descriptor.Type.GetCustomAttribute<FlopsPerSampleAttribute>();
        return perSample == null ? null : perSample.Flops * Samples(c);
    }

    /// <summary>Mean nanoseconds per call, or null when the benchmark did not run.</summary>
    public static double? MeanNs(Summary s, BenchmarkCase c) => s[c]?.ResultStatistics?.Mean;

    public static double? Gflops(Summary s, BenchmarkCase c) =>
        Flops(c) is double f && MeanNs(s, c) is double ns && ns > 0 ? f / ns : null;
}

/// <summary>Base for the read-only numeric columns below.</summary>
public abstract class WorkColumn : IColumn
{
    /// <inheritdoc/>
    public abstract string Id { get; }
    /// <inheritdoc/>
    public abstract string ColumnName { get; }
    /// <inheritdoc/>
    public abstract string Legend { get; }
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
    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => Value(summary, benchmarkCase) ?? "-";
    /// <inheritdoc/>
    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style) => GetValue(summary, benchmarkCase);
    /// <summary>The cell, or null when it does not apply.</summary>
    protected abstract string? Value(Summary summary, BenchmarkCase benchmarkCase);
}

/// <summary>Samples per second for model workloads.</summary>
public sealed class SamplesPerSecondColumn : WorkColumn
{
    /// <inheritdoc/>
    public override string Id => nameof(SamplesPerSecondColumn);
    /// <inheritdoc/>
    public override string ColumnName => "samples/s";
    /// <inheritdoc/>
    public override string Legend => "Samples per second: Batch / Mean";
    /// <inheritdoc/>
    protected override string? Value(Summary summary, BenchmarkCase c) =>
        c.Descriptor.Type.GetCustomAttribute<FlopsPerSampleAttribute>() != null && Work.MeanNs(summary, c) is double ns
            ? (Work.Samples(c) * 1e9 / ns).ToString("N0")
            : null;
}

/// <summary>Achieved GFLOP/s.</summary>
public sealed class GflopsColumn : WorkColumn
{
    /// <inheritdoc/>
    public override string Id => nameof(GflopsColumn);
    /// <inheritdoc/>
    public override string ColumnName => "GFLOP/s";
    /// <inheritdoc/>
    public override string Legend => "Achieved GFLOP/s (conv and dense multiply-adds x 2) / Mean";
    /// <inheritdoc/>
    protected override string? Value(Summary summary, BenchmarkCase c) => Work.Gflops(summary, c)?.ToString("F1");
}

/// <summary>Achieved GFLOP/s as a share of the <c>FmaPeak</c> benchmark measured in the same summary.</summary>
public sealed class PeakShareColumn : WorkColumn
{
    /// <summary>The name of the peak-measuring benchmark method.</summary>
    public const string PeakMethod = "FmaPeak";
    /// <inheritdoc/>
    public override string Id => nameof(PeakShareColumn);
    /// <inheritdoc/>
    public override string ColumnName => "% peak";
    /// <inheritdoc/>
    public override string Legend => "GFLOP/s over the FmaPeak benchmark's GFLOP/s in the same run";
    /// <inheritdoc/>
    protected override string? Value(Summary summary, BenchmarkCase c)
    {
        BenchmarkCase? peak = summary.BenchmarksCases.FirstOrDefault(b => b.Descriptor.WorkloadMethod.Name == PeakMethod);
        return peak != null && Work.Gflops(summary, peak) is double p && Work.Gflops(summary, c) is double g
            ? (100 * g / p).ToString("F0") + " %"
            : null;
    }
}

/// <summary>Bytes read per second by the benchmarks that carry <see cref="BytesAttribute"/>.</summary>
public sealed class BandwidthColumn : WorkColumn
{
    /// <inheritdoc/>
    public override string Id => nameof(BandwidthColumn);
    /// <inheritdoc/>
    public override string ColumnName => "GB/s";
    /// <inheritdoc/>
    public override string Legend => "Bytes read / Mean, in 10^9 bytes per second";
    /// <inheritdoc/>
    protected override string? Value(Summary summary, BenchmarkCase c) =>
        c.Descriptor.WorkloadMethod.GetCustomAttribute<BytesAttribute>() is { } read && Work.MeanNs(summary, c) is double ns && ns > 0
            ? (read.Bytes / ns).ToString("F1")
            : null;
}
