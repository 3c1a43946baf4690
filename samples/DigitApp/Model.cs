// The tutorial CNN with its trained weights baked in: the same layers and names as samples/MnistCnn, batch size 1.
using ModelGen;

namespace DigitApp;

/// <summary>conv 5x5x32 SAME ReLU, max-pool 2, conv 5x5x64 SAME ReLU, max-pool 2, dense 1024 ReLU, dropout 0.5, dense 10.</summary>
[Model(BatchSize = 1)]
[Weights("mnist-cnn.safetensors")]
[Input(28, 28, 1)]
[Conv2D(5, 5, 32, Padding = Padding.Same, Activation = Activation.Relu, Name = "conv1")]
[MaxPool2D(2, Name = "pool1")]
[Conv2D(5, 5, 64, Padding = Padding.Same, Activation = Activation.Relu, Name = "conv2")]
[MaxPool2D(2, Name = "pool2")]
[Flatten]
[Dense(1024, Activation = Activation.Relu, Name = "fc1")]
[Dropout(0.5)]
[Dense(10, Name = "logits")]
public partial class DigitCnn;
