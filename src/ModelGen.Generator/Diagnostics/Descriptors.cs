// Every diagnostic the generator reports. Ids are stable and never renumbered: MG00xx are about the declaration,
// MG01xx about shapes and arguments. docs/diagnostics.md has a page entry per id.
using Microsoft.CodeAnalysis;

namespace ModelGen.Generator.Diagnostics;

internal static class Descriptors
{
    private const string Category = "ModelGen";

    private static DiagnosticDescriptor Error(string id, string title, string message) =>
        new(id, title, message, Category, DiagnosticSeverity.Error, isEnabledByDefault: true, helpLinkUri: HelpLink(id));

    private static DiagnosticDescriptor Warning(string id, string title, string message) =>
        new(id, title, message, Category, DiagnosticSeverity.Warning, isEnabledByDefault: true, helpLinkUri: HelpLink(id));

    private static string HelpLink(string id) => "https://github.com/modelgen/modelgen/blob/main/docs/diagnostics.md#" + id.ToLowerInvariant();

    public static readonly DiagnosticDescriptor ModelNotPartial = Error("MG0001",
        "Model class must be partial",
        "Model '{0}' must be declared partial so that ModelGen can generate its other half: add the 'partial' modifier");

    public static readonly DiagnosticDescriptor ModelInGenericType = Error("MG0002",
        "Model cannot be generic or nested in a generic type",
        "Model '{0}' is generic or nested in the generic type '{1}': shapes must be fixed, so declare the model in a non-generic type");

    public static readonly DiagnosticDescriptor MissingInput = Error("MG0003",
        "Model has no [Input]",
        "Model '{0}' has no [Input] attribute: add [Input(length)] or [Input(height, width, channels)] before the first layer");

    public static readonly DiagnosticDescriptor LayersSplitOverDeclarations = Error("MG0004",
        "Layer attributes are split over several partial declarations",
        "Model '{0}' has layer attributes on more than one partial declaration, so their order is not defined: keep [Input], the layers and the loss on one declaration");

    public static readonly DiagnosticDescriptor InternalError = Error("MG0005",
        "ModelGen failed on this model",
        "ModelGen failed while generating model '{0}': {1}. Please report this with the model declaration.");

    public static readonly DiagnosticDescriptor DuplicateInput = Error("MG0006",
        "More than one [Input]",
        "Model '{0}' has more than one [Input]: a model has exactly one input");

    public static readonly DiagnosticDescriptor InputNotFirst = Error("MG0007",
        "[Input] must come before the layers",
        "Model '{0}' declares layer {1} {2} before [Input]: put [Input] first, layers are read in declaration order");

    public static readonly DiagnosticDescriptor DuplicateLoss = Error("MG0008",
        "More than one loss",
        "Model '{0}' declares more than one loss: keep one of [SoftmaxCrossEntropy] and [MeanSquaredError]");

    public static readonly DiagnosticDescriptor ContainingTypeNotPartial = Error("MG0009",
        "Type containing a model must be partial",
        "Model '{0}' is nested in '{1}', which must be partial too so that ModelGen can add the model's members: add the 'partial' modifier to '{1}'");

    public static readonly DiagnosticDescriptor ModelNotPlainClass = Error("MG0010",
        "Model must be a plain class",
        "Model '{0}' is declared as a {1}, but the generated half is an instance class with its own arenas: declare it 'partial class {0}'");

    public static readonly DiagnosticDescriptor NonPositiveArgument = Error("MG0101",
        "Size must be positive",
        "{0} has {1} = {2}: {1} must be at least 1");

    public static readonly DiagnosticDescriptor DropoutRateOutOfRange = Error("MG0102",
        "Dropout rate must be in [0, 1)",
        "{0} has rate {1}: the rate is the probability of dropping a unit (1 - keep_prob) and must be at least 0 and below 1");

    public static readonly DiagnosticDescriptor KernelLargerThanInput = Error("MG0103",
        "Window larger than its input",
        "{0} with a {1} window and VALID padding needs an input of at least {1}, but {2} produces {3}: use Padding = Padding.Same or a smaller window");

