// Shape stage: validates every argument and infers every layer's output shape, one formula per layer kind,
// with TensorFlow's output sizes and SAME padding split. Pure: ModelSpec in, ModelShapes out.
using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using ModelGen.Generator.Diagnostics;
using ModelGen.Generator.Model;

namespace ModelGen.Generator.Shapes;

/// <summary>The shape of one sample: a vector (rank 1, its length in <see cref="Channels"/>) or an image H x W x C.</summary>
internal sealed record Shape(int Rank, int Height, int Width, int Channels)
{
    public static Shape Vector(int length) => new(1, 1, 1, length);

    public static Shape Image(int height, int width, int channels) => new(3, height, width, channels);

    /// <summary>The element count, saturating at <see cref="long.MaxValue"/>: three int dimensions can overflow a long.</summary>
    public long Length => ShapeInference.Product(Height, Width, Channels);

    public override string ToString() => Rank == 1
        ? Channels.ToString(CultureInfo.InvariantCulture)
        : string.Format(CultureInfo.InvariantCulture, "{0}x{1}x{2}", Height, Width, Channels);

    /// <summary>The shape as a C# array literal's contents, "28, 28, 1".</summary>
    public string ToList() => Rank == 1
        ? Channels.ToString(CultureInfo.InvariantCulture)
        : string.Format(CultureInfo.InvariantCulture, "{0}, {1}, {2}", Height, Width, Channels);
}

/// <summary>A layer with its final name and shapes. Pads are TensorFlow's SAME split (zero for VALID).</summary>
internal sealed record LayerInfo(LayerSpec Spec, string Name, Shape Input, Shape Output, int PadTop, int PadLeft, int PadBottom, int PadRight)
{
    /// <summary>"Layer 3 Conv2D 'conv2'", the way diagnostics and comments name a layer.</summary>
    public string Display => ShapeInference.Describe(Spec, Name);
}

/// <summary>The shape stage's result: the layers with shapes when every check passed, and the diagnostics.</summary>
internal sealed record ModelShapes(ModelSpec Spec, Shape Input, EquatableArray<LayerInfo> Layers, bool Ok, EquatableArray<DiagnosticInfo> Diagnostics);

internal static class ShapeInference
{
    /// <summary>The most parameters a model may have (2 GB of floats would not fit one arena anyway).</summary>
    public const long MaxParameters = 500_000_000;

    /// <summary>The most activation floats (all layers, all samples of a batch) a model may need.</summary>
    public const long MaxActivations = 500_000_000;

    public static ModelShapes Infer(ModelSpec spec)
    {
        var diagnostics = new List<DiagnosticInfo>(spec.Diagnostics);
        string[] names = AssignNames(spec.Layers, spec.FullyQualifiedName, diagnostics);
        bool ok = diagnostics.Count == 0 && !spec.HasCompilerErrors;

        if (spec.BatchSize < 1)
        {
            diagnostics.Add(DiagnosticInfo.Create(Descriptors.NonPositiveArgument, spec.ModelLocation, "[Model]", "BatchSize", Str(spec.BatchSize)));
            ok = false;
        }

        Shape input = Shape.Vector(0);
        if (spec.InputLocation is not null)
        {
            int[] dims = spec.InputShape.AsSpan().ToArray();
            foreach (int d in dims)
            {
                if (d < 1)
                {
                    diagnostics.Add(DiagnosticInfo.Create(Descriptors.NonPositiveArgument, spec.InputLocation, "[Input]", "a dimension", Str(d)));
                    ok = false;
                    break;
                }
            }
            input = dims.Length == 3 ? Shape.Image(dims[0], dims[1], dims[2]) : Shape.Vector(dims.Length == 1 ? dims[0] : 0);
        }

        for (int i = 0; i < spec.Layers.Count; i++)
            ok &= ValidateArguments(spec.Layers[i], names[i], diagnostics);

        var layers = new List<LayerInfo>();
        if (ok && input.Length > MaxActivations)
        {
            diagnostics.Add(DiagnosticInfo.Create(Descriptors.ModelTooLarge, spec.InputLocation, spec.TypeName, Str(input.Length), "floats in one input sample", Str(MaxActivations)));
            ok = false;
        }
        if (ok)
        {
            Shape current = input;
            string producer = "[Input]";
            foreach (LayerSpec layer in spec.Layers)
            {
                LayerInfo? info = InferLayer(layer, names[layer.Index - 1], current, producer, diagnostics);
                if (info is null)
                {
                    ok = false;
                    break;
                }
                if (info.Output.Length > MaxActivations)
                {
                    // Reported here, before anything sizes an int by it (Flatten, the planner).
                    diagnostics.Add(DiagnosticInfo.Create(Descriptors.ModelTooLarge, layer.Location, spec.TypeName, Str(info.Output.Length), "floats in one sample of " + info.Display, Str(MaxActivations)));
                    ok = false;
                    break;
                }
                layers.Add(info);
                current = info.Output;
                producer = info.Display;
            }

            if (ok) ok = CheckLoss(spec, input, layers, diagnostics) && CheckSize(spec, input, layers, diagnostics);
        }

        return new ModelShapes(spec, input, layers.ToEquatableArray(), ok && !HasErrors(diagnostics), diagnostics.ToEquatableArray());
    }

