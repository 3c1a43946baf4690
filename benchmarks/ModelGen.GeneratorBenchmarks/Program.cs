// Runs the build-time benchmarks: `dotnet run -c Release --project benchmarks/ModelGen.GeneratorBenchmarks -- --filter '*' [--quick]`,
// or `-- --sizes` for the emitted-size table alone.
using System;
using System.IO;
using System.Linq;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

namespace ModelGen.GeneratorBenchmarks;

/// <summary>Entry point: BenchmarkDotNet's switcher plus the emitted-size column, a <c>--quick</c> job and <c>--sizes</c>.</summary>
public static class Program
{
    /// <summary>
    /// <c>--sizes</c> prints the emitted-size table and exits (0 when growth is linear). Other arguments pass to
    /// BenchmarkDotNet; <c>--quick</c> replaces the default job by a short in-process one (1 launch, 2 warm-up and 5
    /// measured iterations, no per-benchmark build).
    /// </summary>
    public static int Main(string[] args)
    {
        if (args.Contains("--sizes")) return EmittedSize.PrintTable();

        bool quick = args.Contains("--quick");
        IConfig config = DefaultConfig.Instance
            .AddDiagnoser(MemoryDiagnoser.Default)
            .AddColumn(new EmittedCharsColumn())
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

    // benchmarks/BenchmarkDotNet.Artifacts (ignored by benchmarks/.gitignore), as the runtime benchmarks do: the binary
    // runs from benchmarks/ModelGen.GeneratorBenchmarks/bin/<configuration>/<framework>/.
    private static string ArtifactsPath()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        for (int up = 0; up < 4 && directory.Parent != null; up++) directory = directory.Parent;
        return Path.Combine(directory.FullName, "BenchmarkDotNet.Artifacts");
    }
}
