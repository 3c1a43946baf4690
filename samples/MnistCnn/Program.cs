// The TensorFlow "Deep MNIST for Experts" network: two 5x5 SAME convolutions with 2x2 max pooling, a 1024-unit ReLU layer,
// dropout 0.5 and a 10-way readout, trained with Adam 1e-4 on batches of 50.
using ModelGen;
using ModelGen.Samples;

var command = new SampleCommand("Trains the convolutional network of TensorFlow's \"Deep MNIST for Experts\" tutorial on MNIST.", defaultEpochs: 12);
command.Root.SetAction(result =>
{
    SampleSettings settings = command.Read(result);
    SampleData data = SampleHost.LoadData(settings);
    // The tutorial measures training accuracy on a batch every 100 steps; every 20th batch here.
    return SampleHost.Train(new MnistCnn(), new Adam(1e-4), settings, data,
        new Tutorial("TensorFlow's Deep MNIST for Experts", 0.992, "20,000 steps of 50 images (about 18 epochs)"),
        new TrainerOptions { TrainAccuracyEvery = 20 });
});
return SampleHost.Run(command.Root, args);

/// <summary>
/// conv 5x5x32 SAME ReLU, max-pool 2, conv 5x5x64 SAME ReLU, max-pool 2, flatten, dense 1024 ReLU, dropout 0.5, dense 10.
/// The tutorial initializes kernels with a truncated normal of standard deviation 0.1 and biases with 0.1.
/// </summary>
[Model(BatchSize = 50, Seed = 1)]
[Input(28, 28, 1)]
[Conv2D(5, 5, 32, Padding = Padding.Same, Activation = Activation.Relu, Name = "conv1",
    KernelInitializer = Initializer.TruncatedNormal, KernelInitValue = 0.1, BiasInitializer = Initializer.Constant, BiasInitValue = 0.1)]
[MaxPool2D(2, Name = "pool1")]
[Conv2D(5, 5, 64, Padding = Padding.Same, Activation = Activation.Relu, Name = "conv2",
    KernelInitializer = Initializer.TruncatedNormal, KernelInitValue = 0.1, BiasInitializer = Initializer.Constant, BiasInitValue = 0.1)]
[MaxPool2D(2, Name = "pool2")]
[Flatten]
[Dense(1024, Activation = Activation.Relu, Name = "fc1",
    KernelInitializer = Initializer.TruncatedNormal, KernelInitValue = 0.1, BiasInitializer = Initializer.Constant, BiasInitValue = 0.1)]
[Dropout(0.5)]
[Dense(10, Name = "logits",
    KernelInitializer = Initializer.TruncatedNormal, KernelInitValue = 0.1, BiasInitializer = Initializer.Constant, BiasInitValue = 0.1)]
[SoftmaxCrossEntropy]
public partial class MnistCnn;
