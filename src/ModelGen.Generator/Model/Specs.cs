// The parse stage's output: what the user declared, as value-equatable records (no symbols, no syntax).
using System;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;

namespace ModelGen.Generator.Model;

/// <summary>Mirrors of the attribute enums (the generator does not load the attributes assembly); a test pins the values.</summary>
internal enum PaddingKind { Valid = 0, Same = 1 }

internal enum ActivationKind { Linear = 0, Relu = 1, LeakyRelu = 2, Elu = 3, Sigmoid = 4, Tanh = 5, Softmax = 6 }

internal enum InitializerKind { GlorotUniform = 0, GlorotNormal = 1, HeNormal = 2, HeUniform = 3, TruncatedNormal = 4, RandomNormal = 5, Zeros = 6, Ones = 7, Constant = 8, LeCunNormal = 9, LeCunUniform = 10 }

internal enum LayerKind { Dense, Conv2D, MaxPool2D, AvgPool2D, Flatten, Dropout, BatchNorm, Activation }

internal enum LossKind { None, SoftmaxCrossEntropy, MeanSquaredError }

/// <summary>A source location that survives between compilations by value.</summary>
internal sealed record LocationInfo(string FilePath, TextSpan Span, LinePositionSpan LineSpan)
{
    public Location ToLocation() => Location.Create(FilePath, Span, LineSpan);

    public static LocationInfo? From(SyntaxNode? node)
    {
        if (node is null) return null;
        Location location = node.GetLocation();
        return location.SourceTree is null ? null : new LocationInfo(location.SourceTree.FilePath, location.SourceSpan, location.GetLineSpan().Span);
    }
}

/// <summary>A diagnostic to report: a descriptor id, where, and its message arguments as strings.</summary>
internal sealed record DiagnosticInfo(string Id, LocationInfo? Location, EquatableArray<string> Arguments)
{
    public static DiagnosticInfo Create(DiagnosticDescriptor descriptor, LocationInfo? location, params string[] arguments)
        => new(descriptor.Id, location, new EquatableArray<string>(arguments));
}

/// <summary>
/// One layer attribute as declared. Sizes not used by a kind are 0. <see cref="Index"/> counts layers from 1 in
/// declaration order (the input is layer 0). <see cref="ArgumentLocations"/> holds, per named size argument, where it is
/// written, so a diagnostic can point at it.
/// </summary>
internal sealed record LayerSpec(
    LayerKind Kind,
    int Index,
    string? DeclaredName,
    bool Trainable,
    LocationInfo? Location,
    int Units,
    int KernelHeight,
    int KernelWidth,
    int StrideH,
    int StrideW,
    PaddingKind Padding,
    ActivationKind Activation,
    double Alpha,
    bool UseBias,
    InitializerKind KernelInitializer,
    double KernelInitValue,
    InitializerKind BiasInitializer,
    double BiasInitValue,
    double L1,
    double L2,
    double Rate,
    double Momentum,
    double Epsilon,
    bool Center,
    bool Scale,
    EquatableArray<ArgumentLocation> ArgumentLocations)
{
    /// <summary>A layer with every option at its default; parsers override what the attribute says.</summary>
    public static LayerSpec Default(LayerKind kind, int index, LocationInfo? location) => new(
        kind, index, null, true, location,
        Units: 0, KernelHeight: 0, KernelWidth: 0, StrideH: 1, StrideW: 1, Padding: PaddingKind.Valid,
        Activation: ActivationKind.Linear, Alpha: 0, UseBias: true,
        KernelInitializer: InitializerKind.GlorotUniform, KernelInitValue: 0, BiasInitializer: InitializerKind.Zeros, BiasInitValue: 0,
        L1: 0, L2: 0, Rate: 0, Momentum: 0.99, Epsilon: 0.001, Center: true, Scale: true,
        ArgumentLocations: EquatableArray<ArgumentLocation>.Empty);

    /// <summary>Where the named argument is written, else the attribute itself.</summary>
    public LocationInfo? LocationOf(string argument)
    {
        foreach (ArgumentLocation a in ArgumentLocations)
            if (a.Name == argument) return a.Location;
        return Location;
    }
}

/// <summary>Where one attribute argument (constructor parameter or named property) is written.</summary>
internal sealed record ArgumentLocation(string Name, LocationInfo? Location);

/// <summary>A model declaration: the type to complete, its options, its input and layers, and what parsing found wrong.</summary>
internal sealed record ModelSpec(
    string? Namespace,
    string TypeName,
    string FullyQualifiedName,
    string Accessibility,
    EquatableArray<ContainingTypeSpec> ContainingTypes,
    int BatchSize,
    int Seed,
    LocationInfo? ModelLocation,
    EquatableArray<int> InputShape,
    LocationInfo? InputLocation,
    EquatableArray<LayerSpec> Layers,
    LossKind Loss,
    LocationInfo? LossLocation,
    bool HasCompilerErrors,
    EquatableArray<DiagnosticInfo> Diagnostics,
    string? WeightsFile = null,
    LocationInfo? WeightsLocation = null);

/// <summary>A type that contains the model, from the outermost in: its keyword (class, struct, record...) and name.</summary>
internal sealed record ContainingTypeSpec(string Keyword, string Name);
