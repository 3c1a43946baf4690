// The incremental pipeline, and only the pipeline: parse -> shapes -> plan -> emit. Every stage carries value-equatable
// records. The MG diagnostics of parse and shapes are reported by Analyzers/ModelAnalyzer, which runs the same stages as
// you type; the generator reports only MG0005 failures of its emit stage, so a build shows each diagnostic once.
using System;
using System.Collections.Immutable;
using System.Threading;
using Microsoft.CodeAnalysis;
using ModelGen.Generator.Diagnostics;
using ModelGen.Generator.Emit;
using ModelGen.Generator.Model;
using ModelGen.Generator.Parsing;
using ModelGen.Generator.Planning;
using ModelGen.Generator.Shapes;
using ModelGen.Generator.Weights;

namespace ModelGen.Generator;

/// <summary>Generates the forward, backward, training and variable code of every class marked <c>[Model]</c>.</summary>
[Generator(LanguageNames.CSharp)]
public sealed class ModelGenerator : IIncrementalGenerator
{
    /// <summary>Tracking names of the pipeline steps, for incrementality tests.</summary>
    public static class Steps
    {
        public const string Parse = nameof(Parse);
        public const string Analyze = nameof(Analyze);
        public const string Plan = nameof(Plan);
        public const string Weights = nameof(Weights);
        public const string Shell = nameof(Shell);
    }

    /// <inheritdoc/>
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        IncrementalValuesProvider<ModelSpec?> specs = context.SyntaxProvider
            .ForAttributeWithMetadataName(
                "ModelGen.ModelAttribute",
                static (node, _) => node is Microsoft.CodeAnalysis.CSharp.Syntax.TypeDeclarationSyntax,
                static (context, token) => SafeParse(context, token))
            .WithTrackingName(Steps.Parse);

        IncrementalValueProvider<ImmutableArray<WeightsFileInfo>> weights = context.AdditionalTextsProvider
            .Where(static text => text.Path.EndsWith(".safetensors", StringComparison.OrdinalIgnoreCase))
            .Select(static (text, token) => WeightsFileInfo.Read(text.Path, token))
            .WithTrackingName(Steps.Weights)
            .Collect();

        IncrementalValuesProvider<AnalysisResult> analyzed = specs
            .Where(static spec => spec is not null)
            .Combine(weights)
            .Select(static (pair, token) => Analyze(pair.Left!, pair.Right, token))
            .WithTrackingName(Steps.Analyze);

        context.RegisterSourceOutput(
            analyzed.Select(static (result, _) => result.Plan).Where(static plan => plan is not null).WithTrackingName(Steps.Plan),
            static (context, plan) =>
            {
                string source;
                try
                {
                    source = ModelEmitter.Emit(plan!);
                }
                catch (Exception exception)
                {
                    context.ReportDiagnostic(Diagnostic.Create(Descriptors.InternalError, plan!.Spec.ModelLocation?.ToLocation(), plan.Spec.TypeName, Describe(exception)));
                    return;
                }
                context.AddSource(ModelEmitter.HintName(plan!), source);
            });

        // A model with MG errors still gets its public members (throwing), so the errors are not buried under CS1061s.
        context.RegisterSourceOutput(
            analyzed.Select(static (result, _) => result.Shell).Where(static shell => shell is not null).WithTrackingName(Steps.Shell),
            static (context, shell) => context.AddSource(shell!.FullyQualifiedName.Replace("global::", "") + ".g.cs", ModelEmitter.EmitShell(shell)));
    }

    /// <summary>The shape and plan stages' result: a plan when the model is valid, and the diagnostics either way.</summary>
    internal sealed record AnalysisResult(ModelPlan? Plan, EquatableArray<DiagnosticInfo> Diagnostics, ModelSpec? Shell = null);

    private static ModelSpec? SafeParse(GeneratorAttributeSyntaxContext context, CancellationToken token)
    {
        try
        {
            return ModelParser.Parse(context, token);
        }
        catch (OperationCanceledException)
        {
            throw;
        }
        catch (Exception exception)
        {
            // A spec that carries only the failure: it yields no plan, and the analyzer reports the same failure.
            LocationInfo? location = LocationInfo.From(context.TargetNode);
            string name = context.TargetSymbol.Name;
            return new ModelSpec(null, name, name, "internal", EquatableArray<ContainingTypeSpec>.Empty, 1, 0, location,
                EquatableArray<int>.Empty, location, EquatableArray<LayerSpec>.Empty, LossKind.None, null, HasCompilerErrors: true,
                new EquatableArray<DiagnosticInfo>(new[] { DiagnosticInfo.Create(Descriptors.InternalError, location, name, Describe(exception)) }));
        }
    }

    internal static AnalysisResult Analyze(ModelSpec spec, ImmutableArray<WeightsFileInfo> weights, CancellationToken token)
    {
        try
        {
            ModelShapes shapes = ShapeInference.Infer(spec);
            token.ThrowIfCancellationRequested();
            ModelPlan? plan = shapes.Ok ? Planner.Plan(shapes) : null;
            if (plan is null) return new AnalysisResult(null, shapes.Diagnostics, ModelEmitter.CanEmitShell(spec) ? spec : null);
            if (spec.WeightsFile is null) return new AnalysisResult(plan, shapes.Diagnostics);
            var diagnostics = new System.Collections.Generic.List<DiagnosticInfo>(shapes.Diagnostics);
            bool fits = WeightsCheck.Check(plan, weights, diagnostics);
            return fits
                ? new AnalysisResult(plan with { WeightsResource = spec.WeightsFile }, diagnostics.ToEquatableArray())
                : new AnalysisResult(null, diagnostics.ToEquatableArray(), spec);
        }
        catch (OperationCanceledException)
        {
            throw;
        }
        catch (Exception exception)
        {
            var diagnostics = ImmutableArray.Create(DiagnosticInfo.Create(Descriptors.InternalError, spec.ModelLocation, spec.TypeName, Describe(exception)));
            return new AnalysisResult(null, diagnostics.ToEquatableArray());
        }
    }

    internal static string Describe(Exception exception) => exception.GetType().Name + ": " + exception.Message.Replace('\r', ' ').Replace('\n', ' ');
}
