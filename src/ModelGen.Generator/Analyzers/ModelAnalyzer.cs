// Live diagnostics: runs the generator's own parse, shape and plan stages on every [Model] class and reports what they
// find, so that the IDE shows MG errors as you type (generators may run only on build there). In a build this analyzer
// is the only reporter of MG diagnostics; the generator reports only MG0005 failures of its emit stage.
using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;
using ModelGen.Generator.Diagnostics;
using ModelGen.Generator.Model;
using ModelGen.Generator.Parsing;
using ModelGen.Generator.Weights;

namespace ModelGen.Generator.Analyzers;

/// <summary>Reports the MG diagnostics of every class marked <c>[Model]</c>, from the same code the generator runs.</summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class ModelAnalyzer : DiagnosticAnalyzer
{
    private const string ModelAttributeName = "ModelGen.ModelAttribute";

    /// <inheritdoc/>
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(Descriptors.All);

    /// <inheritdoc/>
    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(start =>
        {
            // [Weights] files are read once per compilation, as the generator's AdditionalTexts step does.
            var weights = ImmutableArray.CreateBuilder<WeightsFileInfo>();
            foreach (AdditionalText text in start.Options.AdditionalFiles)
                if (text.Path.EndsWith(".safetensors", StringComparison.OrdinalIgnoreCase))
                    weights.Add(WeightsFileInfo.Read(text.Path, start.CancellationToken));
            ImmutableArray<WeightsFileInfo> files = weights.ToImmutable();
            start.RegisterSymbolAction(symbolContext => AnalyzeType(symbolContext, files), SymbolKind.NamedType);
        });
    }

    private static void AnalyzeType(SymbolAnalysisContext context, ImmutableArray<WeightsFileInfo> weights)
    {
        var symbol = (INamedTypeSymbol)context.Symbol;
        foreach (AttributeData attribute in symbol.GetAttributes())
        {
            // Matched by name, as ForAttributeWithMetadataName does in the generator.
            if (attribute.AttributeClass?.ToDisplayString() != ModelAttributeName) continue;
            if (attribute.ApplicationSyntaxReference?.GetSyntax(context.CancellationToken) is not { } syntax) continue;
            if (syntax.FirstAncestorOrSelf<TypeDeclarationSyntax>() is not { } declaration) continue;
            foreach (DiagnosticInfo info in Analyze(symbol, declaration, attribute, weights, context.CancellationToken))
                context.ReportDiagnostic(ToDiagnostic(info, context.Compilation));
        }
    }

    /// <summary>Parse, shapes and plan, as the generator runs them; an exception in them becomes MG0005.</summary>
    internal static IEnumerable<DiagnosticInfo> Analyze(INamedTypeSymbol symbol, TypeDeclarationSyntax declaration, AttributeData attribute, ImmutableArray<WeightsFileInfo> weights, CancellationToken token)
    {
        ModelSpec spec;
        try
        {
            spec = ModelParser.Parse(symbol, declaration, attribute, token);
        }
        catch (OperationCanceledException)
        {
            throw;
        }
        catch (Exception exception)
        {
            return new[] { DiagnosticInfo.Create(Descriptors.InternalError, LocationInfo.From(declaration), symbol.Name, ModelGenerator.Describe(exception)) };
        }
        return ModelGenerator.Analyze(spec, weights, token).Diagnostics;
    }

    /// <summary>
    /// A diagnostic placed in the compilation's own syntax tree (not a bare file path), so that the IDE can underline
    /// it, a code fix can find its node, and #pragma can suppress it.
    /// </summary>
    private static Diagnostic ToDiagnostic(DiagnosticInfo info, Compilation compilation)
    {
        Location? location = null;
        if (info.Location is { } where)
        {
            foreach (SyntaxTree tree in compilation.SyntaxTrees)
            {
                if (tree.FilePath == where.FilePath)
                {
                    location = Location.Create(tree, where.Span);
                    break;
                }
            }
            location ??= where.ToLocation();
        }
        return Diagnostic.Create(Descriptors.ById(info.Id), location, info.Arguments.AsSpan().ToArray());
    }
}
