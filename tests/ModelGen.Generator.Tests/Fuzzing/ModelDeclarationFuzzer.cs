// Writes random model declarations from a seed: layer sequences drawn from the whole attribute vocabulary, arguments that
// are valid, extreme, zero, negative or huge, and hostile variations (malformed syntax, wrong argument types, duplicates,
// missing or misplaced [Input], two losses, odd declarations). The same seed always writes the same source.
using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;

namespace ModelGen.Generator.Tests.Fuzzing;

/// <summary>One fuzz case: its number, the seed that rebuilds it, and the C# source of one compilation unit.</summary>
internal sealed record FuzzCase(int Number, int Seed, string Source);

internal static class ModelDeclarationFuzzer
{
    private static readonly string[] Activations = { "Linear", "Relu", "LeakyRelu", "Elu", "Sigmoid", "Tanh", "Softmax" };

    private static readonly string[] Initializers =
        { "GlorotUniform", "GlorotNormal", "HeNormal", "HeUniform", "TruncatedNormal", "RandomNormal", "Zeros", "Ones", "Constant" };

    /// <summary>The seed of case <paramref name="number"/> in the run seeded <paramref name="runSeed"/>, so any case reruns alone.</summary>
    public static int CaseSeed(int runSeed, int number) => unchecked(runSeed * 1_000_003 + number * 7919 + 17);

    public static FuzzCase Create(int runSeed, int number)
    {
        int seed = CaseSeed(runSeed, number);
        return new FuzzCase(number, seed, Write(new Random(seed)));
    }

    /// <summary>
    /// A declaration. Half the cases are plausible networks (image blocks, Flatten, dense layers, a loss) with one or two
    /// arguments pushed to an extreme, so that the shape checks, the planner and the emitter all run; the others mix layers
    /// freely. A few percent get a textual defect the C# compiler rejects.
    /// </summary>
    private static string Write(Random random)
    {
        var attributes = new List<string>();
        bool plausible = random.Next(2) == 0;
        // Extreme arguments are rare in plausible cases, so most of them reach the emitter.
        double extreme = plausible ? 0.04 : 0.25;

        if (random.Next(40) != 0) attributes.Add(ModelAttribute(random, extreme));
        bool image = random.Next(3) != 0;
        string input = image
            ? $"[Input({Size(random, extreme, 4, 32)}, {Size(random, extreme, 4, 32)}, {Size(random, extreme, 1, 4)})]"
            : $"[Input({Size(random, extreme, 1, 64)})]";
        int inputPlace = random.Next(30) switch { 0 => -1, 1 => 1, _ => 0 }; // missing, after the first layer, first
        if (random.Next(40) == 0) attributes.Add(input); // a second [Input]

        var layers = new List<string>();
        if (plausible) PlausibleLayers(random, image, extreme, layers);
        else
        {
            int count = random.Next(0, 9);
            for (int i = 0; i < count; i++) layers.Add(AnyLayer(random, extreme));
        }

        if (inputPlace == 0) attributes.Add(input);
        for (int i = 0; i < layers.Count; i++)
        {
            attributes.Add(layers[i]);
            if (i == 0 && inputPlace == 1) attributes.Add(input);
        }
        if (layers.Count == 0 && inputPlace == 1) attributes.Add(input);

        int losses = random.Next(20) switch { 0 => 0, 1 => 2, _ => 1 };
        for (int i = 0; i < losses; i++)
            attributes.Add(random.Next(3) == 0 ? "[MeanSquaredError]" : "[SoftmaxCrossEntropy]");

        if (random.Next(25) == 0) Shuffle(random, attributes);
        string body = Declaration(random, attributes);
        return random.Next(25) == 0 ? Corrupt(random, body) : body;
    }

