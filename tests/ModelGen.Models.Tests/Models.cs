// Real generated models, one per layer kind and option, small and with odd sizes so that every kernel's edges run.
using ModelGen;

namespace ModelGen.Models.Tests;

/// <summary>Dense layers with each fused activation.</summary>
[Model(BatchSize = 4, Seed = 3)]
[Input(5)]
[Dense(7, Activation = Activation.Tanh, Name = "d1")]
[Dense(6, Activation = Activation.Elu, ActivationAlpha = 0.7, Name = "d2", BiasInitializer = Initializer.Constant, BiasInitValue = 0.1)]
[Dense(5, Activation = Activation.LeakyRelu, Name = "d3", KernelInitializer = Initializer.HeNormal)]
[Dense(4, Activation = Activation.Sigmoid, Name = "d4", UseBias = false, KernelInitializer = Initializer.TruncatedNormal, KernelInitValue = 0.3)]
[Dense(3, Name = "logits", L2 = 0.01, L1 = 0.001)]
[SoftmaxCrossEntropy]
public partial class DenseNet;

/// <summary>SAME stride-2 and VALID convolutions on a 7x7x3 input, as the issue asks.</summary>
[Model(BatchSize = 3, Seed = 5)]
[Input(7, 7, 3)]
[Conv2D(3, 3, 4, Stride = 2, Padding = Padding.Same, Activation = Activation.Elu, Name = "conv1")]
[Conv2D(3, 3, 2, Padding = Padding.Valid, Activation = Activation.Sigmoid, Name = "conv2", KernelInitializer = Initializer.HeUniform)]
[Flatten]
[Dense(3, Name = "logits")]
[SoftmaxCrossEntropy]
public partial class ConvNet;

/// <summary>A strided 1x1 convolution between padded ones: its offset tables need more scratch than its columns.</summary>
[Model(BatchSize = 2, Seed = 6)]
[Input(6, 7, 4)]
[Conv2D(1, 1, 3, Stride = 2, Padding = Padding.Valid, Activation = Activation.Tanh, Name = "pointwise")]
[Conv2D(2, 2, 2, Padding = Padding.Same, Name = "conv")]
[Flatten]
[Dense(2, Name = "out")]
[MeanSquaredError]
public partial class StridedPointwiseNet;

/// <summary>Non-square kernels and strides, both poolings with SAME borders, regression loss.</summary>
[Model(BatchSize = 2, Seed = 7)]
[Input(9, 8, 2)]
[Conv2D(3, 2, 3, StrideH = 2, StrideW = 1, Padding = Padding.Same, Activation = Activation.Tanh, Name = "conv")]
[MaxPool2D(3, Stride = 2, Padding = Padding.Same, Name = "maxpool")]
[AvgPool2D(2, Padding = Padding.Same, Name = "avgpool")]
[Flatten]
[Dense(4, Name = "out", KernelInitializer = Initializer.GlorotNormal)]
[MeanSquaredError]
public partial class PoolNet;

/// <summary>Batch norm on vectors and images, activation layers, dropout.</summary>
[Model(BatchSize = 6, Seed = 11)]
[Input(5, 5, 2)]
[Conv2D(3, 3, 3, Name = "conv", UseBias = false)]
[BatchNorm(Name = "bn1", Momentum = 0.9)]
[Elu(0.5)]
[Flatten]
[Dense(6, Name = "fc")]
[BatchNorm(Name = "bn2", Center = false)]
[LeakyRelu(0.2)]
[Dropout(0.25)]
[Dense(3, Name = "logits")]
[SoftmaxCrossEntropy]
public partial class NormNet;

/// <summary>Every stand-alone activation layer, softmax over channels included.</summary>
[Model(BatchSize = 2, Seed = 13)]
[Input(3, 3, 4)]
[Conv2D(1, 1, 4, Name = "first")]
[Relu]
[Tanh]
[Sigmoid]
[LeakyRelu]
[Elu]
[Conv2D(1, 1, 3, Name = "mix")]
[Softmax]
[Flatten]
[Dense(2, Name = "out")]
[MeanSquaredError]
public partial class ActivationNet;

