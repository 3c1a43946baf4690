// Property tests of shape arithmetic (a seeded loop; FsCheck is not on the package mirror): for random convolution and
// pooling stacks, the generated model's sizes equal an independent formula written here from TensorFlow's documentation
// (VALID: ceil((in - window + 1) / stride); SAME: ceil(in / stride)), and a compiled sample's Forward accepts exactly them.
using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Text;
using Microsoft.CodeAnalysis;

namespace ModelGen.Generator.Tests;

public class ShapePropertyTests
{
    private const int Cases = 120;

    /// <summary>A random stack and what the test's own formula says about it: sizes, or the layer VALID padding cannot fit.</summary>
    private sealed record StackCase(string Source, int InputLength, int[] OutputShape, long Parameters, bool WindowTooLarge);

    private static int CeilDiv(int a, int b) => (a + b - 1) / b;

    private static StackCase RandomStack(Random random)
    {
        int h = random.Next(1, 41), w = random.Next(1, 41), c = random.Next(1, 5);
        var text = new StringBuilder("using ModelGen;\n[Model(BatchSize = 2)]\n");
        text.Append(CultureInfo.InvariantCulture, $"[Input({h}, {w}, {c})]\n");
        int inputLength = h * w * c;
        long parameters = 0;
        bool tooLarge = false;
        int layers = random.Next(1, 4);
        for (int i = 0; i < layers && !tooLarge; i++)
        {
            bool conv = random.Next(2) == 0;
            int kh = random.Next(1, 7), kw = random.Next(1, 7);
            bool same = random.Next(2) == 0;
            // Pooling strides default to the window; convolution strides to 1. Sometimes set one or both.
            int sh = conv ? 1 : kh, sw = conv ? 1 : kw;
            var named = new List<string>();
            switch (random.Next(4))
            {
                case 0: break;
                case 1: sh = sw = random.Next(1, 5); named.Add($"Stride = {sh}"); break;
                case 2: sh = random.Next(1, 5); sw = random.Next(1, 5); named.Add($"StrideH = {sh}"); named.Add($"StrideW = {sw}"); break;
                default: sh = random.Next(1, 5); named.Add($"StrideH = {sh}"); break;
            }
            named.Add(same ? "Padding = Padding.Same" : "Padding = Padding.Valid");
            string args;
            int outC = c;
            if (conv)
            {
                outC = random.Next(1, 6);
                args = $"{kh}, {kw}, {outC}";
                parameters += (long)kh * kw * c * outC + outC;
            }
            else
            {
                args = random.Next(2) == 0 && kh == kw ? $"{kh}" : $"{kh}, {kw}";
            }
            text.Append(conv ? "[Conv2D(" : random.Next(2) == 0 ? "[MaxPool2D(" : "[AvgPool2D(").Append(args).Append(", ").Append(string.Join(", ", named)).Append(")]\n");

            if (!same && (kh > h || kw > w)) tooLarge = true;
            else
            {
                h = same ? CeilDiv(h, sh) : CeilDiv(h - kh + 1, sh);
                w = same ? CeilDiv(w, sw) : CeilDiv(w - kw + 1, sw);
                c = outC;
            }
        }
        bool flatten = random.Next(2) == 0;
        if (flatten) text.Append("[Flatten]\n");
        text.Append("public partial class Net;\n");
        int[] output = flatten ? new[] { h * w * c } : new[] { h, w, c };
        return new StackCase(text.ToString(), inputLength, output, parameters, tooLarge);
    }

    private static string Constant(string source, string name)
    {
        string key = "public const int " + name + " = ";
        int at = source.IndexOf(key, StringComparison.Ordinal);
        Assert.True(at >= 0, name + " is not in the generated source");
        int end = source.IndexOf(';', at);
        return source.Substring(at + key.Length, end - at - key.Length);
    }

    [Fact]
    public void RandomConvPoolStacks_GeneratedSizesMatchIndependentFormula()
    {
        var random = new Random(8);
        int rejected = 0;
        for (int i = 0; i < Cases; i++)
        {
            StackCase stack = RandomStack(random);
            GeneratorRun run = GeneratorHarness.Run(stack.Source);
            if (stack.WindowTooLarge)
            {
                rejected++;
                Assert.True(run.Diagnostics.Select(d => d.Id).SequenceEqual(new[] { "MG0103" }), stack.Source);
                Assert.Empty(run.ModelSources);
                continue;
            }
            Assert.True(run.Diagnostics.IsEmpty, stack.Source + string.Join("\n", run.Diagnostics));
            string source = run.Sources.Single().SourceText.ToString();
            string context = "\n" + stack.Source;
            Assert.True(Str(stack.InputLength) == Constant(source, "InputLength"), context);
            Assert.True(Str(stack.OutputShape.Aggregate(1, (a, b) => a * b)) == Constant(source, "OutputLength"), context);
            Assert.True(Str(stack.Parameters) == Constant(source, "ParameterCount"), context);
            Assert.Contains("OutputShape => new int[] { " + string.Join(", ", stack.OutputShape) + " }", source);
        }
        // Both branches of the property must have been exercised.
        Assert.InRange(rejected, 5, Cases - 30);
    }

    [Fact]
    public void RandomConvPoolStacks_CompiledForwardTakesFormulaLengths()
    {
        var random = new Random(80);
        int compiled = 0;
        while (compiled < 6)
        {
            StackCase stack = RandomStack(random);
            if (stack.WindowTooLarge) continue;
            GeneratorRun run = GeneratorHarness.Run(stack.Source);
            using var image = new MemoryStream();
            var emitted = run.Output.Emit(image);
            Assert.True(emitted.Success, string.Join("\n", emitted.Diagnostics));
            Type type = Assembly.Load(image.ToArray()).GetType("Net")!;
            var model = (IModel)Activator.CreateInstance(type)!;
            int outputLength = stack.OutputShape.Aggregate(1, (a, b) => a * b);
            Assert.Equal(stack.InputLength, model.InputLength);
            Assert.Equal(outputLength, model.OutputLength);

            var input = new float[stack.InputLength];
            for (int i = 0; i < input.Length; i++) input[i] = (i % 7) - 3;
            var output = new float[outputLength];
            model.Forward(input, output);
            Assert.All(output, v => Assert.True(float.IsFinite(v)));
            Assert.Throws<ArgumentException>(() => model.Forward(input, new float[outputLength + 1]));
            Assert.Throws<ArgumentException>(() => model.Forward(new float[stack.InputLength + 1], output));
            compiled++;
        }
    }

    private static string Str(long value) => value.ToString(CultureInfo.InvariantCulture);
}
