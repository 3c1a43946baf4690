// Emit stage, the forward passes: one kernel call per layer, literal sizes and offsets, a comment naming the layer
// and its shapes. The same writer serves inference (dropout is the identity, batch norm uses moving statistics)
// and training (dropout draws masks, batch norm uses and updates batch statistics, caches kept for backward).
using System;
using System.Collections.Generic;
using System.Linq;
using ModelGen.Generator.Model;
using ModelGen.Generator.Planning;
using ModelGen.Generator.Shapes;

namespace ModelGen.Generator.Emit;

internal static partial class ModelEmitter
{
    private static void WriteForward(CodeWriter w, ModelPlan plan)
    {
        string final = plan.FinalInferenceOffset < 0 ? "x" : $"workspace.Activations.Span.Slice({plan.FinalInferenceOffset}, n * OutputLength)";

        WriteWorkspace(w, plan);
        WriteThreadCount(w);
        WriteSampleCount(w);

        w.Line("/// <summary>");
        w.Line("/// Inference on n samples: <paramref name=\"inputs\"/> holds n * <see cref=\"InputLength\"/> floats, <paramref name=\"outputs\"/>");
        w.Line("/// receives n * <see cref=\"OutputLength\"/>. Processes <see cref=\"BatchSize\"/> samples at a time; allocates nothing.");
        w.Line("/// Uses the model's own workspace, so one thread at a time: give other threads a <see cref=\"CreateWorkspace\"/> each.");
        w.Line("/// </summary>");
        w.Line("/// <exception cref=\"global::System.ArgumentException\">The span lengths do not fit the model.</exception>");
        w.Line($"public void Forward({ReadOnlySpan} inputs, {Span} outputs) => Forward(_workspace, inputs, outputs);");
        w.Line();
        w.Line("/// <summary>Inference as <see cref=\"Forward(global::System.ReadOnlySpan{float}, global::System.Span{float})\"/>, in the given workspace: any number of threads, each with its own workspace, share the model's weights without locks.</summary>");
        using (w.Block($"public void Forward(Workspace workspace, {ReadOnlySpan} inputs, {Span} outputs)"))
        {
            w.Line("int count = SampleCount(inputs, InputLength);");
            w.Line("if (outputs.Length != count * OutputLength)");
            w.Line("    throw new global::System.ArgumentException($\"outputs holds {outputs.Length} floats, but {count} samples produce {count * OutputLength} (OutputLength {OutputLength}).\", nameof(outputs));");
            WriteInWorkspace(w, "workspace", () => WriteChunks(w, "LayerCount", () =>
            {
                w.Line($"{final}.CopyTo(outputs.Slice(start * OutputLength, n * OutputLength));");
            }));
        }
        w.Line();

        w.Line("/// <summary>The index of the largest output (the predicted class) of one sample of <see cref=\"InputLength\"/> floats.</summary>");
        w.Line($"public int Predict({ReadOnlySpan} input) => Predict(_workspace, input);");
        w.Line();
        w.Line("/// <summary>The predicted class of one sample, computed in the given workspace (one per thread).</summary>");
        using (w.Block($"public int Predict(Workspace workspace, {ReadOnlySpan} input)"))
        {
            w.Line("if (input.Length != InputLength)");
            w.Line("    throw new global::System.ArgumentException($\"input holds {input.Length} floats, but the model takes InputLength = {InputLength}.\", nameof(input));");
            w.Line("const int n = 1;");
            w.Line("var x = input;");
            WriteInWorkspace(w, "workspace", () =>
            {
                w.Line("ForwardInference(workspace, x, n, LayerCount);");
                w.Line($"return {Kernels}.Losses.ArgMax({final});");
            });
        }
        w.Line();

        w.Line("/// <summary>The predicted class of each of n samples: <paramref name=\"classes\"/> holds n entries.</summary>");
        using (w.Block($"public void Predict({ReadOnlySpan} inputs, global::System.Span<int> classes)"))
        {
            w.Line("int count = SampleCount(inputs, InputLength);");
            w.Line("if (classes.Length != count)");
            w.Line("    throw new global::System.ArgumentException($\"classes holds {classes.Length} entries, but inputs holds {count} samples.\", nameof(classes));");
            w.Line("var workspace = _workspace;");
            WriteInWorkspace(w, "workspace", () => WriteChunks(w, "LayerCount", () =>
            {
                w.Line($"var y = {final};");
                w.Line("for (int i = 0; i < n; i++)");
                w.Line($"    classes[start + i] = {Kernels}.Losses.ArgMax(y.Slice(i * OutputLength, OutputLength));");
            }));
        }
        w.Line();

        w.Line("/// <summary>Inference on n &lt;= BatchSize samples into the activation arena, layer by layer, up to layer <paramref name=\"last\"/>.</summary>");
        using (w.Block($"private void ForwardInference(Workspace workspace, {ReadOnlySpan} x, int n, int last)"))
        {
            WriteArenaLocals(w, training: false);
            foreach (LayerPlan layer in plan.Layers)
            {
                if (layer.Info.Spec.Index > 1) w.Line($"if (last < {layer.Info.Spec.Index}) return;");
                WriteLayerForward(w, layer, plan, training: false);
            }
        }
        w.Line();

        WriteLayerAccess(w, plan);
    }

