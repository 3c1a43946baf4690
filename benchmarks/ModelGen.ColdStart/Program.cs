// Cold start: milliseconds from process start and from Main to the first prediction of a freshly constructed tutorial
// CNN (parameters initialized from the seed, then one forward pass), printed as one line.
using System;
using System.Diagnostics;
using ModelGen;

long main = Stopwatch.GetTimestamp();
var model = new ColdCnn();
double constructed = Stopwatch.GetElapsedTime(main).TotalMilliseconds;
float[] image = new float[ColdCnn.InputLength];
for (int i = 0; i < image.Length; i++) image[i] = (i * 37 % 255) / 255f;
int digit = model.Predict(image);
double predicted = Stopwatch.GetElapsedTime(main).TotalMilliseconds;
double sinceStart = (DateTime.Now - Process.GetCurrentProcess().StartTime).TotalMilliseconds;
Console.WriteLine($"class {digit}: constructed {constructed:0.0} ms, first prediction {predicted:0.0} ms after Main, {sinceStart:0.0} ms after process start");

/// <summary>The tutorial CNN, batch size 1 (inference only).</summary>
[Model(BatchSize = 1, Seed = 1)]
[Input(28, 28, 1)]
[Conv2D(5, 5, 32, Padding = Padding.Same, Activation = Activation.Relu, Name = "conv1")]
[MaxPool2D(2)]
[Conv2D(5, 5, 64, Padding = Padding.Same, Activation = Activation.Relu, Name = "conv2")]
[MaxPool2D(2)]
[Flatten]
[Dense(1024, Activation = Activation.Relu, Name = "fc1")]
[Dropout(0.5)]
[Dense(10, Name = "logits")]
internal sealed partial class ColdCnn;