    private static bool HasErrors(List<DiagnosticInfo> diagnostics)
    {
        foreach (DiagnosticInfo d in diagnostics)
            if (Descriptors.ById(d.Id).DefaultSeverity == Microsoft.CodeAnalysis.DiagnosticSeverity.Error) return true;
        return false;
    }

    /// <summary>VALID: <c>(in - window) / stride + 1</c>; SAME: <c>ceil(in / stride)</c>, as TensorFlow.
    /// In long arithmetic: <c>in + stride - 1</c> overflows an int for a large input and stride.</summary>
    public static int OutputSize(int input, int window, int stride, PaddingKind padding) =>
        padding == PaddingKind.Same ? (int)(((long)input + stride - 1) / stride) : (input - window) / stride + 1;

    /// <summary>TensorFlow's SAME padding: the total <c>max((out - 1) * stride + window - in, 0)</c>, the smaller half first.</summary>
    public static (int Before, int After) Pads(int input, int output, int window, int stride, PaddingKind padding)
    {
        if (padding == PaddingKind.Valid) return (0, 0);
        // Below window, so an int; the long product keeps a huge window or stride from wrapping around.
        int total = (int)Math.Max((long)(output - 1) * stride + window - input, 0);
        return (total / 2, total - total / 2);
    }

    public static string KindName(LayerSpec layer) => layer.Kind switch
    {
        LayerKind.Activation => layer.Activation.ToString(),
        _ => layer.Kind.ToString(),
    };

    public static string Describe(LayerSpec layer, string name) =>
        string.Format(CultureInfo.InvariantCulture, "Layer {0} {1} '{2}'", layer.Index, KindName(layer), name);