    /// <summary>Layer metadata and ForwardTo: run the model up to a layer (a frozen prefix, once) and read its output.</summary>
    private static void WriteLayerAccess(CodeWriter w, ModelPlan plan)
    {
        w.Line("/// <summary>The number of layers (the input is layer 0).</summary>");
        w.Line($"public const int LayerCount = {plan.Layers.Count};");
        w.Line();
        w.Line("/// <summary>The index (1 to <see cref=\"LayerCount\"/>) of the layer with this name.</summary>");
        WriteSwitch(w, "public static int LayerIndex(string name) => name switch",
            plan.Layers.Select(l => $"\"{l.Info.Name}\" => {l.Info.Spec.Index}"),
            "throw new global::System.ArgumentException($\"The model has no layer '{name}'.\", nameof(name))");
        w.Line("/// <summary>The number of floats one sample produces at a layer (0: the input).</summary>");
        WriteSwitch(w, "public static int LayerOutputLength(int layer) => layer switch",
            new[] { "0 => InputLength" }.Concat(plan.Layers.Select(l => $"{l.Info.Spec.Index} => {l.OutputLength}")),
            "throw new global::System.ArgumentOutOfRangeException(nameof(layer), layer, $\"Layers are numbered 0 (the input) to {LayerCount}.\")");
        w.Line("/// <summary>");
        w.Line("/// Inference up to and including layer <paramref name=\"layer\"/> on n samples, writing that layer's output (n *");
        w.Line("/// <see cref=\"LayerOutputLength\"/> floats): run a frozen prefix once over a data set, then train the layers above it on");
        w.Line("/// the cached activations with <c>TrainStepFrom</c>. Dropout is the identity and batch norm uses its moving statistics.");
        w.Line("/// </summary>");
        using (w.Block($"public void ForwardTo(int layer, {ReadOnlySpan} inputs, {Span} outputs)"))
        {
            w.Line("int length = LayerOutputLength(layer);");
            w.Line("int count = SampleCount(inputs, InputLength);");
            w.Line("if (outputs.Length != count * length)");
            w.Line("    throw new global::System.ArgumentException($\"outputs holds {outputs.Length} floats, but {count} samples produce {count * length} at layer {layer}.\", nameof(outputs));");
            w.Line("var workspace = _workspace;");
            WriteInWorkspace(w, "workspace", () => WriteChunks(w, "layer", () =>
            {
                w.Line("int offset = InferenceOutputOffset(layer);");
                w.Line("(offset < 0 ? x : workspace.Activations.Span.Slice(offset, n * length)).CopyTo(outputs.Slice(start * length, n * length));");
            }));
        }
        w.Line();
        w.Line("/// <summary>Where a layer's output sits in the activation arena at inference (-1: it is the model input, or a view of it).</summary>");
        WriteSwitch(w, "private static int InferenceOutputOffset(int layer) => layer switch",
            plan.Layers.Select(l => $"{l.Info.Spec.Index} => {l.InferenceOutputOffset}"), "-1");
    }