    private static void PlausibleLayers(Random random, bool image, double extreme, List<string> layers)
    {
        if (image)
        {
            int blocks = random.Next(0, 3);
            for (int b = 0; b < blocks; b++)
            {
                layers.Add(Conv2D(random, extreme));
                if (random.Next(3) == 0) layers.Add(BatchNorm(random, extreme));
                if (random.Next(3) == 0) layers.Add(ActivationLayer(random, extreme));
                if (random.Next(2) == 0) layers.Add(Pool(random, extreme));
            }
            layers.Add(Attribute("Flatten", new List<string>(), Names(random, extreme)));
        }
        int dense = random.Next(0, 3);
        for (int d = 0; d < dense; d++)
        {
            layers.Add(Dense(random, extreme, 1, 64));
            if (random.Next(3) == 0) layers.Add(Dropout(random, extreme));
            if (random.Next(4) == 0) layers.Add(BatchNorm(random, extreme));
        }
        layers.Add(Dense(random, extreme, 2, 10));
    }

    private static string AnyLayer(Random random, double extreme) => random.Next(14) switch
    {
        0 or 1 => Dense(random, extreme, 1, 64),
        2 or 3 => Conv2D(random, extreme),
        4 or 5 => Pool(random, extreme),
        6 => Attribute("Flatten", new List<string>(), Names(random, extreme)),
        7 => Dropout(random, extreme),
        8 => BatchNorm(random, extreme),
        _ => ActivationLayer(random, extreme),
    };

    /// <summary>"[Kind]" or "[Kind(positional..., Named = value...)]".</summary>
    private static string Attribute(string kind, List<string> positional, List<string> named)
    {
        positional.AddRange(named);
        return positional.Count == 0 && named.Count == 0 ? "[" + kind + "]" : "[" + kind + "(" + string.Join(", ", positional) + ")]";
    }

    private static string ModelAttribute(Random random, double extreme)
    {
        var named = new List<string>();
        if (random.Next(2) == 0) named.Add("BatchSize = " + Size(random, extreme, 1, 16));
        if (random.Next(2) == 0) named.Add("Seed = " + Int(random.Next(-5, 1000)));
        return named.Count == 0 && random.Next(2) == 0 ? "[Model]" : "[Model(" + string.Join(", ", named) + ")]";
    }

    private static string Dense(Random random, double extreme, int low, int high) =>
        Attribute("Dense", new List<string> { Size(random, extreme, low, high) }, Weighted(random, extreme));

    private static string Conv2D(Random random, double extreme)
    {
        var positional = new List<string> { Size(random, extreme, 1, 5), Size(random, extreme, 1, 5), Size(random, extreme, 1, 8) };
        List<string> named = Weighted(random, extreme);
        named.AddRange(Strides(random, extreme));
        return Attribute("Conv2D", positional, named);
    }

    private static string Pool(Random random, double extreme)
    {
        var positional = new List<string> { Size(random, extreme, 1, 3) };
        if (random.Next(3) == 0) positional.Add(Size(random, extreme, 1, 3));
        List<string> named = Names(random, extreme);
        named.AddRange(Strides(random, extreme));
        return Attribute(random.Next(2) == 0 ? "MaxPool2D" : "AvgPool2D", positional, named);
    }

    private static string Dropout(Random random, double extreme) =>
        Attribute("Dropout", new List<string> { Rate(random, extreme) }, Names(random, extreme));

    private static string BatchNorm(Random random, double extreme)
    {
        List<string> named = Names(random, extreme);
        if (random.Next(3) == 0) named.Add("Momentum = " + Real(random, extreme, 0.9));
        if (random.Next(3) == 0) named.Add("Epsilon = " + Real(random, extreme, 0.001));
        if (random.Next(4) == 0) named.Add("Center = " + Bool(random));
        if (random.Next(4) == 0) named.Add("Scale = " + Bool(random));
        return Attribute("BatchNorm", new List<string>(), named);
    }