    private static string Str(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    private static string Str(int value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>The default name prefix of an unnamed layer of this kind (Keras-like): dense, dense_1, conv2d...</summary>
    public static string DefaultPrefix(LayerSpec layer) => layer.Kind switch
    {
        LayerKind.Dense => "dense",
        LayerKind.Conv2D => "conv2d",
        LayerKind.MaxPool2D => "max_pool2d",
        LayerKind.AvgPool2D => "avg_pool2d",
        LayerKind.Flatten => "flatten",
        LayerKind.Dropout => "dropout",
        LayerKind.BatchNorm => "batch_norm",
        _ => layer.Activation switch
        {
            ActivationKind.Relu => "relu",
            ActivationKind.LeakyRelu => "leaky_relu",
            ActivationKind.Elu => "elu",
            ActivationKind.Sigmoid => "sigmoid",
            ActivationKind.Tanh => "tanh",
            ActivationKind.Softmax => "softmax",
            _ => "activation",
        },
    };

    /// <summary>
    /// Declared names are kept; the others are the kind's prefix, then prefix_1, prefix_2... in declaration order,
    /// skipping any name already declared. Reports invalid and duplicate declared names.
    /// </summary>
    private static string[] AssignNames(EquatableArray<LayerSpec> layers, string model, List<DiagnosticInfo> diagnostics)
    {
        var names = new string[layers.Count];
        var declared = new Dictionary<string, LayerSpec>(StringComparer.Ordinal);
        foreach (LayerSpec layer in layers)
        {
            if (layer.DeclaredName is not { } name) continue;
            if (!IsValidName(name))
                diagnostics.Add(DiagnosticInfo.Create(Descriptors.InvalidName, layer.LocationOf("Name"), Describe(layer, name), name));
            else if (declared.TryGetValue(name, out LayerSpec? first))
                diagnostics.Add(DiagnosticInfo.Create(Descriptors.DuplicateVariableName, layer.LocationOf("Name"), Describe(layer, name), name, Describe(first, name)));
            else
                declared.Add(name, layer);
        }

        var counters = new Dictionary<string, int>(StringComparer.Ordinal);
        var taken = new HashSet<string>(declared.Keys, StringComparer.Ordinal);
        foreach (LayerSpec layer in layers)
        {
            if (layer.DeclaredName is { } name)
            {
                names[layer.Index - 1] = name;
                continue;
            }
            string prefix = DefaultPrefix(layer);
            counters.TryGetValue(prefix, out int n);
            string candidate;
            do
            {
                candidate = n == 0 ? prefix : prefix + "_" + Str(n);
                n++;
            }
            while (taken.Contains(candidate));
            counters[prefix] = n;
            taken.Add(candidate);
            names[layer.Index - 1] = candidate;
        }
        return names;
    }

    /// <summary>A letter, then letters, digits, '_', '.' or '-'.</summary>
    public static bool IsValidName(string name)
    {
        if (name.Length == 0 || !char.IsLetter(name[0]) || name[0] > 127) return false;
        foreach (char c in name)
            if (!(c < 128 && (char.IsLetterOrDigit(c) || c == '_' || c == '.' || c == '-'))) return false;
        return true;
    }

    /// <summary>Checks the arguments that need no shape: sizes, rates, factors. Returns false on an error.</summary>
    private static bool ValidateArguments(LayerSpec layer, string name, List<DiagnosticInfo> diagnostics)
    {
        string who = Describe(layer, name);
        bool ok = true;
        void Positive(string argument, int value)
        {
            if (value >= 1) return;
            diagnostics.Add(DiagnosticInfo.Create(Descriptors.NonPositiveArgument, layer.LocationOf(argument), who, argument, Str(value)));
            ok = false;
        }
        void Range(string argument, double value, bool valid, string rule)
        {
            // The emitted code holds every real argument as a float literal: a finite double beyond float's range
            // would become Infinityf, which does not compile.
            if (valid && Math.Abs(value) > float.MaxValue)
            {
                valid = false;
                rule = "the value must fit a float (magnitude at most 3.4028235E+38), since the generated code stores it as one";
            }
            if (valid) return;
            diagnostics.Add(DiagnosticInfo.Create(Descriptors.ArgumentOutOfRange, layer.LocationOf(argument), who, argument, Str(value), rule));
            ok = false;
        }

        // One Stride sets both StrideH and StrideW: report it once, under the name the user wrote.
        void Strides()
        {
            bool shared = layer.LocationOf("Stride") is { } stride && stride == layer.LocationOf("StrideH") && stride == layer.LocationOf("StrideW");
            if (shared) Positive("Stride", layer.StrideH);
            else
            {
                Positive("StrideH", layer.StrideH);
                Positive("StrideW", layer.StrideW);
            }
        }

        switch (layer.Kind)
        {
            case LayerKind.Dense:
                Positive("units", layer.Units);
                break;
            case LayerKind.Conv2D:
                Positive("kernelHeight", layer.KernelHeight);
                Positive("kernelWidth", layer.KernelWidth);
                Positive("filters", layer.Units);
                Strides();
                break;
            case LayerKind.MaxPool2D:
            case LayerKind.AvgPool2D:
                if (layer.ArgumentLocations.Count(a => a.Name == "window") == 1)
                    Positive("window", layer.KernelHeight);
                else
                {
                    Positive("windowHeight", layer.KernelHeight);
                    Positive("windowWidth", layer.KernelWidth);
                }
                if (ok) Strides(); // a stride left to default repeats the window, already reported
                break;
            case LayerKind.Dropout:
                if (!(layer.Rate >= 0 && layer.Rate < 1))
                {
                    diagnostics.Add(DiagnosticInfo.Create(Descriptors.DropoutRateOutOfRange, layer.LocationOf("rate"), who, Str(layer.Rate)));
                    ok = false;
                }
                break;
            case LayerKind.BatchNorm:
                Range("Momentum", layer.Momentum, layer.Momentum >= 0 && layer.Momentum <= 1, "the moving averages' momentum must be in [0, 1]");
                Range("Epsilon", layer.Epsilon, layer.Epsilon > 0, "epsilon must be positive so that the division is defined");
                break;
            case LayerKind.Activation:
                if (layer.Activation is ActivationKind.LeakyRelu or ActivationKind.Elu)
                    Range("alpha", layer.Alpha, layer.Alpha > 0, "alpha must be positive (the backward pass reads the sign from the output)");
                break;
        }

        if (layer.Kind is LayerKind.Dense or LayerKind.Conv2D)
        {
            Range("Activation", (int)layer.Activation, layer.Activation is >= ActivationKind.Linear and <= ActivationKind.Softmax, "use a member of the Activation enum");
            // Alpha is emitted whatever the activation, so its float range is checked for all of them.
            Range("ActivationAlpha", layer.Alpha, layer.Activation is not (ActivationKind.LeakyRelu or ActivationKind.Elu) || layer.Alpha > 0,
                "alpha must be positive (the backward pass reads the sign from the output)");
            Range("L1", layer.L1, layer.L1 >= 0, "a regularization factor cannot be negative");
            Range("L2", layer.L2, layer.L2 >= 0, "a regularization factor cannot be negative");
            Range("KernelInitializer", (int)layer.KernelInitializer, layer.KernelInitializer is >= InitializerKind.GlorotUniform and <= InitializerKind.LeCunUniform, "use a member of the Initializer enum");
            Range("BiasInitializer", (int)layer.BiasInitializer, layer.BiasInitializer is >= InitializerKind.GlorotUniform and <= InitializerKind.LeCunUniform, "use a member of the Initializer enum");
            // Init values are emitted for every initializer (Constant's value, or an unused 0), so all are range-checked.
            Range("KernelInitValue", layer.KernelInitValue,
                layer.KernelInitializer is not (InitializerKind.TruncatedNormal or InitializerKind.RandomNormal) || layer.KernelInitValue > 0,
                "a standard deviation must be positive");
            Range("BiasInitValue", layer.BiasInitValue,
                layer.BiasInitializer is not (InitializerKind.TruncatedNormal or InitializerKind.RandomNormal) || layer.BiasInitValue > 0,
                "a standard deviation must be positive");
        }
        if (layer.Kind is LayerKind.Conv2D or LayerKind.MaxPool2D or LayerKind.AvgPool2D)
            Range("Padding", (int)layer.Padding, layer.Padding is PaddingKind.Valid or PaddingKind.Same, "use Padding.Valid or Padding.Same");
        return ok;
    }

    /// <summary>One layer's output shape from its input shape, or null after reporting why it has none.</summary>
    private static LayerInfo? InferLayer(LayerSpec layer, string name, Shape input, string producer, List<DiagnosticInfo> diagnostics)
    {
        string who = Describe(layer, name);
        switch (layer.Kind)
        {
            case LayerKind.Dense:
                if (input.Rank != 1)
                {
                    diagnostics.Add(DiagnosticInfo.Create(Descriptors.NeedsFlatInput, layer.Location, who, input.ToString(), producer));
                    return null;
                }
                return new LayerInfo(layer, name, input, Shape.Vector(layer.Units), 0, 0, 0, 0);

            case LayerKind.Conv2D:
            case LayerKind.MaxPool2D:
            case LayerKind.AvgPool2D:
            {
                if (input.Rank != 3)
                {
                    diagnostics.Add(DiagnosticInfo.Create(Descriptors.NeedsImageInput, layer.Location, who, producer, input.ToString()));
                    return null;
                }
                if (layer.Padding == PaddingKind.Valid && (layer.KernelHeight > input.Height || layer.KernelWidth > input.Width))
                {
                    string window = Str(layer.KernelHeight) + "x" + Str(layer.KernelWidth);
                    diagnostics.Add(DiagnosticInfo.Create(Descriptors.KernelLargerThanInput, layer.Location, who, window, producer, input.ToString()));
                    return null;
                }
                int outH = OutputSize(input.Height, layer.KernelHeight, layer.StrideH, layer.Padding);
                int outW = OutputSize(input.Width, layer.KernelWidth, layer.StrideW, layer.Padding);
                var (top, bottom) = Pads(input.Height, outH, layer.KernelHeight, layer.StrideH, layer.Padding);
                var (left, right) = Pads(input.Width, outW, layer.KernelWidth, layer.StrideW, layer.Padding);
                int channels = layer.Kind == LayerKind.Conv2D ? layer.Units : input.Channels;
                return new LayerInfo(layer, name, input, Shape.Image(outH, outW, channels), top, left, bottom, right);
            }

            case LayerKind.Flatten:
                if (input.Rank == 1)
                    diagnostics.Add(DiagnosticInfo.Create(Descriptors.FlattenOfVector, layer.Location, who, input.ToString()));
                return new LayerInfo(layer, name, input, Shape.Vector(checked((int)input.Length)), 0, 0, 0, 0);

            default:
                // Dropout, batch norm and activations keep the shape.
                return new LayerInfo(layer, name, input, input, 0, 0, 0, 0);
        }
    }

    private static bool CheckLoss(ModelSpec spec, Shape input, List<LayerInfo> layers, List<DiagnosticInfo> diagnostics)
    {
        if (spec.Loss != LossKind.SoftmaxCrossEntropy) return true;
        Shape output = layers.Count == 0 ? input : layers[layers.Count - 1].Output;
        string producer = layers.Count == 0 ? "[Input]" : layers[layers.Count - 1].Display;
        if (output.Rank != 1)
        {
            diagnostics.Add(DiagnosticInfo.Create(Descriptors.LossNeedsVector, spec.LossLocation, "SoftmaxCrossEntropy", "of class scores", producer, output.ToString()));
            return false;
        }
        if (output.Channels < 2)
        {
            diagnostics.Add(DiagnosticInfo.Create(Descriptors.TooFewClasses, spec.LossLocation, producer, output.ToString()));
            return false;
        }
        for (int i = layers.Count - 1; i >= 0; i--)
        {
            LayerInfo layer = layers[i];
            if (layer.Spec.Kind is LayerKind.Dropout or LayerKind.Flatten) continue;
            if (layer.Spec.Activation == ActivationKind.Softmax && layer.Spec.Kind is LayerKind.Activation or LayerKind.Dense or LayerKind.Conv2D)
                diagnostics.Add(DiagnosticInfo.Create(Descriptors.SoftmaxBeforeSoftmaxCrossEntropy, layer.Spec.Location, layer.Display));
            break;
        }
        return true;
    }

    private static bool CheckSize(ModelSpec spec, Shape input, List<LayerInfo> layers, List<DiagnosticInfo> diagnostics)
    {
        long parameters = 0, activations = input.Length, columns = 0;
        foreach (LayerInfo layer in layers)
        {
            parameters = Sum(parameters, ParameterCount(layer));
            activations = Sum(activations, layer.Output.Length);
            if (layer.Spec.Kind == LayerKind.Conv2D)
                columns = Math.Max(columns, ConvolutionScratch(layer));
        }
        activations = Product(activations, spec.BatchSize);
        if (parameters > MaxParameters)
        {
            diagnostics.Add(DiagnosticInfo.Create(Descriptors.ModelTooLarge, spec.ModelLocation, spec.TypeName, Str(parameters), "parameters", Str(MaxParameters)));
            return false;
        }
        if (activations > MaxActivations)
        {
            diagnostics.Add(DiagnosticInfo.Create(Descriptors.ModelTooLarge, spec.ModelLocation, spec.TypeName, Str(activations), "activation floats per batch", Str(MaxActivations)));
            return false;
        }
        if (columns > MaxActivations)
        {
            // One sample's convolution scratch (ConvolutionScratch): the planner sizes the scratch arena by it.
            diagnostics.Add(DiagnosticInfo.Create(Descriptors.ModelTooLarge, spec.ModelLocation, spec.TypeName, Str(columns), "convolution scratch floats", Str(MaxActivations)));
            return false;
        }
        return true;
    }

    private static string Str(long value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>The number of variable elements a layer owns (moving statistics included, as Keras counts them).</summary>
    public static long ParameterCount(LayerInfo layer) => layer.Spec.Kind switch
    {
        LayerKind.Dense => Sum(Product(layer.Input.Length, layer.Spec.Units), layer.Spec.UseBias ? layer.Spec.Units : 0),
        LayerKind.Conv2D => Sum(Product(layer.Spec.KernelHeight, layer.Spec.KernelWidth, layer.Input.Channels, layer.Spec.Units), layer.Spec.UseBias ? layer.Spec.Units : 0),
        LayerKind.BatchNorm => layer.Input.Channels * (2L + (layer.Spec.Scale ? 1 : 0) + (layer.Spec.Center ? 1 : 0)),
        _ => 0,
    };

    /// <summary>The product of positive factors (0 if any is not), saturating at <see cref="long.MaxValue"/> instead of wrapping around.</summary>
    public static long Product(params long[] factors)
    {
        long product = 1;
        foreach (long f in factors)
        {
            if (f <= 0) return 0; // sizes below 1 are reported by the argument checks before any size is used
            if (product > long.MaxValue / f) return long.MaxValue;
            product *= f;
        }
        return product;
    }

    /// <summary>
    /// Floats of scratch one sample of a convolution needs, as the runtime's <c>Conv2DGeometry.ColumnsLength</c>: the
    /// input gradient's columns (out H * out W rows of kh * kw * in C), or, if larger, the zero-padded extent the
    /// windows cover plus one offset per kernel tap and per output pixel (the forward product's gathered operand).
    /// </summary>
    public static long ConvolutionScratch(LayerInfo layer)
    {
        LayerSpec s = layer.Spec;
        long pixels = Product(layer.Output.Height, layer.Output.Width), patch = Product(s.KernelHeight, s.KernelWidth, layer.Input.Channels);
        long paddedHeight = Sum(Product(layer.Output.Height - 1, s.StrideH), s.KernelHeight);
        long paddedWidth = Sum(Product(layer.Output.Width - 1, s.StrideW), s.KernelWidth);
        long gathered = Sum(Sum(Product(paddedHeight, paddedWidth, layer.Input.Channels), patch), pixels);
        return Math.Max(Product(pixels, patch), gathered);
    }

    /// <summary>The sum of two non-negative counts, saturating at <see cref="long.MaxValue"/>.</summary>
    public static long Sum(long a, long b) => a > long.MaxValue - b ? long.MaxValue : a + b;
}