    /// <summary>The per-thread inference buffers and the counter that keeps training and inference apart.</summary>
    private static void WriteWorkspace(CodeWriter w, ModelPlan plan)
    {
        w.Line("/// <summary>");
        w.Line("/// The buffers one thread needs for inference (activations and scratch, for up to BatchSize samples). The weights");
        w.Line("/// stay in the model and are only read, so each thread with its own workspace runs Forward and Predict on one");
        w.Line("/// model at the same time as the others, with no locks and no allocation per call.");
        w.Line("/// </summary>");
        using (w.Block("public sealed class Workspace"))
        {
            w.Line($"internal readonly global::ModelGen.AlignedBuffer Activations = new({CodeWriter.Int(plan.ActivationArenaLength)});");
            w.Line($"internal readonly global::ModelGen.AlignedBuffer Scratch = new({CodeWriter.Int(plan.ScratchLength)});");
            w.Line("internal int Busy;");
            w.Line($"/// <summary>The floats this workspace holds ({CodeWriter.Int(plan.ActivationArenaLength + plan.ScratchLength)}).</summary>");
            w.Line("public int Length => Activations.Length + Scratch.Length;");
        }
        w.Line();
        w.Line("/// <summary>A workspace for one more thread's inference on this model type.</summary>");
        w.Line("public Workspace CreateWorkspace() => new();");
        w.Line();
        w.Line("// Inference calls in flight (>= 0), or -1 while a training step or PackWeights changes what inference reads.");
        w.Line("private int _users;");
        w.Line();
        using (w.Block("private void EnterInference(Workspace workspace)"))
        {
            w.Line("if (workspace is null) throw new global::System.ArgumentNullException(nameof(workspace));");
            w.Line("if (global::System.Threading.Interlocked.Exchange(ref workspace.Busy, 1) != 0)");
            w.Line("    throw new global::System.InvalidOperationException(\"This workspace is in use by another call: give each thread its own (CreateWorkspace()); Forward and Predict without one share the model's.\");");
            w.Line("int users;");
            using (w.Block("do"))
            {
                w.Line("users = global::System.Threading.Volatile.Read(ref _users);");
                using (w.Block("if (users < 0)"))
                {
                    w.Line("global::System.Threading.Volatile.Write(ref workspace.Busy, 0);");
                    w.Line("throw new global::System.InvalidOperationException(\"The model is in a training step on another thread, or packing its weights: inference waits until it returns.\");");
                }
            }
            w.Line("while (global::System.Threading.Interlocked.CompareExchange(ref _users, users + 1, users) != users);");
        }
        w.Line();
        using (w.Block("private void ExitInference(Workspace workspace)"))
        {
            w.Line("global::System.Threading.Interlocked.Decrement(ref _users);");
            w.Line("global::System.Threading.Volatile.Write(ref workspace.Busy, 0);");
        }
        w.Line();
        w.Line("/// <summary>Takes the model for a call that changes what inference reads (a training step, PackWeights): refused while any other call uses it.</summary>");
        using (w.Block("private void EnterExclusive(string what)"))
        {
            w.Line("int users = global::System.Threading.Interlocked.CompareExchange(ref _users, -1, 0);");
            w.Line("if (users != 0)");
            w.Line("    throw new global::System.InvalidOperationException(users < 0");
            w.Line("        ? $\"Another thread is in a training step on this model, or packing its weights: {what} must wait until it returns.\"");
            w.Line("        : $\"{users} inference call(s) are using this model on other threads: {what} now would change what they read, so it is refused.\");");
        }
        w.Line();
        w.Line("private void ExitExclusive() => global::System.Threading.Volatile.Write(ref _users, 0);");
        w.Line();
    }

    /// <summary>A static switch expression over layers: one arm per line, then the fallback arm.</summary>
    private static void WriteSwitch(CodeWriter w, string header, IEnumerable<string> arms, string fallback)
    {
        w.OpenBlock(header);
        foreach (string arm in arms) w.Line(arm + ",");
        w.Line("_ => " + fallback + ",");
        w.CloseBlock(";");
        w.Line();
    }

    /// <summary>
    /// The loop over chunks of at most BatchSize samples shared by the batched entry points: <c>n</c> samples from
    /// <c>start</c>, their inputs in <c>x</c>, run through inference up to <paramref name="last"/>; then <paramref name="tail"/>.
    /// </summary>
    private static void WriteChunks(CodeWriter w, string last, Action tail)
    {
        using (w.Block("for (int start = 0; start < count; start += BatchSize)"))
        {
            w.Line("int n = global::System.Math.Min(BatchSize, count - start);");
            w.Line("var x = inputs.Slice(start * InputLength, n * InputLength);");
            w.Line($"ForwardInference(workspace, x, n, {last});");
            tail.Invoke();
        }
    }

