// Plan stage: lays out the parameter, activation, cache and scratch arenas. Every offset is a multiple of 16 floats
// (64 bytes, one AVX-512 vector, one cache line) so that each tensor starts aligned.
using System;
using System.Collections.Generic;
using System.Text;
using ModelGen.Generator.Model;
using ModelGen.Generator.Shapes;

namespace ModelGen.Generator.Planning;

internal static class Planner
{
    public const int Alignment = 16;

    public static int Align(long length) => checked((int)((length + Alignment - 1) / Alignment * Alignment));

    public static ModelPlan Plan(ModelShapes shapes)
    {
        ModelSpec spec = shapes.Spec;
        int batch = spec.BatchSize;
        var variables = new List<VariablePlan>();
        var layers = new List<LayerPlan>();
        int parameterEnd = 0, parameterCount = 0, activationEnd = 0, cacheEnd = 0, scratch = 0;
        int input = -1, inferenceInput = -1;
        int lowestTrainable = int.MaxValue;

        int AddVariable(LayerInfo layer, string suffix, string kind, int[] shape, bool trainable, InitializerKind init, double value, int fanIn, int fanOut, double l1 = 0, double l2 = 0)
        {
            int length = 1;
            foreach (int d in shape) length = checked(length * d);
            int offset = parameterEnd;
            string name = layer.Name + "/" + suffix;
            variables.Add(new VariablePlan(name, layer.Spec.Index, Accessor(name), new EquatableArray<int>(shape), offset, length, kind, trainable, init, value, fanIn, fanOut, l1, l2));
            parameterEnd = Align((long)offset + length);
            parameterCount += length;
            if (trainable) lowestTrainable = Math.Min(lowestTrainable, layer.Spec.Index);
            return offset;
        }

        int Activation(long perSample)
        {
            int offset = activationEnd;
            activationEnd = Align(activationEnd + perSample * batch);
            return offset;
        }

        int Cache(long length)
        {
            int offset = cacheEnd;
            cacheEnd = Align(cacheEnd + length);
            return offset;
        }

        foreach (LayerInfo layer in shapes.Layers)
        {
            LayerSpec s = layer.Spec;
            int kernel = -1, bias = -1, gamma = -1, beta = -1, mean = -1, variance = -1, cache = -1, inverseStd = -1, columns = 0;
            int output, inferenceOutput;
            switch (s.Kind)
            {
                case LayerKind.Dense:
                {
                    int fanIn = (int)layer.Input.Length, fanOut = s.Units;
                    kernel = AddVariable(layer, "kernel", "Kernel", new[] { fanIn, fanOut }, s.Trainable, s.KernelInitializer, s.KernelInitValue, fanIn, fanOut, s.L1, s.L2);
                    if (s.UseBias) bias = AddVariable(layer, "bias", "Bias", new[] { s.Units }, s.Trainable, s.BiasInitializer, s.BiasInitValue, fanIn, fanOut);
                    output = inferenceOutput = Activation(layer.Output.Length);
                    break;
                }
                case LayerKind.Conv2D:
                {
                    int receptive = s.KernelHeight * s.KernelWidth;
                    int fanIn = receptive * layer.Input.Channels, fanOut = receptive * s.Units;
                    kernel = AddVariable(layer, "kernel", "Kernel", new[] { s.KernelHeight, s.KernelWidth, layer.Input.Channels, s.Units }, s.Trainable, s.KernelInitializer, s.KernelInitValue, fanIn, fanOut, s.L1, s.L2);
                    if (s.UseBias) bias = AddVariable(layer, "bias", "Bias", new[] { s.Units }, s.Trainable, s.BiasInitializer, s.BiasInitValue, fanIn, fanOut);
                    columns = checked((int)ShapeInference.ConvolutionScratch(layer));
                    scratch = Math.Max(scratch, Align(columns));
                    output = inferenceOutput = Activation(layer.Output.Length);
                    break;
                }
                case LayerKind.BatchNorm:
                {
                    int c = layer.Input.Channels;
                    if (s.Scale) gamma = AddVariable(layer, "gamma", "Gamma", new[] { c }, s.Trainable, InitializerKind.Ones, 0, c, c);
                    if (s.Center) beta = AddVariable(layer, "beta", "Beta", new[] { c }, s.Trainable, InitializerKind.Zeros, 0, c, c);
                    mean = AddVariable(layer, "moving_mean", "MovingMean", new[] { c }, false, InitializerKind.Zeros, 0, c, c);
                    variance = AddVariable(layer, "moving_variance", "MovingVariance", new[] { c }, false, InitializerKind.Ones, 0, c, c);
                    cache = Cache(layer.Output.Length * batch);
                    inverseStd = Cache(c);
                    output = inferenceOutput = Activation(layer.Output.Length);
                    break;
                }
                case LayerKind.Flatten:
                    // A view: NHWC flattened is the same memory.
                    output = input;
                    inferenceOutput = inferenceInput;
                    break;
                case LayerKind.Dropout:
                    cache = Cache(layer.Output.Length * batch);
                    output = Activation(layer.Output.Length);
                    inferenceOutput = inferenceInput;
                    break;
                default:
                    output = inferenceOutput = Activation(layer.Output.Length);
                    break;
            }

            layers.Add(new LayerPlan(layer, input, output, inferenceInput, inferenceOutput, kernel, bias, gamma, beta, mean, variance, cache, inverseStd, columns));
            input = output;
            inferenceInput = inferenceOutput;
        }

        Shape outputShape = shapes.Layers.Count == 0 ? shapes.Input : shapes.Layers[shapes.Layers.Count - 1].Output;
        return new ModelPlan(
            spec,
            shapes.Input,
            outputShape,
            layers.ToEquatableArray(),
            variables.ToEquatableArray(),
            parameterCount,
            Math.Max(parameterEnd, Alignment),
            Math.Max(activationEnd, Alignment),
            Math.Max(cacheEnd, Alignment),
            Math.Max(scratch, Alignment),
            lowestTrainable == int.MaxValue ? -1 : lowestTrainable,
            input,
            inferenceInput);
    }

    /// <summary>The C# property name of a variable: "conv1/kernel" -> Conv1Kernel, "dense_1/moving_mean" -> Dense1MovingMean.</summary>
    public static string Accessor(string name)
    {
        var result = new StringBuilder();
        bool upper = true;
        foreach (char c in name)
        {
            if (char.IsLetterOrDigit(c))
            {
                result.Append(upper ? char.ToUpperInvariant(c) : c);
                upper = false;
            }
            else upper = true;
        }
        return result.ToString();
    }
}