    private static string ActivationLayer(Random random, double extreme)
    {
        var positional = new List<string>();
        string kind = random.Next(8) switch
        {
            0 => "Relu",
            1 or 2 => "LeakyRelu",
            3 or 4 => "Elu",
            5 => "Sigmoid",
            6 => "Tanh",
            _ => "Softmax",
        };
        if (kind is "LeakyRelu" or "Elu" && random.Next(2) == 0) positional.Add(Real(random, extreme, kind == "Elu" ? 1.0 : 0.2));
        return Attribute(kind, positional, Names(random, extreme));
    }

    /// <summary>The named arguments every weighted layer takes, each with some probability.</summary>
    private static List<string> Weighted(Random random, double extreme)
    {
        List<string> named = Names(random, extreme);
        if (random.Next(2) == 0) named.Add("Activation = " + EnumValue(random, extreme, "Activation", Activations));
        if (random.Next(8) == 0) named.Add("ActivationAlpha = " + Real(random, extreme, 0.1));
        if (random.Next(8) == 0) named.Add("UseBias = " + Bool(random));
        if (random.Next(6) == 0) named.Add("KernelInitializer = " + EnumValue(random, extreme, "Initializer", Initializers));
        if (random.Next(10) == 0) named.Add("KernelInitValue = " + Real(random, extreme, 0.05));
        if (random.Next(10) == 0) named.Add("BiasInitializer = " + EnumValue(random, extreme, "Initializer", Initializers));
        if (random.Next(12) == 0) named.Add("BiasInitValue = " + Real(random, extreme, 0.1));
        if (random.Next(8) == 0) named.Add("L1 = " + Real(random, extreme, 0.001));
        if (random.Next(8) == 0) named.Add("L2 = " + Real(random, extreme, 0.001));
        return named;
    }

    private static List<string> Strides(Random random, double extreme)
    {
        var named = new List<string>();
        if (random.Next(3) == 0) named.Add("Stride = " + Size(random, extreme, 1, 3));
        if (random.Next(10) == 0) named.Add("StrideH = " + Size(random, extreme, 1, 3));
        if (random.Next(10) == 0) named.Add("StrideW = " + Size(random, extreme, 1, 3));
        if (random.Next(2) == 0) named.Add("Padding = " + EnumValue(random, extreme, "Padding", new[] { "Valid", "Same" }));
        return named;
    }

    /// <summary>Name and Trainable, which every layer takes. Names repeat often ("layer", "l0".."l5"), so duplicates occur.</summary>
    private static List<string> Names(Random random, double extreme)
    {
        var named = new List<string>();
        if (random.Next(10) == 0) named.Add("Trainable = " + Bool(random));
        if (random.Next(4) != 0) return named;
        string name = random.NextDouble() < extreme * 2
            ? random.Next(7) switch
            {
                0 => "\"\"",
                1 => "\"bad name\"",
                2 => "\"1conv\"",
                3 => "null",
                4 => "\"\u00fc\"",
                5 => "\"a/b\"",
                _ => "\"" + new string('x', 600) + "\"",
            }
            : "\"" + (random.Next(3) == 0 ? "layer" : "l" + Int(random.Next(6))) + "\"";
        named.Add("Name = " + name);
        return named;
    }

    private static string Size(Random random, double extreme, int low, int high)
    {
        if (random.NextDouble() >= extreme) return Int(random.Next(low, high + 1));
        return random.Next(9) switch
        {
            0 => "0",
            1 => "-1",
            2 => Int(-random.Next(2, 1000)),
            3 => "int.MaxValue",
            4 => "int.MinValue",
            5 => Int(random.Next(1000, 100_000)),
            6 => "65536",
            7 => Int(1 << random.Next(16, 31)),
            _ => "46341", // 46341^2 overflows an int
        };
    }

    private static string Rate(Random random, double extreme)
    {
        if (random.NextDouble() >= extreme) return Double(random.Next(0, 10) / 10.0);
        return random.Next(7) switch
        {
            0 => "1.0",
            1 => "-0.5",
            2 => "double.NaN",
            3 => "double.PositiveInfinity",
            4 => "1e308",
            5 => "0.99999999999",
            _ => "double.Epsilon",
        };
    }

