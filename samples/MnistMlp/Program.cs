// The MNIST multilayer perceptron: 784 -> Dense 256 ReLU -> Dense 10, Adam 1e-3, batches of 128.
using ModelGen;
using ModelGen.Samples;

var command = new SampleCommand("Trains a 784-256-10 ReLU perceptron on MNIST with Adam, as the TensorFlow MLP tutorials do.", defaultEpochs: 10);
command.Root.SetAction(result =>
{
    SampleSettings settings = command.Read(result);
    SampleData data = SampleHost.LoadData(settings);
    return SampleHost.Train(new MnistMlp(), new Adam(1e-3), settings, data,
        new Tutorial("the target set for this MLP", 0.975, "10 epochs of batches of 128"));
});
return SampleHost.Run(command.Root, args);

/// <summary>A 784-256-10 perceptron with Glorot-uniform kernels (TensorFlow's default) and zero biases.</summary>
[Model(BatchSize = 128, Seed = 1)]
[Input(784)]
[Dense(256, Activation = Activation.Relu, Name = "hidden1")]
[Dense(10, Name = "logits")]
[SoftmaxCrossEntropy]
public partial class MnistMlp;