    /// <summary>The emitted check every batched entry point starts with: a whole, positive number of samples.</summary>
    private static void WriteSampleCount(CodeWriter w)
    {
        w.Line("/// <summary>The number of samples of <paramref name=\"sampleLength\"/> floats in <paramref name=\"inputs\"/>; at least one, and no remainder.</summary>");
        using (w.Block($"private static int SampleCount({ReadOnlySpan} inputs, int sampleLength)"))
        {
            w.Line("int n = inputs.Length / sampleLength;");
            w.Line("if (n == 0 || inputs.Length % sampleLength != 0)");
            w.Line("    throw new global::System.ArgumentException($\"inputs holds {inputs.Length} floats, which is not a positive multiple of the sample length {sampleLength}.\", nameof(inputs));");
            w.Line("return n;");
        }
        w.Line();
    }

    /// <summary>
    /// The model's own thread count: a property validated like <c>Parallelism.Use</c>, which every public entry point
    /// that runs kernels applies once, with <see cref="WriteThreadScope"/>, so that one model can train on several
    /// threads while another serves predictions on one.
    /// </summary>
    private static void WriteThreadCount(CodeWriter w)
    {
        w.Line("private int _threadCount;");
        w.Line();
        w.Line("/// <summary>");
        w.Line("/// The threads this model's calls use, the calling thread included: 0, the default, follows the calling thread's");
        w.Line("/// <see cref=\"global::ModelGen.Kernels.Parallelism.Use\"/> scope or else <see cref=\"global::ModelGen.Kernels.Parallelism.ThreadCount\"/>;");
        w.Line("/// 1 keeps every call on the calling thread; at most <c>Environment.ProcessorCount * 4</c>. Each public call that runs");
        w.Line("/// kernels (Forward, Predict, ForwardTo and, on a model with a loss, Evaluate and the training steps) opens a");
        w.Line("/// <c>Parallelism.Use</c> scope with it for its duration, so other models and other threads keep their own count.");
        w.Line("/// Results are bitwise the same for every thread count.");
        w.Line("/// </summary>");
        w.Line("/// <exception cref=\"global::System.ArgumentOutOfRangeException\">The value is below 0 or above <c>Environment.ProcessorCount * 4</c>.</exception>");
        using (w.Block("public int ThreadCount"))
        {
            w.Line("get => _threadCount;");
            using (w.Block("set"))
            {
                w.Line("int processors = global::System.Environment.ProcessorCount, max = processors * 4;");
                w.Line("if (value < 0 || value > max)");
                w.Line("    throw new global::System.ArgumentOutOfRangeException(nameof(ThreadCount), value, $\"ThreadCount must be between 0 (follow Parallelism.ThreadCount) and {max} (4 x the {processors} logical processors), but is {value}.\");");
                w.Line("_threadCount = value;");
            }
        }
        w.Line();
    }

    /// <summary>The first statement of a public entry point's work: this model's thread count until the method returns.</summary>
    private static void WriteThreadScope(CodeWriter w) =>
        w.Line("using var threads = global::ModelGen.Kernels.Parallelism.Use(ThreadCount);");

    /// <summary>Inference code wrapped in EnterInference/ExitInference on the given workspace, under the model's thread count.</summary>
    private static void WriteInWorkspace(CodeWriter w, string workspace, Action body)
    {
        WriteThreadScope(w);
        w.Line($"EnterInference({workspace});");
        w.OpenBlock("try");
        body();
        w.CloseBlock();
        w.Line($"finally {{ ExitInference({workspace}); }}");
    }

    private static void WriteArenaLocals(CodeWriter w, bool training)
    {
        w.Line("var p = _parameters.Span;");
        string owner = training ? "_workspace" : "workspace";
        w.Line($"var a = {owner}.Activations.Span;");
        w.Line($"var s = {owner}.Scratch.Span;");
        if (training)
            w.Line("var c = _caches!.Span;");
        else
            w.Line("var k = _packedValid ? _packed!.Span : default;  // the kernels packed by PackWeights, or empty: the products pack per call");
    }