    private static string Real(Random random, double extreme, double typical)
    {
        if (random.NextDouble() >= extreme) return Double(typical * (0.5 + random.NextDouble()));
        return random.Next(8) switch
        {
            0 => "0",
            1 => "-1",
            2 => "double.NaN",
            3 => "double.PositiveInfinity",
            4 => "double.NegativeInfinity",
            5 => "1e300",
            6 => "double.Epsilon",
            _ => "-0.0",
        };
    }

    private static string EnumValue(Random random, double extreme, string type, string[] members)
    {
        if (random.NextDouble() >= extreme) return type + "." + members[random.Next(members.Length)];
        return random.Next(3) switch
        {
            0 => $"({type})" + Int(members.Length + random.Next(0, 50)),
            1 => $"({type})(-1)",
            _ => $"({type})int.MaxValue",
        };
    }

    private static string Declaration(Random random, List<string> attributes)
    {
        string keyword = random.Next(30) switch
        {
            0 => "struct",
            1 => "record",
            2 => "static class",
            3 => "abstract class",
            4 => "sealed class",
            _ => "class",
        };
        string partial = random.Next(30) == 0 ? "" : "partial ";
        string generic = random.Next(40) == 0 ? "<T>" : "";
        string access = random.Next(10) == 0 ? "internal " : "public ";
        var text = new StringBuilder("using ModelGen;\n\n");
        bool inNamespace = random.Next(2) == 0;
        if (inNamespace) text.Append("namespace Fuzz.Models;\n\n");
        int nesting = random.Next(20) switch { 0 => 1, 1 => 2, _ => 0 };
        string outerGeneric = random.Next(3) == 0 ? "<TOuter>" : "";
        for (int i = 0; i < nesting; i++)
            text.Append(random.Next(6) == 0 ? "public class Outer" : "public partial class Outer").Append(Int(i)).Append(i == 0 ? outerGeneric : "").Append("\n{\n");
        foreach (string attribute in attributes) text.Append(attribute).Append('\n');
        text.Append(access).Append(partial).Append(keyword).Append(" Net").Append(generic).Append(random.Next(2) == 0 ? ";\n" : " { }\n");
        for (int i = 0; i < nesting; i++) text.Append("}\n");
        return text.ToString();
    }

    /// <summary>A textual defect: a deleted or duplicated character, a wrong argument type, an unknown or repeated argument.</summary>
    private static string Corrupt(Random random, string source)
    {
        int at = source.IndexOf('[', StringComparison.Ordinal);
        if (at < 0) return source;
        at += random.Next(Math.Max(1, source.Length - at));
        switch (random.Next(8))
        {
            case 0: return source.Remove(at, 1);
            case 1: return source.Insert(at, source[at].ToString());
            case 2: return source.Replace("[Flatten]", "[Flatten(3)]");
            case 3: return ReplaceFirst(source, "[Dense(", "[Dense(\"ten\", ");
            case 4: return ReplaceFirst(source, "[Dense(", "[Dense(1.5, ");
            case 5: return ReplaceFirst(source, "[Conv2D(", "[Conv2D(System.Environment.ProcessorCount, ");
            case 6: return ReplaceFirst(source, "[Input(", "[Input(Unknown = 1, ");
            default: return ReplaceFirst(source, "[Dense(", "[Dense(units: 4, units: ");
        }
    }

    private static string ReplaceFirst(string source, string find, string replacement)
    {
        int at = source.IndexOf(find, StringComparison.Ordinal);
        return at < 0 ? source + "\n[" : source.Substring(0, at) + replacement + source.Substring(at + find.Length);
    }

    private static void Shuffle(Random random, List<string> items)
    {
        for (int i = items.Count - 1; i > 0; i--)
        {
            int j = random.Next(i + 1);
            (items[i], items[j]) = (items[j], items[i]);
        }
    }

    private static string Bool(Random random) => random.Next(2) == 0 ? "true" : "false";

    private static string Int(int value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Double(double value) => value.ToString("R", CultureInfo.InvariantCulture);
}
