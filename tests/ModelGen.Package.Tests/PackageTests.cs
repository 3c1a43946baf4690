// The package as a user gets it: pack src/ModelGen into a local folder feed, create a fresh console project that
// references it (from that feed, with its own empty package cache so a stale ModelGen is never used), declare a model,
// build and run it; then a shape error must fail the build with its MG id.
using System;
using System.IO;
using System.IO.Compression;
using System.Linq;

namespace ModelGen.Package.Tests;

public sealed class PackageTests : IDisposable
{
#if DEBUG
    private const string Configuration = "Debug";
#else
    private const string Configuration = "Release";
#endif
    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(3);

    private readonly string _root = Path.Combine(Path.GetTempPath(), "modelgen-package-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        try { Directory.Delete(_root, recursive: true); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }

    private const string ValidModel = """
        using System;
        using App;
        using ModelGen;

        var model = new Tiny();
        float[] input = { 0.5f, -1f, 2f, 0.25f };
        float[] output = new float[Tiny.OutputLength];
        model.Forward(input, output);
        int best = Array.IndexOf(output, output.Max());
        Console.WriteLine($"outputs={output.Length} parameters={Tiny.ParameterCount} predict-matches-forward={model.Predict(input) == best}");

        namespace App
        {
            [Model(BatchSize = 2, Seed = 1)]
            [Input(4)]
            [Dense(8, Activation = Activation.Relu, Name = "hidden")]
            [Dense(3, Name = "logits")]
            [SoftmaxCrossEntropy]
            internal sealed partial class Tiny;
        }
        """;

    private const string ShapeErrorModel = """
        using ModelGen;

        System.Console.WriteLine("unreachable");

        [Model]
        [Input(4, 4, 2)]
        [Dense(3)]
        public partial class Broken;
        """;

    [Fact]
    public void PackedPackage_BuildsAndRunsAModel_AndFailsTheBuildOnAShapeError()
    {
        string feed = Path.Combine(_root, "feed");
        string app = Path.Combine(_root, "app");
        Directory.CreateDirectory(app);

        CommandResult pack = DotNet.Run(DotNet.RepositoryRoot(), Limit,
            "pack", Path.Combine("src", "ModelGen", "ModelGen.csproj"), "-c", Configuration, "-o", feed, "--disable-build-servers");
        Assert.True(pack.ExitCode == 0, pack.Output);
        string package = Assert.Single(Directory.GetFiles(feed, "ModelGen.*.nupkg"));
        AssertLayout(package);
        string version = Path.GetFileNameWithoutExtension(package).Substring("ModelGen.".Length);

        WriteConsoleProject(app, feed, version, ValidModel);
        CommandResult build = DotNet.Run(app, Limit, "build", "-c", "Release", "--disable-build-servers");
        Assert.True(build.ExitCode == 0, build.Output);
        CommandResult run = DotNet.Run(app, Limit, "run", "-c", "Release", "--no-build");
        Assert.True(run.ExitCode == 0, run.Output);
        Assert.Contains("outputs=3 parameters=67 predict-matches-forward=True", run.Output);

        File.WriteAllText(Path.Combine(app, "Program.cs"), ShapeErrorModel);
        CommandResult broken = DotNet.Run(app, Limit, "build", "-c", "Release", "--no-restore", "--disable-build-servers");
        Assert.NotEqual(0, broken.ExitCode);
        Assert.Contains("error MG0105", broken.Output);
        Assert.Contains("insert [Flatten] before it", broken.Output);
    }

    /// <summary>Attributes and runtime in lib/, generator (with its analyzer) and code fixes in analyzers/, the props in build/.</summary>
    private static void AssertLayout(string package)
    {
        using ZipArchive zip = ZipFile.OpenRead(package);
        var entries = zip.Entries.Select(e => e.FullName).ToHashSet();
        Assert.Contains("lib/net8.0/ModelGen.Attributes.dll", entries);
        Assert.Contains("lib/net8.0/ModelGen.Runtime.dll", entries);
        Assert.Contains("analyzers/dotnet/cs/ModelGen.Generator.dll", entries);
        Assert.Contains("analyzers/dotnet/cs/ModelGen.CodeFixes.dll", entries);
        Assert.Contains("build/ModelGen.props", entries);
        using var props = new StreamReader(zip.GetEntry("build/ModelGen.props")!.Open());
        Assert.Contains("<WarningsAsErrors>$(WarningsAsErrors);CS8785</WarningsAsErrors>", props.ReadToEnd());
        Assert.DoesNotContain(entries, e => e.StartsWith("lib/", StringComparison.Ordinal) && e.EndsWith("ModelGen.dll", StringComparison.Ordinal));
    }

    /// <summary>
    /// A console project as 'dotnet new console' would make it, isolated from the repository's build files, restoring
    /// ModelGen from the local feed and anything else from nuget.org, into a package cache of its own.
    /// </summary>
    private static void WriteConsoleProject(string app, string feed, string version, string program)
    {
        string framework = "net" + Environment.Version.ToString(2);
        File.WriteAllText(Path.Combine(app, "Directory.Build.props"), "<Project />\n");
        File.WriteAllText(Path.Combine(app, "Directory.Build.targets"), "<Project />\n");
        File.WriteAllText(Path.Combine(app, "App.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>{framework}</TargetFramework>
                <Nullable>enable</Nullable>
                <ImplicitUsings>enable</ImplicitUsings>
                <TreatWarningsAsErrors>true</TreatWarningsAsErrors>
                <!-- Every .NET code-analysis rule on: the generated code must not add a single warning. -->
                <AnalysisLevel>latest-all</AnalysisLevel>
                <EnforceCodeStyleInBuild>true</EnforceCodeStyleInBuild>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="ModelGen" Version="{version}" />
              </ItemGroup>
            </Project>
            """);
        File.WriteAllText(Path.Combine(app, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <config>
                <add key="globalPackagesFolder" value="{Path.Combine(app, "packages")}" />
              </config>
              <packageSources>
                <clear />
                <add key="local" value="{feed}" />
                <add key="nuget.org" value="https://api.nuget.org/v3/index.json" />
              </packageSources>
              <packageSourceMapping>
                <packageSource key="local">
                  <package pattern="ModelGen" />
                </packageSource>
                <packageSource key="nuget.org">
                  <package pattern="*" />
                </packageSource>
              </packageSourceMapping>
            </configuration>
            """);
        File.WriteAllText(Path.Combine(app, "Program.cs"), program);
    }
}