    private static void WriteLayerForward(CodeWriter w, LayerPlan layer, ModelPlan plan, bool training)
    {
        LayerInfo info = layer.Info;
        LayerSpec spec = info.Spec;
        int inOffset = training ? layer.InputOffset : layer.InferenceInputOffset;
        int outOffset = training ? layer.OutputOffset : layer.InferenceOutputOffset;
        string x = Buffer("a", inOffset, layer.InputLength);
        string y = Buffer("a", outOffset, layer.OutputLength);
        int rowsPerSample = (int)(info.Output.Length / info.Output.Channels);
        string rows = rowsPerSample == 1 ? "n" : $"n * {rowsPerSample}";

        w.Line($"// Layer {spec.Index}: {LayerTitle(info)}: [n, {info.Input.ToList()}] -> [n, {info.Output.ToList()}]");
        using (w.Block())
        {
            switch (spec.Kind)
            {
                case LayerKind.Dense:
                    w.Line($"{Kernels}.Dense.Forward(");
                    w.Line($"    {y},  // y [n, {info.Output.Channels}]");
                    w.Line($"    {x},  // x [n, {info.Input.Length}]");
                    w.Line($"    {Parameter(layer.Kernel, plan)},  // {VariableComment(layer.Kernel, plan)}");
                    if (!training) w.Line($"    {PackedKernel(layer, plan)},  // the same, packed by PackWeights (or empty)");
                    w.Line($"    {Parameter(layer.Bias, plan)},  // {VariableComment(layer.Bias, plan)}");
                    w.Line($"    n, {info.Input.Length}, {spec.Units}, {FusedActivation(spec)}, {CodeWriter.Float(spec.Alpha)});");
                    if (spec.Activation == ActivationKind.Softmax)
                        w.Line($"{Kernels}.Activations.Softmax({y}, {y}, n, {spec.Units});");
                    break;
                case LayerKind.Conv2D:
                {
                    LayerPlan? pool = PoolingAfter(layer, plan);
                    w.Line($"{Kernels}.Conv2D.Forward(");
                    w.Line($"    {y},  // y [n, {info.Output.ToList()}]");
                    w.Line($"    s.Slice(0, {layer.ColumnsLength}),  // scratch of one sample (padded input and offset tables)");
                    w.Line($"    {x},  // x [n, {info.Input.ToList()}]");
                    w.Line($"    {Parameter(layer.Kernel, plan)},  // {VariableComment(layer.Kernel, plan)}");
                    if (!training) w.Line($"    {PackedKernel(layer, plan)},  // the same, packed by PackWeights (or empty)");
                    else if (pool is not null) w.Line($"    default,  // no packed copy: a training step changes the kernel, so the product packs it per call");
                    w.Line($"    {Parameter(layer.Bias, plan)},  // {VariableComment(layer.Bias, plan)}");
                    if (pool is not null)
                    {
                        int pooledOffset = training ? pool.OutputOffset : pool.InferenceOutputOffset;
                        string pooled = Buffer("a", pooledOffset, pool.OutputLength);
                        w.Line($"    n, {GeometryField(info)}, {FusedActivation(spec)}, {CodeWriter.Float(spec.Alpha)},");
                        w.Line($"    {(training ? "" : $"last < {pool.Info.Spec.Index} ? default : ")}{pooled},  // layer {pool.Info.Spec.Index}'s output [n, {pool.Info.Output.ToList()}]: y max pooled group by group, while in cache");
                        w.Line($"    {GeometryField(pool.Info)});");
                    }
                    else
                    {
                        w.Line($"    n, {GeometryField(info)}, {FusedActivation(spec)}, {CodeWriter.Float(spec.Alpha)});");
                    }
                    if (spec.Activation == ActivationKind.Softmax)
                        w.Line($"{Kernels}.Activations.Softmax({y}, {y}, {rows}, {info.Output.Channels});");
                    break;
                }
                case LayerKind.MaxPool2D:
                    if (!training && PoolsInConvolution(layer, plan))
                        w.Line($"// Computed by layer {spec.Index - 1}'s Conv2D.Forward, which pools each group of samples as it finishes it.");
                    else
                        w.Line($"{Kernels}.Pooling.MaxForward({y}, {x}, n, {GeometryField(info)});");
                    break;
                case LayerKind.AvgPool2D:
                    w.Line($"{Kernels}.Pooling.AvgForward({y}, {x}, n, {GeometryField(info)});");
                    break;
                case LayerKind.Flatten:
                    w.Line("// A view: NHWC flattened is the same memory, nothing to do.");
                    break;
                case LayerKind.Dropout:
                    if (training)
                        w.Line($"{Kernels}.Dropout.Forward({y}, c.Slice({layer.Cache}, n * {layer.OutputLength}), {x}, {CodeWriter.Float(spec.Rate)}, ref _rng);");
                    else
                        w.Line("// The identity at inference: the next layer reads this layer's input.");
                    break;
                case LayerKind.BatchNorm:
                {
                    int ch = info.Output.Channels;
                    string gamma = Parameter(layer.Gamma, plan), beta = Parameter(layer.Beta, plan);
                    if (training)
                    {
                        w.Line($"{Kernels}.BatchNorm.TrainingForward(");
                        w.Line($"    {y},  // y [n, {info.Output.ToList()}]");
                        w.Line($"    c.Slice({layer.Cache}, n * {layer.OutputLength}),  // normalized x, kept for backward");
                        w.Line($"    c.Slice({layer.InverseStd}, {ch}),  // 1 / sqrt(batch variance + epsilon), kept for backward");
                        w.Line($"    {VariableSlice("p", layer.MovingMean, plan)},  // {VariableComment(layer.MovingMean, plan)}, updated");
                        w.Line($"    {VariableSlice("p", layer.MovingVariance, plan)},  // {VariableComment(layer.MovingVariance, plan)}, updated");
                        w.Line($"    {x},  // x [n, {info.Input.ToList()}]");
                        w.Line($"    {gamma},  // {VariableComment(layer.Gamma, plan)}");
                        w.Line($"    {beta},  // {VariableComment(layer.Beta, plan)}");
                        w.Line($"    {rows}, {ch}, {CodeWriter.Float(spec.Momentum)}, {CodeWriter.Float(spec.Epsilon)});");
                    }
                    else
                    {
                        w.Line($"{Kernels}.BatchNorm.Inference(");
                        w.Line($"    {y},  // y [n, {info.Output.ToList()}]");
                        w.Line($"    {x},  // x [n, {info.Input.ToList()}]");
                        w.Line($"    {gamma},  // {VariableComment(layer.Gamma, plan)}");
                        w.Line($"    {beta},  // {VariableComment(layer.Beta, plan)}");
                        w.Line($"    {VariableSlice("p", layer.MovingMean, plan)},  // {VariableComment(layer.MovingMean, plan)}");
                        w.Line($"    {VariableSlice("p", layer.MovingVariance, plan)},  // {VariableComment(layer.MovingVariance, plan)}");
                        w.Line($"    {rows}, {ch}, {CodeWriter.Float(spec.Epsilon)});");
                    }
                    break;
                }
                case LayerKind.Activation:
                    if (spec.Activation == ActivationKind.Softmax)
                        w.Line($"{Kernels}.Activations.Softmax({y}, {x}, {rows}, {info.Output.Channels});");
                    else
                        w.Line($"{Kernels}.Activations.Forward({y}, {x}, {ActivationLiteral(spec.Activation)}, {CodeWriter.Float(spec.Alpha)});");
                    break;
            }
        }
    }

