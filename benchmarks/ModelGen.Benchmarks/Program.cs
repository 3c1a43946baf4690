// Runs the benchmarks: `dotnet run -c Release --project benchmarks/ModelGen.Benchmarks -- --filter '*' [--quick]`.
using System;
using System.IO;
using System.Linq;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

namespace ModelGen.Benchmarks;

/// <summary>Entry point: BenchmarkDotNet's switcher plus the throughput columns and a <c>--quick</c> job.</summary>
public static class Program
{
    /// <summary>
    /// All BenchmarkDotNet arguments pass through. <c>--quick</c> replaces the default job by a short in-process one
    /// (1 launch, 2 warm-up and 5 measured iterations, no per-benchmark build): figures for a shared machine in minutes.
    /// </summary>
    public static int Main(string[] args)
    {
        bool quick = args.Contains("--quick");
        IConfig config = DefaultConfig.Instance
            .AddDiagnoser(MemoryDiagnoser.Default)
            .AddColumn(new SamplesPerSecondColumn(), new GflopsColumn(), new PeakShareColumn(), new BandwidthColumn())
            .WithArtifactsPath(ArtifactsPath());
        if (quick)
        {
            config = config.AddJob(Job.Default.WithLaunchCount(1).WithWarmupCount(2).WithIterationCount(5)
                .WithToolchain(InProcessEmitToolchain.Instance).WithId("Quick"));
        }
        Console.WriteLine($"// Results go to {config.ArtifactsPath}");
        var summaries = BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args.Where(a => a != "--quick").ToArray(), config);
        return summaries.Any(s => s.HasCriticalValidationErrors || s.Reports.Any(r => !r.Success)) ? 1 : 0;
    }

    // benchmarks/BenchmarkDotNet.Artifacts (ignored by benchmarks/.gitignore) rather than the working directory:
    // the binary runs from benchmarks/ModelGen.Benchmarks/bin/<configuration>/<framework>/.
    private static string ArtifactsPath()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        for (int up = 0; up < 4 && directory.Parent != null; up++) directory = directory.Parent;
        return Path.Combine(directory.FullName, "BenchmarkDotNet.Artifacts");
    }
}
