// Emit stage, training: TrainStep (forward keeping what backward needs, the loss, backward in the reverse order of
// the forward pass, one optimizer update) and Evaluate (mean loss and accuracy in inference mode).
using System.Linq;
using ModelGen.Generator.Model;
using ModelGen.Generator.Planning;
using ModelGen.Generator.Shapes;

namespace ModelGen.Generator.Emit;

internal static partial class ModelEmitter
{
    private static void WriteTraining(CodeWriter w, ModelPlan plan)
    {
        ModelSpec spec = plan.Spec;
        string label = LabelType(spec);
        string labels = $"global::System.ReadOnlySpan<{label}>";
        int classes = (int)plan.Output.Length;
        string finalTraining = plan.FinalOutputOffset < 0 ? "x" : $"a.Slice({plan.FinalOutputOffset}, n * OutputLength)";
        string finalDelta = plan.FinalOutputOffset < 0 ? $"{Span}.Empty" : $"d.Slice({plan.FinalOutputOffset}, n * OutputLength)";
        string finalInference = plan.FinalInferenceOffset < 0 ? "x" : $"workspace.Activations.Span.Slice({plan.FinalInferenceOffset}, n * OutputLength)";
        string lossCall = spec.Loss == LossKind.SoftmaxCrossEntropy ? "SoftmaxCrossEntropy" : "MeanSquaredError";

        w.Line("/// <summary>");
        w.Line("/// One training step on n samples, 1 &lt;= n &lt;= <see cref=\"BatchSize\"/> (a short last batch is fine):");
        w.Line("/// <see cref=\"ComputeGradients\"/>, then one update of the trainable variables by <paramref name=\"optimizer\"/>.");
        w.Line("/// Returns the loss. The first call allocates the gradient, delta and cache arenas; later calls allocate nothing.");
        w.Line("/// </summary>");
        w.Line("/// <exception cref=\"global::System.ArgumentException\">The span lengths do not fit the model or n is not in [1, BatchSize].</exception>");
        w.Line($"public float TrainStep({ReadOnlySpan} inputs, {labels} labels, global::ModelGen.Optimizer optimizer) => TrainStepFrom(0, inputs, labels, optimizer);");
        w.Line();

        w.Line("/// <summary>");
        w.Line("/// Forward in training mode (dropout masks drawn, batch statistics used and moving averages updated), the loss (mean");
        w.Line("/// over the n samples plus L1/L2 terms) and backward in reverse layer order, leaving d(loss)/d(variable) in");
        w.Line("/// <see cref=\"Gradients\"/>. Updates no trainable variable. Returns the loss.");
        w.Line("/// </summary>");
        using (w.Block($"public float ComputeGradients({ReadOnlySpan} inputs, {labels} labels)"))
        {
            WriteThreadScope(w);
            w.Line("EnterExclusive(\"a training step\");");
            w.Line("try { return ComputeGradientsFrom(0, inputs, labels, out _); }");
            w.Line("finally { ExitExclusive(); }");
        }
        w.Line();

        w.Line("/// <summary>");
        w.Line("/// One training step of the layers above <paramref name=\"layer\"/>, on the activations that layer produced (from");
        w.Line("/// <see cref=\"ForwardTo\"/>): caching a frozen prefix, as the tutorials do. Every variable at or below");
        w.Line("/// <paramref name=\"layer\"/> must be frozen (declared or with <c>Trainable.Freeze</c>). Layer 0 is the input, so");
        w.Line("/// <c>TrainStepFrom(0, ...)</c> is <see cref=\"TrainStep\"/>. With no dropout or batch norm in the prefix the result equals");
        w.Line("/// training the whole model with the prefix frozen, bit for bit.");
        w.Line("/// </summary>");
        using (w.Block($"public float TrainStepFrom(int layer, {ReadOnlySpan} activations, {labels} labels, global::ModelGen.Optimizer optimizer)"))
        {
            w.Line("if (optimizer is null) throw new global::System.ArgumentNullException(nameof(optimizer));");
            WriteThreadScope(w);
            w.Line("EnterExclusive(\"a training step\");");
            w.Line("_packedValid = false;  // the update changes the kernels: inference packs per call until PackWeights runs again");
            w.OpenBlock("try");
            w.Line("float loss = ComputeGradientsFrom(layer, activations, labels, out bool finite);");
            w.Line("if (finite) optimizer.Apply(_parameters.Span, _gradients!.Span, _trainable.Ranges);");
            w.Line("return loss;");
            w.CloseBlock();
            w.Line("finally { ExitExclusive(); }");
        }
        w.Line();

        w.Line("/// <summary>Forward, loss and backward from above <paramref name=\"layer\"/>; <paramref name=\"finite\"/> is false when a guard found a NaN or infinity.</summary>");
        using (w.Block($"private float ComputeGradientsFrom(int layer, {ReadOnlySpan} inputs, {labels} labels, out bool finite)"))
        {
            w.Line("int length = LayerOutputLength(layer);");
            w.Line("if (layer >= LayerCount)");
            w.Line("    throw new global::System.ArgumentOutOfRangeException(nameof(layer), layer, $\"Training starts above layer {layer}, but the model's last layer is {LayerCount}.\");");
            w.Line("if (_trainable.LowestLayer <= layer)");
            w.Line("    throw new global::System.InvalidOperationException($\"Layer {_trainable.LowestLayer} has trainable variables, so training cannot start above layer {layer}: freeze layers 1 to {layer} first (Trainable.Freeze).\");");
            w.Line("int n = CountSamples(inputs, length, labels.Length, BatchSize);");
            w.Line("EnsureTrainingBuffers();");
            w.Line("var x = inputs;");
            w.Line("var p = _parameters.Span;");
            w.Line("var a = _workspace.Activations.Span;");
            w.Line("var d = _deltas!.Span;");
            w.Line("var g = _gradients!.Span;");
            w.Line("if (layer > 0 && TrainingOutputOffset(layer) >= 0) x.CopyTo(a.Slice(TrainingOutputOffset(layer), n * length));");
            w.Line("ForwardTraining(x, n, layer + 1);");
            w.Line("ClearGradients(_trainable.LowestLayer);");
            w.Line($"float loss = {Kernels}.Losses.{lossCall}({finalDelta}, {finalTraining}, labels, n, {classes});");
            foreach (VariablePlan v in plan.Variables.Where(v => v.L1 > 0 || v.L2 > 0))
                w.Line($"loss += {Kernels}.Regularization.Apply(g.Slice({v.Offset}, {v.Length}), p.Slice({v.Offset}, {v.Length}), {CodeWriter.Float(v.L1)}, {CodeWriter.Float(v.L2)});  // {v.Name}");
            w.Line("_steps++;");
            w.Line("finite = !CheckFinite || (float.IsFinite(loss) || NonFiniteFound(\"loss\", FirstNonFiniteActivation(x, n, layer + 1), loss));");
            using (w.Block("if (!finite)"))
            {
                w.Line("ClearGradients(int.MaxValue);  // backward does not run: no gradient at all");
                w.Line("return loss;");
            }
            w.Line("Backward(x, n);");
            w.Line("finite = !CheckFinite || GradientsAreFinite() || NonFiniteFound(\"gradient\", FirstNonFiniteGradient(), loss);");
            w.Line("return loss;");
        }
        w.Line();
        WriteClearGradients(w, plan);
        WriteGuards(w, plan);
        w.Line();

        w.Line("/// <summary>Where a layer's output sits in the activation arena while training (-1: the model input, or a view of it).</summary>");
        WriteSwitch(w, "private static int TrainingOutputOffset(int layer) => layer switch",
            plan.Layers.Select(l => $"{l.Info.Spec.Index} => {l.OutputOffset}"), "-1");

        w.Line("/// <summary>");
        w.Line("/// Which variables training updates: those declared trainable, minus those frozen at run time with");
        w.Line("/// <c>Trainable.Freeze(\"conv.*\")</c>. The backward pass stops at the lowest layer with a variable to update.");
        w.Line("/// </summary>");
        w.Line("public global::ModelGen.TrainableSet Trainable => _trainable;");
        w.Line();
        w.Line("/// <summary>The gradient arena, same layout as <see cref=\"Parameters\"/>, as the last training step or <see cref=\"ComputeGradients\"/> left it (empty before the first; zeros after a step whose loss was not finite).</summary>");
        w.Line("public global::System.Span<float> Gradients => _gradients is null ? default : _gradients.Span;");
        w.Line();

        w.Line("/// <summary>Mean loss (without regularization) and accuracy over any number of samples, in inference mode, in batches.</summary>");
        using (w.Block($"public global::ModelGen.Evaluation Evaluate({ReadOnlySpan} inputs, {labels} labels)"))
        {
            w.Line("int count = CountSamples(inputs, InputLength, labels.Length, int.MaxValue);");
            w.Line("double lossSum = 0;");
            w.Line("long correct = 0;");
            w.Line("var workspace = _workspace;");
            WriteInWorkspace(w, "workspace", () => WriteChunks(w, "LayerCount", () =>
            {
                w.Line("var l = labels.Slice(start * LabelLength, n * LabelLength);");
                w.Line($"var y = {finalInference};");
                w.Line($"lossSum += (double){Kernels}.Losses.{lossCall}({Span}.Empty, y, l, n, {classes}) * n;");
                w.Line($"correct += {Kernels}.Losses.CountCorrect(y, l, n, {classes});");
            }));
            w.Line("return new global::ModelGen.Evaluation(lossSum / count, (double)correct / count, count);");
        }
        w.Line();

        w.Line("/// <summary>The number of samples in inputs, checked against the labels and the largest batch allowed.</summary>");
        using (w.Block($"private static int CountSamples({ReadOnlySpan} inputs, int sampleLength, int labelCount, int maxSamples)"))
        {
            w.Line("int n = SampleCount(inputs, sampleLength);");
            w.Line("if (n > maxSamples)");
            w.Line("    throw new global::System.ArgumentException($\"inputs holds {n} samples, but one training step takes at most BatchSize = {BatchSize}.\", nameof(inputs));");
            w.Line("if (labelCount != n * LabelLength)");
            w.Line("    throw new global::System.ArgumentException($\"labels holds {labelCount} values, but {n} samples need {n * LabelLength} (LabelLength {LabelLength}).\", \"labels\");");
            w.Line("return n;");
        }
        w.Line();

        using (w.Block("private void EnsureTrainingBuffers()"))
        {
            w.Line("if (_gradients is not null) return;");
            w.Line("_gradients = new global::ModelGen.AlignedBuffer(ParameterArenaLength);");
            w.Line($"_deltas = new global::ModelGen.AlignedBuffer({plan.ActivationArenaLength});");
            w.Line($"_caches = new global::ModelGen.AlignedBuffer({plan.CacheArenaLength});");
        }
        w.Line();

        w.Line("/// <summary>Training-mode forward on n samples from layer <paramref name=\"first\"/> up: dropout masks drawn, batch statistics used and moving averages updated.</summary>");
        using (w.Block($"private void ForwardTraining({ReadOnlySpan} x, int n, int first)"))
        {
            WriteArenaLocals(w, training: true);
            foreach (LayerPlan layer in plan.Layers)
            {
                // A pooling computed with the convolution before it runs on its own only when training starts at it.
                w.Line(PoolsInConvolution(layer, plan)
                    ? $"if (first == {layer.Info.Spec.Index})  // else pooled by layer {layer.Info.Spec.Index - 1}'s Conv2D.Forward"
                    : $"if (first <= {layer.Info.Spec.Index})");
                WriteLayerForward(w, layer, plan, training: true);
            }
        }
        w.Line();

        WriteBackward(w, plan);
    }