/// <summary>Frozen lower layers: backward stops above them.</summary>
[Model(BatchSize = 4, Seed = 17)]
[Input(6)]
[Dense(5, Activation = Activation.Tanh, Name = "frozen1", Trainable = false)]
[Dense(4, Activation = Activation.Tanh, Name = "frozen2", Trainable = false)]
[Dense(3, Name = "head")]
[SoftmaxCrossEntropy]
public partial class FrozenNet;

/// <summary>An inference-only model (no loss): it implements IModel only.</summary>
[Model]
[Input(4)]
[Dense(2, Activation = Activation.Softmax)]
public partial class InferenceOnly;

/// <summary>The tutorial MLP.</summary>
[Model(BatchSize = 32, Seed = 1)]
[Input(784)]
[Dense(256, Activation = Activation.Relu, Name = "hidden1")]
[Dense(10, Name = "logits")]
[SoftmaxCrossEntropy]
public partial class TutorialMlp;

/// <summary>The tutorial CNN.</summary>
[Model(BatchSize = 8, Seed = 1)]
[Input(28, 28, 1)]
[Conv2D(5, 5, 32, Padding = Padding.Same, Activation = Activation.Relu, Name = "conv1")]
[MaxPool2D(2)]
[Conv2D(5, 5, 64, Padding = Padding.Same, Activation = Activation.Relu, Name = "conv2")]
[MaxPool2D(2)]
[Flatten]
[Dense(1024, Activation = Activation.Relu, Name = "fc1")]
[Dropout(0.5)]
[Dense(10, Name = "logits")]
[SoftmaxCrossEntropy]
public partial class TutorialCnn;

/// <summary>Dropout alone before a dense layer: the kernel gradient's zero rows count the dropped units.</summary>
[Model(BatchSize = 1, Seed = 19)]
[Input(2000)]
[Dropout(0.3)]
[Dense(1, Name = "probe", KernelInitializer = Initializer.Ones)]
[MeanSquaredError]
public partial class DropoutProbe;

/// <summary>Batch norm on a 3-vector: its moving statistics should converge to the data's.</summary>
[Model(BatchSize = 100, Seed = 23)]
[Input(3)]
[BatchNorm(Momentum = 0.9, Name = "bn")]
[Dense(1, Name = "out")]
[MeanSquaredError]
public partial class BatchNormProbe;

/// <summary>Weights baked in at compile time from baked.safetensors (an AdditionalFiles and EmbeddedResource item).</summary>
[Model(BatchSize = 4)]
[Weights("baked.safetensors")]
[Input(4)]
[Dense(3, Activation = Activation.Tanh, Name = "hidden")]
[Dense(2, Name = "out")]
public partial class BakedNet;

/// <summary>The same layers as BakedNet, without baked weights.</summary>
[Model(BatchSize = 4)]
[Input(4)]
[Dense(3, Activation = Activation.Tanh, Name = "hidden")]
[Dense(2, Name = "out")]
public partial class BakedTwin;

/// <summary>A model whose weights can be pushed to overflow, for the numerical guards.</summary>
[Model(BatchSize = 2)]
[Input(3)]
[Dense(4, Activation = Activation.Relu, Name = "hidden")]
[Dense(2, Name = "out")]
[SoftmaxCrossEntropy]
public partial class GuardNet;

/// <summary>
/// A dense kernel large next to a batch's x and dy, whose gradient the guard checks through them
/// (NumericalGuard.ProductIsFinite), and whose gradients backward writes whole instead of clearing and adding.
/// </summary>
[Model(BatchSize = 2)]
[Input(64)]
[Dense(64, Name = "wide")]
[Dense(2, Name = "out")]
[SoftmaxCrossEntropy]
public partial class WideGuardNet;
