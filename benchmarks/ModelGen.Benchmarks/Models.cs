// The two networks of the issue, compiled by ModelGen, one class per batch size the benchmarks need.
using ModelGen;

namespace ModelGen.Benchmarks;

/// <summary>The tutorial MLP 784-256 ReLU-10 for inference at batch 1 and 64.</summary>
[Model(BatchSize = 64, Seed = 1)]
[Input(784)]
[Dense(256, Activation = Activation.Relu, Name = "hidden1")]
[Dense(10, Name = "logits")]
[SoftmaxCrossEntropy]
public partial class Mlp64;

/// <summary>The tutorial MLP, training at batch 50.</summary>
[Model(BatchSize = 50, Seed = 1)]
[Input(784)]
[Dense(256, Activation = Activation.Relu, Name = "hidden1")]
[Dense(10, Name = "logits")]
[SoftmaxCrossEntropy]
public partial class Mlp50;

/// <summary>The tutorial MLP, training at batch 128.</summary>
[Model(BatchSize = 128, Seed = 1)]
[Input(784)]
[Dense(256, Activation = Activation.Relu, Name = "hidden1")]
[Dense(10, Name = "logits")]
[SoftmaxCrossEntropy]
public partial class Mlp128;

/// <summary>The "Deep MNIST for Experts" CNN (samples/MnistCnn) for inference at batch 1 and 64.</summary>
[Model(BatchSize = 64, Seed = 1)]
[Input(28, 28, 1)]
[Conv2D(5, 5, 32, Padding = Padding.Same, Activation = Activation.Relu, Name = "conv1")]
[MaxPool2D(2, Name = "pool1")]
[Conv2D(5, 5, 64, Padding = Padding.Same, Activation = Activation.Relu, Name = "conv2")]
[MaxPool2D(2, Name = "pool2")]
[Flatten]
[Dense(1024, Activation = Activation.Relu, Name = "fc1")]
[Dropout(0.5)]
[Dense(10, Name = "logits")]
[SoftmaxCrossEntropy]
public partial class Cnn64;

/// <summary>The tutorial CNN, training at batch 50 (the tutorial's batch).</summary>
[Model(BatchSize = 50, Seed = 1)]
[Input(28, 28, 1)]
[Conv2D(5, 5, 32, Padding = Padding.Same, Activation = Activation.Relu, Name = "conv1")]
[MaxPool2D(2, Name = "pool1")]
[Conv2D(5, 5, 64, Padding = Padding.Same, Activation = Activation.Relu, Name = "conv2")]
[MaxPool2D(2, Name = "pool2")]
[Flatten]
[Dense(1024, Activation = Activation.Relu, Name = "fc1")]
[Dropout(0.5)]
[Dense(10, Name = "logits")]
[SoftmaxCrossEntropy]
public partial class Cnn50;

/// <summary>The tutorial CNN, training at batch 128.</summary>
[Model(BatchSize = 128, Seed = 1)]
[Input(28, 28, 1)]
[Conv2D(5, 5, 32, Padding = Padding.Same, Activation = Activation.Relu, Name = "conv1")]
[MaxPool2D(2, Name = "pool1")]
[Conv2D(5, 5, 64, Padding = Padding.Same, Activation = Activation.Relu, Name = "conv2")]
[MaxPool2D(2, Name = "pool2")]
[Flatten]
[Dense(1024, Activation = Activation.Relu, Name = "fc1")]
[Dropout(0.5)]
[Dense(10, Name = "logits")]
[SoftmaxCrossEntropy]
public partial class Cnn128;