    /// <summary>
    /// Whether <paramref name="layer"/>'s backward writes its gradients whole instead of adding to them: a dense layer that
    /// backward reaches (at or above the lowest declared trainable layer) and whose variables take no L1/L2 term (those
    /// terms go into the arena before backward). Its part of the arena then needs no clearing before each step.
    /// </summary>
    private static bool WritesGradients(LayerPlan layer, ModelPlan plan) =>
        layer.Info.Spec.Kind == LayerKind.Dense
        && plan.LowestTrainableLayer >= 0 && layer.Info.Spec.Index >= plan.LowestTrainableLayer
        && plan.Variables.Where(v => v.Offset == layer.Kernel || v.Offset == layer.Bias).All(v => v.L1 == 0 && v.L2 == 0);

    /// <summary>
    /// Whether the gradient guard checks <paramref name="layer"/>'s kernel gradient, x^T dy over the batch, through its two
    /// factors (<c>NumericalGuard.ProductIsFinite</c>) instead of scanning it: for a written dense kernel larger than a
    /// full batch's x and dy together (fc1 of the tutorial CNN: 3.2M floats against 0.2M; a 784-256 layer at batch 128:
    /// 0.2M against 0.13M, where reading the factors' maxima took 10 us and scanning the gradient 19).
    /// </summary>
    private static bool BoundsGradient(LayerPlan layer, ModelPlan plan) =>
        WritesGradients(layer, plan)
        && (long)layer.InputLength * layer.Info.Spec.Units > (long)plan.Spec.BatchSize * (layer.InputLength + layer.Info.Spec.Units);

