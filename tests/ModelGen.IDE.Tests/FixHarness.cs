// Applies a code fix the way the IDE does: the analyzer's diagnostic on a Workspace document, the fix provider's one
// action, its operations, the changed solution; then analyzes the fixed text again.
using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Text;
using ModelGen.Generator.Analyzers;

namespace ModelGen.IDE.Tests;

/// <param name="Text">The document after the fix.</param>
/// <param name="Remaining">The analyzer's diagnostics on the fixed document.</param>
internal sealed record FixResult(string Text, ImmutableArray<Diagnostic> Remaining);

internal static class FixHarness
{
    private static readonly Lazy<MetadataReference[]> References = new(() =>
    {
        string trusted = (string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!;
        var references = trusted.Split(Path.PathSeparator)
            .Where(p => Path.GetFileName(p) is var f && (f.StartsWith("System.", StringComparison.Ordinal) || f is "mscorlib.dll" or "netstandard.dll"))
            .Select(p => (MetadataReference)MetadataReference.CreateFromFile(p))
            .ToList();
        references.Add(MetadataReference.CreateFromFile(typeof(ModelGen.ModelAttribute).Assembly.Location));
        return references.ToArray();
    });

    public static Document CreateDocument(string source)
    {
        var workspace = new AdhocWorkspace();
        Project project = workspace.AddProject(ProjectInfo.Create(
            ProjectId.CreateNewId(), VersionStamp.Create(), "Models", "Models", LanguageNames.CSharp,
            compilationOptions: new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable),
            parseOptions: new CSharpParseOptions(LanguageVersion.Latest),
            metadataReferences: References.Value));
        return workspace.AddDocument(project.Id, "Model.cs", SourceText.From(source));
    }

    public static ImmutableArray<Diagnostic> Analyze(Document document)
    {
        Compilation compilation = document.Project.GetCompilationAsync().GetAwaiter().GetResult()!;
        return compilation.WithAnalyzers(ImmutableArray.Create<DiagnosticAnalyzer>(new ModelAnalyzer()))
            .GetAnalyzerDiagnosticsAsync().GetAwaiter().GetResult();
    }

    /// <summary>Asserts the analyzer reports <paramref name="id"/> once, applies the provider's only fix for it, and reanalyzes.</summary>
    public static FixResult Apply(CodeFixProvider provider, string source, string id)
    {
        Document document = CreateDocument(source);
        Diagnostic diagnostic = Assert.Single(Analyze(document), d => d.Id == id);
        Assert.Contains(id, provider.FixableDiagnosticIds);

        var actions = new List<CodeAction>();
        var context = new CodeFixContext(document, diagnostic, (action, _) => actions.Add(action), CancellationToken.None);
        provider.RegisterCodeFixesAsync(context).GetAwaiter().GetResult();
        CodeAction fix = Assert.Single(actions);

        ImmutableArray<CodeActionOperation> operations = fix.GetOperationsAsync(CancellationToken.None).GetAwaiter().GetResult();
        ApplyChangesOperation apply = Assert.IsType<ApplyChangesOperation>(Assert.Single(operations));
        Document fixedDocument = apply.ChangedSolution.GetDocument(document.Id)!;
        string text = fixedDocument.GetTextAsync().GetAwaiter().GetResult().ToString();
        return new FixResult(text, Analyze(fixedDocument));
    }

    /// <summary>Asserts the analyzer reports <paramref name="id"/> but the provider offers no fix for it.</summary>
    public static void AssertNoFix(CodeFixProvider provider, string source, string id)
    {
        Document document = CreateDocument(source);
        Diagnostic diagnostic = Assert.Single(Analyze(document), d => d.Id == id);
        var actions = new List<CodeAction>();
        provider.RegisterCodeFixesAsync(new CodeFixContext(document, diagnostic, (action, _) => actions.Add(action), CancellationToken.None)).GetAwaiter().GetResult();
        Assert.Empty(actions);
    }
}
