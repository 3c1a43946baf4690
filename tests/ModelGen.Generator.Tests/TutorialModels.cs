// The tutorial models as source text, shared by snapshot and compile tests.
namespace ModelGen.Generator.Tests;

internal static class TutorialModels
{
    public const string Mlp = """
        using ModelGen;

        namespace Samples;

        [Model(BatchSize = 128, Seed = 1)]
        [Input(784)]
        [Dense(256, Activation = Activation.Relu, Name = "hidden1")]
        [Dense(10, Name = "logits")]
        [SoftmaxCrossEntropy]
        public partial class MnistMlp;
        """;

    public const string Cnn = """
        using ModelGen;

        namespace Samples;

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
        public partial class MnistCnn;
        """;

    public const string BatchNormMlp = """
        using ModelGen;

        namespace Samples;

        [Model(BatchSize = 200, Seed = 42)]
        [Input(784)]
        [Dense(300, Name = "hidden1", KernelInitializer = Initializer.HeNormal)]
        [BatchNorm(Momentum = 0.9, Name = "bn1")]
        [Elu]
        [Dense(100, Name = "hidden2", KernelInitializer = Initializer.HeNormal, L2 = 0.0001)]
        [BatchNorm(Momentum = 0.9, Name = "bn2")]
        [Elu]
        [Dense(10, Name = "logits")]
        [SoftmaxCrossEntropy]
        public partial class MnistBatchNorm;
        """;
}
