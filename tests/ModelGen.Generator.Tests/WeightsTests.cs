// [Weights] at compile time: the file's names and shapes are checked against the model; a missing, broken or
// mismatched file is an MG error on the attribute, never a crash of the compiler.
using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Text;

namespace ModelGen.Generator.Tests;

public sealed class WeightsTests : IDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("modelgen-weights-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    private const string Source = """
        using ModelGen;
        [Model]
        [Weights("net.safetensors")]
        [Input(4)]
        [Dense(3, Name = "hidden")]
        [Dense(2, Name = "out")]
        public partial class Net;
        """;

    private sealed class FileText(string path) : AdditionalText
    {
        public override string Path => path;
        public override SourceText GetText(CancellationToken cancellationToken = default) => SourceText.From("", Encoding.UTF8);
    }

    /// <summary>Writes a safetensors file of F32 zeros for the given tensors, following the format description.</summary>
    private string Write(string name, params (string Name, long[] Shape)[] tensors)
    {
        var header = new StringBuilder("{");
        long offset = 0;
        foreach (var (tensorName, shape) in tensors)
        {
            long bytes = 4 * shape.Aggregate(1L, (a, d) => a * d);
            header.Append($"\"{tensorName}\":{{\"dtype\":\"F32\",\"shape\":[{string.Join(",", shape)}],\"data_offsets\":[{offset},{offset + bytes}]}},");
            offset += bytes;
        }
        header.Length--;
        header.Append('}');
        byte[] json = Encoding.UTF8.GetBytes(header.ToString());
        string path = Path.Combine(folder, name);
        using var stream = File.Create(path);
        stream.Write(BitConverter.GetBytes((long)json.Length));
        stream.Write(json);
        stream.Write(new byte[offset]);
        return path;
    }

    private static GeneratorRun Run(string source, params string[] files) =>
        GeneratorHarness.RunWithFiles(files.Select(f => (AdditionalText)new FileText(f)).ToImmutableArray(), source);

    private string GoodFile(string name = "net.safetensors") =>
        Write(name, ("hidden/kernel", new long[] { 4, 3 }), ("hidden/bias", new long[] { 3 }), ("out/kernel", new long[] { 3, 2 }), ("out/bias", new long[] { 2 }));

    [Fact]
    public void MatchingFile_EmitsBakedLoad_AndCompiles()
    {
        GeneratorRun run = Run(Source, GoodFile());
        Assert.Empty(run.Diagnostics);
        Assert.Contains("GetManifestResourceStream(\"net.safetensors\")", run.Source("Net.g.cs"));
        Assert.Empty(run.CompilationProblems());
    }

    [Fact]
    public void MissingFile_MG0114OnTheAttribute()
    {
        GeneratorRun run = Run(Source, GoodFile("other.safetensors"));
        Diagnostic d = Assert.Single(run.Diagnostics);
        Assert.Equal("MG0114", d.Id);
        Assert.Equal(GeneratorHarness.At(Source, "Weights("), GeneratorHarness.Position(d));
        Assert.Empty(run.ModelSources);
    }

    [Fact]
    public void WrongShapeAndMissingVariable_MG0116NamesEachVariableAndBothShapes()
    {
        string path = Write("net.safetensors", ("hidden/kernel", new long[] { 5, 3 }), ("hidden/bias", new long[] { 3 }), ("out/kernel", new long[] { 3, 2 }), ("extra", new long[] { 1 }));
        GeneratorRun run = Run(Source, path);
        var messages = run.Diagnostics.Select(d => (d.Id, d.GetMessage())).ToList();
        Assert.All(messages, m => Assert.Equal("MG0116", m.Id));
        Assert.Contains(messages, m => m.Item2.Contains("hidden/kernel: expected [4, 3], found [5, 3]"));
        Assert.Contains(messages, m => m.Item2.Contains("out/bias: expected [2], missing"));
        Assert.Contains(messages, m => m.Item2.Contains("extra: in the file, but the model has no such variable"));
        Assert.Equal(3, messages.Count);
        Assert.Empty(run.ModelSources);
    }

    [Theory]
    [InlineData(new byte[] { 1, 2, 3 }, "shorter than the 8-byte header")]
    [InlineData(new byte[] { 255, 255, 255, 255, 255, 255, 255, 127, 0 }, "header length")]
    [InlineData(new byte[] { 4, 0, 0, 0, 0, 0, 0, 0, (byte)'[', (byte)']', 32, 32 }, "not a JSON object")]
    public void HostileFile_MG0115NeverACrash(byte[] bytes, string reason)
    {
        string path = Path.Combine(folder, "net.safetensors");
        File.WriteAllBytes(path, bytes);
        GeneratorRun run = Run(Source, path);
        Diagnostic d = Assert.Single(run.Diagnostics);
        Assert.Equal("MG0115", d.Id);
        Assert.Contains(reason, d.GetMessage());
    }

    [Fact]
    public void OffsetsBeyondTheData_MG0115()
    {
        string path = Path.Combine(folder, "net.safetensors");
        byte[] json = Encoding.UTF8.GetBytes("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,800]}}");
        File.WriteAllBytes(path, BitConverter.GetBytes((long)json.Length).Concat(json).Concat(new byte[8]).ToArray());
        Diagnostic d = Assert.Single(Run(Source, path).Diagnostics);
        Assert.Equal("MG0115", d.Id);
        Assert.Contains("outside the 8 data bytes", d.GetMessage());
    }
}