    /// <summary>
    /// The max pooling layer right after a convolution, which the convolution's forward call computes group by group
    /// (reading each group's output from cache instead of the whole batch's from memory); null when the next layer is
    /// not a max pooling, or the convolution ends in a softmax (applied after its call, so the pooling must wait for it).
    /// </summary>
    private static LayerPlan? PoolingAfter(LayerPlan conv, ModelPlan plan)
    {
        if (conv.Info.Spec.Kind != LayerKind.Conv2D || conv.Info.Spec.Activation == ActivationKind.Softmax) return null;
        LayerPlan? next = plan.Layers.FirstOrDefault(l => l.Info.Spec.Index == conv.Info.Spec.Index + 1);
        return next?.Info.Spec.Kind == LayerKind.MaxPool2D ? next : null;
    }

    /// <summary>Whether a max pooling layer is computed inside the forward call of the convolution before it (<see cref="PoolingAfter"/>).</summary>
    private static bool PoolsInConvolution(LayerPlan pool, ModelPlan plan) =>
        plan.Layers.Any(l => l.Info.Spec.Index == pool.Info.Spec.Index - 1 && PoolingAfter(l, plan) is not null);

    /// <summary>The activation a Dense or Conv2D kernel fuses: softmax is not element-wise, so it runs after a linear kernel.</summary>
    private static string FusedActivation(LayerSpec spec) =>
        ActivationLiteral(spec.Activation == ActivationKind.Softmax ? ActivationKind.Linear : spec.Activation);
}
