// Parse stage: reads the [Model] class and its attributes, in declaration order, into a ModelSpec.
// This is the only code that touches symbols and syntax; everything after it is pure.
using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using ModelGen.Generator.Diagnostics;
using ModelGen.Generator.Model;

namespace ModelGen.Generator.Parsing;

internal static class ModelParser
{
    private const string AttributeNamespace = "ModelGen";

    /// <summary>The generator's entry: the type declaration that carries [Model], its symbol and that attribute.</summary>
    public static ModelSpec Parse(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken) =>
        Parse((INamedTypeSymbol)context.TargetSymbol, (TypeDeclarationSyntax)context.TargetNode, context.Attributes.FirstOrDefault(), cancellationToken);

    /// <summary>
    /// Reads one model. <paramref name="declaration"/> is the declaration that carries <paramref name="modelAttribute"/>
    /// (the generator gets both from ForAttributeWithMetadataName, the analyzer from the symbol's attributes).
    /// </summary>
    public static ModelSpec Parse(INamedTypeSymbol symbol, TypeDeclarationSyntax declaration, AttributeData? modelAttribute, CancellationToken cancellationToken)
    {
        var diagnostics = new List<DiagnosticInfo>();
        string displayName = symbol.Name;
        LocationInfo? identifierLocation = LocationInfo.From(declaration) is { } whole
            ? new LocationInfo(whole.FilePath, declaration.Identifier.Span, declaration.Identifier.GetLocation().GetLineSpan().Span)
            : null;

        if (!declaration.Modifiers.Any(SyntaxKind.PartialKeyword))
            diagnostics.Add(DiagnosticInfo.Create(Descriptors.ModelNotPartial, identifierLocation, displayName));

        // [Model] only compiles on a class; a record or static class would clash with the emitted 'partial class'.
        if (symbol.IsRecord || symbol.IsStatic)
            diagnostics.Add(DiagnosticInfo.Create(Descriptors.ModelNotPlainClass, identifierLocation, displayName, symbol.IsRecord ? "record" : "static class"));

        if (symbol.TypeParameters.Length > 0)
            diagnostics.Add(DiagnosticInfo.Create(Descriptors.ModelInGenericType, identifierLocation, displayName, displayName));

        var containing = new List<ContainingTypeSpec>();
        for (INamedTypeSymbol? outer = symbol.ContainingType; outer is not null; outer = outer.ContainingType)
        {
            if (outer.TypeParameters.Length > 0)
                diagnostics.Add(DiagnosticInfo.Create(Descriptors.ModelInGenericType, identifierLocation, displayName, outer.Name));
            var outerSyntax = outer.DeclaringSyntaxReferences.Select(r => r.GetSyntax(cancellationToken)).OfType<TypeDeclarationSyntax>().ToList();
            if (!outerSyntax.Any(s => s.Modifiers.Any(SyntaxKind.PartialKeyword)))
                diagnostics.Add(DiagnosticInfo.Create(Descriptors.ContainingTypeNotPartial, identifierLocation, displayName, outer.Name));
            containing.Insert(0, new ContainingTypeSpec(Keyword(outerSyntax.FirstOrDefault()), outer.Name));
        }

        int batchSize = 32, seed = 0;
        LocationInfo? modelLocation = null;
        if (modelAttribute is not null)
        {
            modelLocation = LocationInfo.From(modelAttribute.ApplicationSyntaxReference?.GetSyntax(cancellationToken));
            foreach (var named in modelAttribute.NamedArguments)
            {
                if (named.Key == "BatchSize" && named.Value.Value is int b) batchSize = b;
                else if (named.Key == "Seed" && named.Value.Value is int s) seed = s;
            }
        }

        var layers = new List<LayerSpec>();
        int[] inputShape = Array.Empty<int>();
        LocationInfo? inputLocation = null;
        LossKind loss = LossKind.None;
        LocationInfo? lossLocation = null;
        bool hasCompilerErrors = false;
        SyntaxNode? layerDeclaration = null;
        bool splitReported = false;
        string? weightsFile = null;
        LocationInfo? weightsLocation = null;

        foreach (AttributeData attribute in symbol.GetAttributes())
        {
            cancellationToken.ThrowIfCancellationRequested();
            INamedTypeSymbol? type = attribute.AttributeClass;
            if (type is null || type.ContainingNamespace?.ToDisplayString() != AttributeNamespace) continue;
            string name = type.Name;
            if (name == "ModelAttribute") continue;
            if (type is IErrorTypeSymbol || attribute.AttributeConstructor is null)
            {
                hasCompilerErrors = true;
                continue;
            }

            var syntax = attribute.ApplicationSyntaxReference?.GetSyntax(cancellationToken) as AttributeSyntax;
            LocationInfo? location = LocationInfo.From(syntax);
            SyntaxNode? owner = syntax?.FirstAncestorOrSelf<TypeDeclarationSyntax>();
            if (owner is not null)
            {
                if (layerDeclaration is null) layerDeclaration = owner;
                else if (owner != layerDeclaration && !splitReported)
                {
                    diagnostics.Add(DiagnosticInfo.Create(Descriptors.LayersSplitOverDeclarations, location, displayName));
                    splitReported = true;
                }
            }

            switch (name)
            {
                case "WeightsAttribute":
                    weightsFile = attribute.ConstructorArguments.FirstOrDefault().Value as string;
                    weightsLocation = location;
                    break;
                case "InputAttribute":
                    if (inputLocation is not null)
                    {
                        diagnostics.Add(DiagnosticInfo.Create(Descriptors.DuplicateInput, location, displayName));
                        break;
                    }
                    inputShape = attribute.ConstructorArguments.Select(a => a.Value is int v ? v : 0).ToArray();
                    inputLocation = location;
                    if (layers.Count > 0)
                        diagnostics.Add(DiagnosticInfo.Create(Descriptors.InputNotFirst, location, displayName,
                            layers[0].Index.ToString(), layers[0].Kind.ToString()));
                    break;
                case "SoftmaxCrossEntropyAttribute":
                case "MeanSquaredErrorAttribute":
                    if (loss != LossKind.None)
                        diagnostics.Add(DiagnosticInfo.Create(Descriptors.DuplicateLoss, location, displayName));
                    else
                    {
                        loss = name == "SoftmaxCrossEntropyAttribute" ? LossKind.SoftmaxCrossEntropy : LossKind.MeanSquaredError;
                        lossLocation = location;
                    }
                    break;
                default:
                    LayerSpec? layer = TryParseLayer(name, attribute, syntax, layers.Count + 1, location);
                    if (layer is not null) layers.Add(layer);
                    break;
            }
        }

        if (inputLocation is null)
            diagnostics.Add(DiagnosticInfo.Create(Descriptors.MissingInput, modelLocation ?? identifierLocation, displayName));

        string? ns = symbol.ContainingNamespace is { IsGlobalNamespace: false } n ? n.ToDisplayString() : null;
        return new ModelSpec(
            ns,
            symbol.Name,
            symbol.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat),
            Accessibility(symbol.DeclaredAccessibility),
            containing.ToEquatableArray(),
            batchSize,
            seed,
            modelLocation,
            new EquatableArray<int>(inputShape),
            inputLocation,
            layers.ToEquatableArray(),
            loss,
            lossLocation,
            hasCompilerErrors,
            diagnostics.ToEquatableArray(),
            weightsFile,
            weightsLocation);
    }

    private static string Keyword(TypeDeclarationSyntax? syntax) => syntax switch
    {
        RecordDeclarationSyntax r when r.ClassOrStructKeyword.IsKind(SyntaxKind.StructKeyword) => "record struct",
        RecordDeclarationSyntax => "record",
        StructDeclarationSyntax => "struct",
        InterfaceDeclarationSyntax => "interface",
        _ => "class",
    };

    private static string Accessibility(Accessibility accessibility) => accessibility switch
    {
        Microsoft.CodeAnalysis.Accessibility.Public => "public",
        Microsoft.CodeAnalysis.Accessibility.Internal => "internal",
        Microsoft.CodeAnalysis.Accessibility.Private => "private",
        Microsoft.CodeAnalysis.Accessibility.Protected => "protected",
        Microsoft.CodeAnalysis.Accessibility.ProtectedOrInternal => "protected internal",
        Microsoft.CodeAnalysis.Accessibility.ProtectedAndInternal => "private protected",
        _ => "internal",
    };

    /// <summary>Reads one layer attribute, or returns null when the attribute is not a layer.</summary>
    private static LayerSpec? TryParseLayer(string attributeName, AttributeData attribute, AttributeSyntax? syntax, int index, LocationInfo? location)
    {
        ImmutableArray<TypedConstant> args = attribute.ConstructorArguments;
        var argumentLocations = ArgumentLocations(attribute, syntax);
        LayerSpec layer;
        switch (attributeName)
        {
            case "DenseAttribute":
                layer = LayerSpec.Default(LayerKind.Dense, index, location) with { Units = Int(args, 0) };
                break;
            case "Conv2DAttribute":
                layer = LayerSpec.Default(LayerKind.Conv2D, index, location) with
                {
                    KernelHeight = Int(args, 0), KernelWidth = Int(args, 1), Units = Int(args, 2),
                };
                break;
            case "MaxPool2DAttribute":
            case "AvgPool2DAttribute":
                int wh = Int(args, 0), ww = args.Length > 1 ? Int(args, 1) : wh;
                layer = LayerSpec.Default(attributeName == "MaxPool2DAttribute" ? LayerKind.MaxPool2D : LayerKind.AvgPool2D, index, location) with
                {
                    KernelHeight = wh, KernelWidth = ww, StrideH = wh, StrideW = ww,
                };
                // The window arguments are named windowHeight/windowWidth or window; point both at the first.
                if (args.Length == 1) argumentLocations.Add(new ArgumentLocation("windowWidth", argumentLocations.FirstOrDefault(a => a.Name == "window")?.Location));
                if (args.Length == 1) argumentLocations.Add(new ArgumentLocation("windowHeight", argumentLocations.FirstOrDefault(a => a.Name == "window")?.Location));
                break;
            case "FlattenAttribute":
                layer = LayerSpec.Default(LayerKind.Flatten, index, location);
                break;
            case "DropoutAttribute":
                layer = LayerSpec.Default(LayerKind.Dropout, index, location) with { Rate = Double(args, 0) };
                break;
            case "BatchNormAttribute":
                layer = LayerSpec.Default(LayerKind.BatchNorm, index, location);
                break;
            case "ReluAttribute":
                layer = Activation(ActivationKind.Relu, 0);
                break;
            case "LeakyReluAttribute":
                layer = Activation(ActivationKind.LeakyRelu, args.Length > 0 ? Double(args, 0) : 0.01);
                break;
            case "EluAttribute":
                layer = Activation(ActivationKind.Elu, args.Length > 0 ? Double(args, 0) : 1.0);
                break;
            case "SigmoidAttribute":
                layer = Activation(ActivationKind.Sigmoid, 0);
                break;
            case "TanhAttribute":
                layer = Activation(ActivationKind.Tanh, 0);
                break;
            case "SoftmaxAttribute":
                layer = Activation(ActivationKind.Softmax, 0);
                break;
            default:
                return null;
        }

        bool alphaSet = false, strideSet = false, strideHSet = false, strideWSet = false, kernelValueSet = false, biasValueSet = false;
        int stride = 0;
        foreach (var named in attribute.NamedArguments)
        {
            object? value = named.Value.Value;
            switch (named.Key)
            {
                case "Name": layer = layer with { DeclaredName = value as string }; break;
                case "Trainable": layer = layer with { Trainable = value is true }; break;
                case "Activation": layer = layer with { Activation = (ActivationKind)ToInt(value) }; break;
                case "ActivationAlpha": layer = layer with { Alpha = ToDouble(value) }; alphaSet = true; break;
                case "UseBias": layer = layer with { UseBias = value is true }; break;
                case "KernelInitializer": layer = layer with { KernelInitializer = (InitializerKind)ToInt(value) }; break;
                case "KernelInitValue": layer = layer with { KernelInitValue = ToDouble(value) }; kernelValueSet = true; break;
                case "BiasInitializer": layer = layer with { BiasInitializer = (InitializerKind)ToInt(value) }; break;
                case "BiasInitValue": layer = layer with { BiasInitValue = ToDouble(value) }; biasValueSet = true; break;
                case "L1": layer = layer with { L1 = ToDouble(value) }; break;
                case "L2": layer = layer with { L2 = ToDouble(value) }; break;
                case "Stride": stride = ToInt(value); strideSet = true; break;
                case "StrideH": layer = layer with { StrideH = ToInt(value) }; strideHSet = true; break;
                case "StrideW": layer = layer with { StrideW = ToInt(value) }; strideWSet = true; break;
                case "Padding": layer = layer with { Padding = (PaddingKind)ToInt(value) }; break;
                case "Momentum": layer = layer with { Momentum = ToDouble(value) }; break;
                case "Epsilon": layer = layer with { Epsilon = ToDouble(value) }; break;
                case "Center": layer = layer with { Center = value is true }; break;
                case "Scale": layer = layer with { Scale = value is true }; break;
            }
        }

        if (strideSet)
        {
            if (!strideHSet) layer = layer with { StrideH = stride };
            if (!strideWSet) layer = layer with { StrideW = stride };
            // A plain Stride is reported at its own argument when it is wrong.
            if (!strideHSet) argumentLocations.Add(new ArgumentLocation("StrideH", argumentLocations.FirstOrDefault(a => a.Name == "Stride")?.Location));
            if (!strideWSet) argumentLocations.Add(new ArgumentLocation("StrideW", argumentLocations.FirstOrDefault(a => a.Name == "Stride")?.Location));
        }

        if (!alphaSet && layer.Kind is LayerKind.Dense or LayerKind.Conv2D)
            layer = layer with { Alpha = DefaultAlpha(layer.Activation) };
        if (!kernelValueSet) layer = layer with { KernelInitValue = DefaultInitValue(layer.KernelInitializer) };
        if (!biasValueSet) layer = layer with { BiasInitValue = DefaultInitValue(layer.BiasInitializer) };

        return layer with { ArgumentLocations = argumentLocations.ToEquatableArray() };

        LayerSpec Activation(ActivationKind kind, double alpha) =>
            LayerSpec.Default(LayerKind.Activation, index, location) with { Activation = kind, Alpha = alpha };
    }

    private static double DefaultAlpha(ActivationKind activation) => activation switch
    {
        ActivationKind.LeakyRelu => 0.01,
        ActivationKind.Elu => 1.0,
        _ => 0,
    };

    private static double DefaultInitValue(InitializerKind initializer) =>
        initializer is InitializerKind.TruncatedNormal or InitializerKind.RandomNormal ? 0.05 : 0;

    /// <summary>Where each constructor argument (by parameter name) and named argument (by property name) is written.</summary>
    private static List<ArgumentLocation> ArgumentLocations(AttributeData attribute, AttributeSyntax? syntax)
    {
        var result = new List<ArgumentLocation>();
        if (syntax?.ArgumentList is null) return result;
        ImmutableArray<IParameterSymbol> parameters = attribute.AttributeConstructor?.Parameters ?? ImmutableArray<IParameterSymbol>.Empty;
        int position = 0;
        foreach (AttributeArgumentSyntax argument in syntax.ArgumentList.Arguments)
        {
            if (argument.NameEquals is { } nameEquals)
                result.Add(new ArgumentLocation(nameEquals.Name.Identifier.ValueText, LocationInfo.From(argument)));
            else if (argument.NameColon is { } nameColon)
                result.Add(new ArgumentLocation(nameColon.Name.Identifier.ValueText, LocationInfo.From(argument)));
            else
            {
                if (position < parameters.Length) result.Add(new ArgumentLocation(parameters[position].Name, LocationInfo.From(argument)));
                position++;
            }
        }
        return result;
    }

    private static int Int(ImmutableArray<TypedConstant> args, int i) => i < args.Length ? ToInt(args[i].Value) : 0;

    private static double Double(ImmutableArray<TypedConstant> args, int i) => i < args.Length ? ToDouble(args[i].Value) : 0;

    private static int ToInt(object? value) => value switch
    {
        int i => i,
        null => 0,
        _ => Convert.ToInt32(value, System.Globalization.CultureInfo.InvariantCulture),
    };

    private static double ToDouble(object? value) => value switch
    {
        double d => d,
        float f => f,
        null => 0,
        _ => Convert.ToDouble(value, System.Globalization.CultureInfo.InvariantCulture),
    };
}