    /// <summary>The gradient arena's variables in order, each with the layer that writes it whole (-1: accumulated into, or never written).</summary>
    private static (VariablePlan Variable, int Writer)[] GradientOwners(ModelPlan plan) =>
        plan.Variables.OrderBy(v => v.Offset)
            .Select(v => (v, plan.Layers.FirstOrDefault(l => (l.Kernel == v.Offset || l.Bias == v.Offset) && WritesGradients(l, plan))?.Info.Spec.Index ?? -1))
            .ToArray();

    /// <summary>Runs of consecutive variables with the same writer (merged where <paramref name="merge"/> allows): [start, end) of the arena, and the names of their first and last variables.</summary>
    private static System.Collections.Generic.List<(int Start, int End, int Writer, string Names)> GradientRuns((VariablePlan Variable, int Writer)[] owners, System.Func<int, bool> merge)
    {
        var runs = new System.Collections.Generic.List<(int Start, int End, int Writer, string First, string Last)>();
        foreach (var (v, writer) in owners)
        {
            int last = runs.Count - 1;
            if (last >= 0 && runs[last].Writer == writer && merge(writer))
                runs[last] = (runs[last].Start, v.Offset + v.Length, writer, runs[last].First, v.Name);
            else
                runs.Add((v.Offset, v.Offset + v.Length, writer, v.Name, v.Name));
        }
        return runs.Select(r => (r.Start, r.End, r.Writer, r.First == r.Last ? r.First : $"{r.First} to {r.Last}")).ToList();
    }

