// Two small convolutional networks in one app: LeNet-5 on 28x28 inputs (--model lenet, the default) and a stride-2
// CNN without pooling (--model stride2). Adam 1e-3, batches of 128.
using System.CommandLine;
using ModelGen;
using ModelGen.Samples;

var command = new SampleCommand("Trains LeNet-5 (--model lenet) or a stride-2 CNN (--model stride2) on MNIST.", defaultEpochs: 5);
var modelOption = new Option<string>("--model") { Description = "lenet: LeNet-5 with average pooling; stride2: two stride-2 convolutions, no pooling", DefaultValueFactory = _ => "lenet" };
modelOption.AcceptOnlyFromAmong("lenet", "stride2");
command.Root.Options.Add(modelOption);
command.Root.SetAction(result =>
{
    SampleSettings settings = command.Read(result);
    SampleData data = SampleHost.LoadData(settings);
    return result.GetValue(modelOption) == "stride2"
        ? SampleHost.Train(new Stride2Cnn(), new Adam(1e-3), settings, data,
            new Tutorial("no published figure for this network", double.NaN, ""))
        : SampleHost.Train(new LeNet5(), new Adam(1e-3), settings, data,
            new Tutorial("LeCun et al. 1998 (LeNet-5, 0.95 % error)", 0.9905, "20 passes"));
});
return SampleHost.Run(command.Root, args);

/// <summary>
/// LeNet-5 on unpadded 28x28 images: conv 5x5 VALID 6 (24x24), avg-pool 2 (12x12), conv 5x5 VALID 16 (8x8), avg-pool 2
/// (4x4), flatten (256), dense 120, dense 84, dropout 0.5, dense 10. ReLU instead of the paper's scaled tanh.
/// </summary>
[Model(BatchSize = 128, Seed = 1)]
[Input(28, 28, 1)]
[Conv2D(5, 5, 6, Padding = Padding.Valid, Activation = Activation.Relu, Name = "conv1")]
[AvgPool2D(2, Name = "pool1")]
[Conv2D(5, 5, 16, Padding = Padding.Valid, Activation = Activation.Relu, Name = "conv2")]
[AvgPool2D(2, Name = "pool2")]
[Flatten]
[Dense(120, Activation = Activation.Relu, Name = "fc1")]
[Dense(84, Activation = Activation.Relu, Name = "fc2")]
[Dropout(0.5)]
[Dense(10, Name = "logits")]
[SoftmaxCrossEntropy]
public partial class LeNet5;

/// <summary>Downsampling by strided convolutions: conv 5x5 stride 2 SAME 16 (14x14), conv 5x5 stride 2 SAME 32 (7x7), flatten (1568), dense 64, dense 10.</summary>
[Model(BatchSize = 128, Seed = 1)]
[Input(28, 28, 1)]
[Conv2D(5, 5, 16, Stride = 2, Padding = Padding.Same, Activation = Activation.Relu, Name = "conv1")]
[Conv2D(5, 5, 32, Stride = 2, Padding = Padding.Same, Activation = Activation.Relu, Name = "conv2")]
[Flatten]
[Dense(64, Activation = Activation.Relu, Name = "fc1")]
[Dense(10, Name = "logits")]
[SoftmaxCrossEntropy]
public partial class Stride2Cnn;