    public static readonly DiagnosticDescriptor NeedsImageInput = Error("MG0104",
        "Layer needs an image input",
        "{0} needs an image input (height x width x channels), but {1} produces the vector {2}: move it before [Flatten] and the dense layers, or declare [Input(height, width, channels)]");

    public static readonly DiagnosticDescriptor NeedsFlatInput = Error("MG0105",
        "Layer needs a flat input",
        "{0} needs a flat input but receives {1} from {2}: insert [Flatten] before it");

    public static readonly DiagnosticDescriptor LossNeedsVector = Error("MG0106",
        "Loss does not fit the output",
        "[{0}] needs the model's output to be a vector {1}, but {2} produces {3}: end the model with [Flatten] and a [Dense] layer");

    public static readonly DiagnosticDescriptor DuplicateVariableName = Error("MG0107",
        "Two layers have the same name",
        "{0} is named '{1}', which {2} already uses, so their variables would clash ('{1}/kernel'): give each layer a distinct Name");

    public static readonly DiagnosticDescriptor ModelTooLarge = Error("MG0108",
        "Model exceeds the size limit",
        "Model '{0}' needs {1} {2}, over the limit of {3}: make the layers smaller (or the BatchSize, for activations)");

    public static readonly DiagnosticDescriptor ArgumentOutOfRange = Error("MG0109",
        "Argument out of range",
        "{0} has {1} = {2}: {3}");

    public static readonly DiagnosticDescriptor InvalidName = Error("MG0110",
        "Invalid layer name",
        "{0} has the name '{1}': a name starts with a letter and holds only letters, digits, '_', '.' and '-', so that its variables are 'name/kernel'");

    public static readonly DiagnosticDescriptor FlattenOfVector = Warning("MG0111",
        "Flatten of a vector does nothing",
        "{0} flattens {1}, which is already flat: remove it");

    public static readonly DiagnosticDescriptor SoftmaxBeforeSoftmaxCrossEntropy = Warning("MG0112",
        "Softmax before SoftmaxCrossEntropy",
        "{0} applies softmax, but [SoftmaxCrossEntropy] applies softmax to the model's output itself, so training would see softmax twice: end the model with logits (no Softmax)");

    public static readonly DiagnosticDescriptor TooFewClasses = Error("MG0113",
        "Softmax cross entropy needs at least two classes",
        "[SoftmaxCrossEntropy] needs at least 2 outputs to choose between, but {0} produces {1}: use at least 2 units, or [MeanSquaredError] for one output");

    public static readonly DiagnosticDescriptor WeightsFileNotFound = Error("MG0114",
        "Weights file not in AdditionalFiles",
        "Model '{0}' bakes the weights '{1}', but no AdditionalFiles item has that file name: add <AdditionalFiles Include=\"{1}\" /> and <EmbeddedResource Include=\"{1}\" LogicalName=\"{1}\" /> to the project");

    public static readonly DiagnosticDescriptor WeightsFileInvalid = Error("MG0115",
        "Weights file cannot be read",
        "Model '{0}' bakes the weights '{1}', which is not a valid safetensors file: {2}");

    public static readonly DiagnosticDescriptor WeightsMismatch = Error("MG0116",
        "Weights file does not fit the model",
        "The weights '{0}' do not fit model '{1}': {2}");

    /// <summary>Every descriptor, for lookup by id when a diagnostic is reported.</summary>
    public static readonly DiagnosticDescriptor[] All =
    {
        ModelNotPartial, ModelInGenericType, MissingInput, LayersSplitOverDeclarations, InternalError, DuplicateInput,
        InputNotFirst, DuplicateLoss, ContainingTypeNotPartial, ModelNotPlainClass,
        NonPositiveArgument, DropoutRateOutOfRange, KernelLargerThanInput, NeedsImageInput, NeedsFlatInput, LossNeedsVector,
        DuplicateVariableName, ModelTooLarge, ArgumentOutOfRange, InvalidName, FlattenOfVector, SoftmaxBeforeSoftmaxCrossEntropy,
        TooFewClasses, WeightsFileNotFound, WeightsFileInvalid, WeightsMismatch,
    };

    public static DiagnosticDescriptor ById(string id)
    {
        foreach (DiagnosticDescriptor d in All)
            if (d.Id == id) return d;
        return InternalError;
    }
}
