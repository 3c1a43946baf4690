// Plan stage output: every offset and size the emitted code needs, as literal numbers.
using ModelGen.Generator.Model;
using ModelGen.Generator.Shapes;

namespace ModelGen.Generator.Planning;

/// <summary>One variable in the parameter arena, with how to initialize it.</summary>
internal sealed record VariablePlan(
    string Name,
    int Layer,
    string Accessor,
    EquatableArray<int> Shape,
    int Offset,
    int Length,
    string Kind,
    bool Trainable,
    InitializerKind Initializer,
    double InitValue,
    int FanIn,
    int FanOut,
    double L1,
    double L2);

/// <summary>
/// One layer with its buffers. Offsets index the activation arena (sized for BatchSize samples; the delta arena has the
/// same layout); -1 means the model's input span. Inference and training differ only where dropout is the identity at
/// inference, so its output aliases its input there.
/// </summary>
internal sealed record LayerPlan(
    LayerInfo Info,
    int InputOffset,
    int OutputOffset,
    int InferenceInputOffset,
    int InferenceOutputOffset,
    int Kernel,
    int Bias,
    int Gamma,
    int Beta,
    int MovingMean,
    int MovingVariance,
    int Cache,
    int InverseStd,
    int ColumnsLength)
{
    public int InputLength => (int)Info.Input.Length;

    public int OutputLength => (int)Info.Output.Length;

    public bool HasVariables => Kernel >= 0 || Gamma >= 0 || Beta >= 0;
}

/// <summary>Everything the emitter writes, for one model.</summary>
internal sealed record ModelPlan(
    ModelSpec Spec,
    Shape Input,
    Shape Output,
    EquatableArray<LayerPlan> Layers,
    EquatableArray<VariablePlan> Variables,
    int ParameterCount,
    int ParameterArenaLength,
    int ActivationArenaLength,
    int CacheArenaLength,
    int ScratchLength,
    int LowestTrainableLayer,
    int FinalOutputOffset,
    int FinalInferenceOffset,
    string? WeightsResource = null);