    /// <summary>ClearGradients: zeroes what backward adds to, and the dense layers' gradients backward will not reach.</summary>
    private static void WriteClearGradients(CodeWriter w, ModelPlan plan)
    {
        w.Line("/// <summary>");
        w.Line("/// Sets to zero the gradients backward adds to, and those of the dense layers below <paramref name=\"lowest\"/>, which");
        w.Line("/// backward does not reach; a dense layer it reaches writes its gradients whole, so they are not cleared first.");
        w.Line("/// </summary>");
        using (w.Block("private void ClearGradients(int lowest)"))
        {
            w.Line("var g = _gradients!.Span;");
            foreach (var run in GradientRuns(GradientOwners(plan), writer => true))
            {
                string clear = $"{Kernels}.Arena.Clear(g.Slice({CodeWriter.Int(run.Start)}, {CodeWriter.Int(run.End - run.Start)}));  // {run.Names}";
                w.Line(run.Writer < 0 ? clear : $"if (lowest > {run.Writer}) {clear}");
            }
        }
        w.Line();
    }

    /// <summary>The training entry guard, and the numerical guards that find where a NaN or infinity first appeared.</summary>
    private static void WriteGuards(CodeWriter w, ModelPlan plan)
    {
        w.Line("/// <summary>Whether training steps check the loss and the gradients for NaN and infinity (one vectorized pass over the gradients). Default true.</summary>");
        w.Line("public bool CheckFinite { get; set; } = true;");
        w.Line();
        w.Line("/// <summary>");
        w.Line("/// Raised instead of throwing <see cref=\"global::ModelGen.NonFiniteException\"/> when a training step's loss or gradients are");
        w.Line("/// not finite, if a handler is attached. Either way the step leaves the weights as they were.");
        w.Line("/// </summary>");
        w.Line("public event global::System.Action<global::ModelGen.NonFiniteException>? NonFinite;");
        w.Line();
        w.Line("private long _steps;");
        w.Line();
        using (w.Block("private bool NonFiniteFound(string quantity, int layer, float loss)"))
        {
            w.Line("string where = layer == 0 ? \"the input\" : layer > LayerCount ? \"the loss itself\" : (quantity == \"loss\" ? \"the output of \" : \"the gradients of \") + LayerName(layer);");
            w.Line("var problem = new global::ModelGen.NonFiniteException(_steps, quantity, layer, where, loss);");
            w.Line("if (NonFinite is null) throw problem;");
            w.Line("NonFinite(problem);");
            w.Line("return false;");
        }
        w.Line();
        w.Line("/// <summary>\"Layer 3 Dense 'fc1'\": how messages name a layer.</summary>");
        WriteSwitch(w, "public static string LayerName(int layer) => layer switch",
            plan.Layers.Select(l => $"{l.Info.Spec.Index} => \"{l.Info.Display.Replace("\"", "\\\"")}\""),
            "throw new global::System.ArgumentOutOfRangeException(nameof(layer), layer, $\"Layers are numbered 1 to {LayerCount}.\")");
        w.Line("/// <summary>The first layer, in forward order from <paramref name=\"first\"/>, whose training output holds a NaN or infinity (0: the input; LayerCount + 1: none).</summary>");
        using (w.Block($"private int FirstNonFiniteActivation({ReadOnlySpan} x, int n, int first)"))
        {
            w.Line("if (global::ModelGen.NumericalGuard.FirstNonFinite(x) >= 0) return first <= 1 ? 0 : first - 1;");
            w.Line("var a = _workspace.Activations.Span;");
            foreach (LayerPlan layer in plan.Layers)
            {
                if (layer.OutputOffset < 0 || layer.OutputOffset == layer.InputOffset) continue;
                int k = layer.Info.Spec.Index;
                w.Line($"if (first <= {k} && global::ModelGen.NumericalGuard.FirstNonFinite(a.Slice({layer.OutputOffset}, n * {layer.OutputLength})) >= 0) return {k};");
            }
            w.Line("return LayerCount + 1;");
        }
        w.Line();
        w.Line("/// <summary>The first layer, in backward order, with a NaN or infinity among its variables' gradients.</summary>");
        using (w.Block("private int FirstNonFiniteGradient()"))
        {
            w.Line("var g = _gradients!.Span;");
            foreach (VariablePlan v in plan.Variables.Reverse())
                w.Line($"if (global::ModelGen.NumericalGuard.FirstNonFinite(g.Slice({v.Offset}, {v.Length})) >= 0) return {v.Layer};  // {v.Name}");
            w.Line("return LayerCount + 1;");
        }
        w.Line();
        var bounded = plan.Layers.Where(l => BoundsGradient(l, plan)).ToArray();
        foreach (LayerPlan layer in bounded)
            w.Line($"private bool _boundedGradient{layer.Info.Spec.Index};  // set by backward: NumericalGuard.ProductIsFinite(x, dy) of layer {layer.Info.Spec.Index}");
        if (bounded.Length > 0) w.Line();
        w.Line("/// <summary>");
        w.Line("/// The guard after backward: whether every gradient is finite, in one vectorized pass over the arena.");
        if (bounded.Length > 0)
        {
            w.Line("/// A dense kernel gradient that backward showed finite from its two factors (<see cref=\"global::ModelGen.NumericalGuard.ProductIsFinite\"/>)");
            w.Line("/// is skipped; one backward did not reach holds the zeros ClearGradients left.");
        }
        w.Line("/// </summary>");
        using (w.Block("private bool GradientsAreFinite()"))
        {
            w.Line("var g = _gradients!.Span;");
            // Runs split only at the kernels checked through their factors (marked with their layer).
            var skip = new System.Collections.Generic.HashSet<int>(bounded.Select(l => l.Kernel));
            var marked = GradientOwners(plan).Select(o => (o.Variable, Writer: skip.Contains(o.Variable.Offset) ? o.Variable.Layer : -1)).ToArray();
            foreach (var run in GradientRuns(marked, writer => writer < 0))
            {
                string scan = $"global::ModelGen.NumericalGuard.FirstNonFinite(g.Slice({CodeWriter.Int(run.Start)}, {CodeWriter.Int(run.End - run.Start)})) >= 0";
                w.Line(run.Writer < 0 ? $"if ({scan}) return false;  // {run.Names}" : $"if (!_boundedGradient{run.Writer} && {scan}) return false;  // {run.Names}");
            }
            w.Line("return true;");
        }
        w.Line();
    }

    private static void WriteBackward(CodeWriter w, ModelPlan plan)
    {
        int lowest = plan.LowestTrainableLayer;
        w.Line("/// <summary>");
        w.Line("/// Backward on n samples, in the reverse order of the forward pass. On entry the delta of the model's output holds");
        w.Line("/// d(loss)/d(output); each layer turns the delta of its output into gradients of its variables and the delta of its input.");
        w.Line(lowest < 0
            ? "/// No layer has trainable variables, so there is nothing to do."
            : $"/// It stops at layer {lowest}, the lowest with trainable variables: nothing below it needs a gradient.");
        w.Line("/// </summary>");
        using (w.Block($"private void Backward({ReadOnlySpan} x, int n)"))
        {
            if (lowest < 0)
            {
                w.Line("_ = x;");
                w.Line("_ = n;");
                return;
            }
            w.Line("var p = _parameters.Span;");
            w.Line("var a = _workspace.Activations.Span;");
            w.Line("var s = _workspace.Scratch.Span;");
            w.Line("var c = _caches!.Span;");
            w.Line("var d = _deltas!.Span;");
            w.Line("var g = _gradients!.Span;");
            w.Line("int lowest = _trainable.LowestLayer;  // raised by Trainable.Freeze");
            for (int i = plan.Layers.Count - 1; i >= 0; i--)
            {
                LayerPlan layer = plan.Layers[i];
                int index = layer.Info.Spec.Index;
                if (index < lowest) break;
                if (index > lowest || layer.HasVariables) w.Line($"if (lowest > {index}) return;");
                WriteLayerBackward(w, i, plan, needInputDelta: index > lowest && layer.InputOffset >= 0);
            }
        }
        w.Line();
    }

    /// <summary>
    /// Whether the max pooling at <paramref name="position"/> also applies the derivative of the fused activation of the
    /// layer below it (the layer whose output it pools): one pass over that output instead of two.
    /// </summary>
    private static bool PoolTakesActivation(ModelPlan plan, int position)
    {
        if (position < 1 || position >= plan.Layers.Count || plan.Layers[position].Info.Spec.Kind != LayerKind.MaxPool2D) return false;
        LayerPlan below = plan.Layers[position - 1];
        LayerSpec spec = below.Info.Spec;
        return spec.Kind is LayerKind.Dense or LayerKind.Conv2D
            && spec.Activation is not (ActivationKind.Linear or ActivationKind.Softmax)
            && below.OutputOffset == plan.Layers[position].InputOffset;
    }

    private static void WriteLayerBackward(CodeWriter w, int position, ModelPlan plan, bool needInputDelta)
    {
        LayerPlan layer = plan.Layers[position];
        LayerInfo info = layer.Info;
        LayerSpec spec = info.Spec;
        string x = Buffer("a", layer.InputOffset, layer.InputLength);
        string y = Buffer("a", layer.OutputOffset, layer.OutputLength);
        string dy = Buffer("d", layer.OutputOffset, layer.OutputLength);
        // A layer with variables may be the lowest trainable one after a run-time Freeze: then it needs no input delta.
        string dx = !needInputDelta ? $"{Span}.Empty"
            : layer.HasVariables ? $"(lowest < {spec.Index} ? {Buffer("d", layer.InputOffset, layer.InputLength)} : {Span}.Empty)"
            : Buffer("d", layer.InputOffset, layer.InputLength);
        int rowsPerSample = (int)(info.Output.Length / info.Output.Channels);
        string rows = rowsPerSample == 1 ? "n" : $"n * {rowsPerSample}";
        string Grad(int offset) => offset < 0 ? $"{Span}.Empty" : VariableSlice("g", offset, plan);

        w.Line($"// Layer {spec.Index} backward: {LayerTitle(info)}: d[n, {info.Output.ToList()}] -> d[n, {info.Input.ToList()}]" + (needInputDelta ? "" : " (no input delta needed)"));
        using (w.Block())
        {
            switch (spec.Kind)
            {
                case LayerKind.Dense:
                case LayerKind.Conv2D:
                    if (spec.Activation == ActivationKind.Softmax)
                        w.Line($"{Kernels}.Activations.SoftmaxBackward({dy}, {dy}, {y}, {rows}, {info.Output.Channels});");
                    else if (PoolTakesActivation(plan, position + 1))
                        w.Line($"// The delta already went through the fused {spec.Activation}: the max pooling above applied its derivative.");
                    else if (spec.Activation != ActivationKind.Linear)
                        w.Line($"{Kernels}.Activations.Backward({dy}, {dy}, {y}, {ActivationLiteral(spec.Activation)}, {CodeWriter.Float(spec.Alpha)});  // delta through the fused activation, from its output");
                    if (spec.Kind == LayerKind.Dense)
                    {
                        bool writes = WritesGradients(layer, plan);
                        string how = writes ? "written whole" : "accumulated";
                        w.Line($"{Kernels}.Dense.Backward(");
                        w.Line($"    {dx},  // dx [n, {info.Input.Length}]");
                        w.Line($"    {Grad(layer.Kernel)},  // d {VariableComment(layer.Kernel, plan)}, {how}");
                        w.Line($"    {Grad(layer.Bias)},  // d {VariableComment(layer.Bias, plan)}, {how}");
                        w.Line($"    {dy},  // dy [n, {spec.Units}]");
                        w.Line($"    {x},  // x [n, {info.Input.Length}]");
                        w.Line($"    {Parameter(layer.Kernel, plan)},  // {VariableComment(layer.Kernel, plan)}");
                        w.Line($"    n, {info.Input.Length}, {spec.Units}, accumulate: {(writes ? "false" : "true")});");
                        if (BoundsGradient(layer, plan))
                            w.Line($"_boundedGradient{spec.Index} = CheckFinite && global::ModelGen.NumericalGuard.ProductIsFinite({x}, {dy}, n);  // the guard's shortcut for d {VariableComment(layer.Kernel, plan)}");
                    }
                    else
                    {
                        w.Line($"{Kernels}.Conv2D.Backward(");
                        w.Line($"    {dx},  // dx [n, {info.Input.ToList()}]");
                        w.Line($"    {Grad(layer.Kernel)},  // d {VariableComment(layer.Kernel, plan)}, accumulated");
                        w.Line($"    {Grad(layer.Bias)},  // d {VariableComment(layer.Bias, plan)}, accumulated");
                        w.Line($"    s.Slice(0, {layer.ColumnsLength}),  // scratch of one sample (padded input, offset tables; then dx's columns)");
                        w.Line($"    {dy},  // dy [n, {info.Output.ToList()}]");
                        w.Line($"    {x},  // x [n, {info.Input.ToList()}]");
                        w.Line($"    {Parameter(layer.Kernel, plan)},  // {VariableComment(layer.Kernel, plan)}");
                        w.Line($"    n, {GeometryField(info)});");
                    }
                    break;
                case LayerKind.MaxPool2D:
                    if (!needInputDelta) break;
                    if (PoolTakesActivation(plan, position))
                    {
                        LayerSpec below = plan.Layers[position - 1].Info.Spec;
                        w.Line($"{Kernels}.Pooling.MaxBackward({dx}, {dy}, {x}, n, {GeometryField(info)}, {ActivationLiteral(below.Activation)}, {CodeWriter.Float(below.Alpha)});  // and through the {below.Activation} of layer {below.Index}");
                    }
                    else
                    {
                        w.Line($"{Kernels}.Pooling.MaxBackward({dx}, {dy}, {x}, n, {GeometryField(info)});");
                    }
                    break;
                case LayerKind.AvgPool2D:
                    if (needInputDelta) w.Line($"{Kernels}.Pooling.AvgBackward({dx}, {dy}, n, {GeometryField(info)});");
                    break;
                case LayerKind.Flatten:
                    w.Line("// A view: the delta of the output is the delta of the input.");
                    break;
                case LayerKind.Dropout:
                    if (needInputDelta) w.Line($"{Kernels}.Dropout.Backward({dx}, {dy}, c.Slice({layer.Cache}, n * {layer.OutputLength}));");
                    break;
                case LayerKind.BatchNorm:
                    w.Line($"{Kernels}.BatchNorm.Backward(");
                    w.Line($"    {dx},  // dx [n, {info.Input.ToList()}]");
                    w.Line($"    {Grad(layer.Gamma)},  // d {VariableComment(layer.Gamma, plan)}, accumulated");
                    w.Line($"    {Grad(layer.Beta)},  // d {VariableComment(layer.Beta, plan)}, accumulated");
                    w.Line($"    {dy},  // dy [n, {info.Output.ToList()}]");
                    w.Line($"    c.Slice({layer.Cache}, n * {layer.OutputLength}),  // normalized x from the forward pass");
                    w.Line($"    c.Slice({layer.InverseStd}, {info.Output.Channels}),  // 1 / std from the forward pass");
                    w.Line($"    {Parameter(layer.Gamma, plan)},  // {VariableComment(layer.Gamma, plan)}");
                    w.Line($"    {rows}, {info.Output.Channels});");
                    break;
                case LayerKind.Activation:
                    if (!needInputDelta) break;
                    if (spec.Activation == ActivationKind.Softmax)
                        w.Line($"{Kernels}.Activations.SoftmaxBackward({dx}, {dy}, {y}, {rows}, {info.Output.Channels});");
                    else
                        w.Line($"{Kernels}.Activations.Backward({dx}, {dy}, {y}, {ActivationLiteral(spec.Activation)}, {CodeWriter.Float(spec.Alpha)});");
                    break;
            }
        }
    }
}
