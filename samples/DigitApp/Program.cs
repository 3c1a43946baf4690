// DigitApp: the tutorial CNN with trained weights inside the binary. Classifies a 28x28 digit from a PGM or PNG file,
// or an image of the MNIST test set, and says how long the first prediction took from process start.
using System;
using System.Diagnostics;
using System.IO;
using DigitApp;
using ModelGen.Data;

long mainTicks = Stopwatch.GetTimestamp();
string? image = null, data = null, writePng = null;
int index = -1;
for (int i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--mnist-index" when i + 1 < args.Length && int.TryParse(args[i + 1], out int n): index = n; i++; break;
        case "--data" when i + 1 < args.Length: data = args[++i]; break;
        case "--write-png" when i + 1 < args.Length: writePng = args[++i]; break;
        case "-h" or "--help": return Usage(0);
        default:
            if (args[i].StartsWith("--", StringComparison.Ordinal) || image is not null) return Usage(2, $"Unknown or repeated argument '{args[i]}'.");
            image = args[i];
            break;
    }
}
if ((image is null) == (index < 0)) return Usage(2, "Give an image file or --mnist-index N.");

float[] pixels;
int? label = null;
try
{
    if (image is not null)
    {
        pixels = Images.ToMnist(Images.Read(image));
    }
    else
    {
        // The training data's own conversion, so the pixels are bit for bit what the model was trained on.
        Dataset test = Mnist.LoadTest(data);
        if (index >= test.Count) return Usage(2, $"--mnist-index {index} is past the {test.Count} test images.");
        pixels = test.Input(index).ToArray();
        label = test.Labels[index];
    }
}
catch (Exception e) when (e is IOException or InvalidDataException or IdxFormatException or UnauthorizedAccessException)
{
    Console.Error.WriteLine(e.Message);
    return 1;
}

if (writePng is not null) Images.WritePng(writePng, 28, 28, pixels);

var model = new DigitCnn();
Span<float> logits = stackalloc float[DigitCnn.OutputLength];
model.Forward(pixels, logits);
int digit = 0;
for (int i = 1; i < logits.Length; i++) if (logits[i] > logits[digit]) digit = i;
double sinceMain = Stopwatch.GetElapsedTime(mainTicks).TotalMilliseconds;
double sinceStart = (DateTime.Now - Process.GetCurrentProcess().StartTime).TotalMilliseconds;

// Softmax of the logits, for the confidence.
float max = logits[digit];
double sum = 0;
Span<double> probabilities = stackalloc double[logits.Length];
for (int i = 0; i < logits.Length; i++) sum += probabilities[i] = Math.Exp(logits[i] - max);
Console.WriteLine($"digit: {digit} ({probabilities[digit] / sum:P1})" + (label is { } l ? $", label {l}" : ""));
Console.Write("probabilities:");
for (int i = 0; i < logits.Length; i++) Console.Write($" {i}:{probabilities[i] / sum:0.000}");
Console.WriteLine();
Console.WriteLine($"first prediction {sinceMain:0.0} ms after Main, {sinceStart:0.0} ms after process start");
return label is { } expected && expected != digit ? 3 : 0;

static int Usage(int code, string? problem = null)
{
    if (problem is not null) Console.Error.WriteLine(problem);
    Console.Error.WriteLine("usage: DigitApp IMAGE.pgm|IMAGE.png");
    Console.Error.WriteLine("       DigitApp --mnist-index N [--data DIR] [--write-png OUT.png]");
    Console.Error.WriteLine("Exit code 3 when an MNIST image is classified wrong.");
    return code;
}
