// Hands-On Machine Learning (1st edition), chapter 11, batch normalization: 784 -> 300 -> 100 -> 10, each dense layer
// followed by batch norm (momentum 0.9), ELU on the hidden layers, plain gradient descent 0.01, batches of 200, 20 epochs.
using ModelGen;
using ModelGen.Samples;

var command = new SampleCommand("Trains the batch-normalized 300-100-10 ELU network of Hands-On Machine Learning, chapter 11, on MNIST.", defaultEpochs: 20);
command.Root.SetAction(result =>
{
    SampleSettings settings = command.Read(result);
    SampleData data = SampleHost.LoadData(settings);
    return SampleHost.Train(new MnistBatchNorm(), new Sgd(0.01), settings, data,
        new Tutorial("Hands-On Machine Learning, chapter 11 (validation accuracy)", 0.9726, "20 epochs of batches of 200"));
});
return SampleHost.Run(command.Root, args);

/// <summary>
/// The book's network: dense layers without activation, each batch-normalized (the logits too), ELU on the two hidden
/// ones. The book's <c>tf.variance_scaling_initializer()</c> is a fan-in truncated normal of scale 1: LeCunNormal here.
/// </summary>
[Model(BatchSize = 200, Seed = 42)]
[Input(784)]
[Dense(300, Name = "hidden1", KernelInitializer = Initializer.LeCunNormal)]
[BatchNorm(Momentum = 0.9, Name = "bn1")]
[Elu]
[Dense(100, Name = "hidden2", KernelInitializer = Initializer.LeCunNormal)]
[BatchNorm(Momentum = 0.9, Name = "bn2")]
[Elu]
[Dense(10, Name = "outputs", KernelInitializer = Initializer.LeCunNormal)]
[BatchNorm(Momentum = 0.9, Name = "bn3")]
[SoftmaxCrossEntropy]
public partial class MnistBatchNorm;
