using System;

namespace ModelGen
{
    /// <summary>The base of every layer attribute. Layers are read in declaration order.</summary>
    [AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
    public abstract class LayerAttribute : Attribute
    {
        /// <summary>
        /// The layer's name, the prefix of its variables (<c>conv1/kernel</c>). Unnamed layers are named by kind and
        /// position among layers of that kind, as Keras: <c>dense</c>, <c>dense_1</c>, <c>conv2d</c>, <c>batch_norm</c>...
        /// </summary>
        public string? Name { get; set; }

        /// <summary>Whether training updates this layer's variables. Default true.</summary>
        public bool Trainable { get; set; } = true;
    }

    /// <summary>The common options of layers with a kernel and a bias.</summary>
    public abstract class WeightedLayerAttribute : LayerAttribute
    {
        /// <summary>The activation fused after the affine map. Default <see cref="ModelGen.Activation.Linear"/>.</summary>
        public Activation Activation { get; set; }

        /// <summary>The slope or scale of <see cref="Activation.LeakyRelu"/> (default 0.01) and <see cref="Activation.Elu"/> (default 1.0).</summary>
        public double ActivationAlpha { get; set; }

        /// <summary>Whether the layer adds a bias. Default true.</summary>
        public bool UseBias { get; set; } = true;

        /// <summary>The kernel's initializer. Default <see cref="Initializer.GlorotUniform"/>.</summary>
        public Initializer KernelInitializer { get; set; }

        /// <summary>The standard deviation (normal initializers) or the value (<see cref="Initializer.Constant"/>) of the kernel's initializer.</summary>
        public double KernelInitValue { get; set; }

        /// <summary>The bias's initializer. Default <see cref="Initializer.Zeros"/>.</summary>
        public Initializer BiasInitializer { get; set; } = Initializer.Zeros;

        /// <summary>The standard deviation (normal initializers) or the value (<see cref="Initializer.Constant"/>) of the bias's initializer.</summary>
        public double BiasInitValue { get; set; }

        /// <summary>L1 regularization factor on the kernel (not the bias): adds <c>L1 * sum |w|</c> to the loss.</summary>
        public double L1 { get; set; }

        /// <summary>L2 regularization factor on the kernel (not the bias): adds <c>L2 * sum w^2</c> to the loss, as Keras' <c>l2</c>.</summary>
        public double L2 { get; set; }
    }

    /// <summary>A fully connected layer: <c>y = activation(x W + b)</c> with a kernel of shape [in, units] (TensorFlow's layout).</summary>
    public sealed class DenseAttribute : WeightedLayerAttribute
    {
        /// <summary>A dense layer of <paramref name="units"/> outputs. Needs a flat input: put <see cref="FlattenAttribute"/> after an image layer.</summary>
        public DenseAttribute(int units) => Units = units;

        /// <summary>The number of outputs.</summary>
        public int Units { get; }
    }

    /// <summary>
    /// A 2-D convolution over NHWC input with a kernel of shape [kh, kw, in, filters] (TensorFlow's layout),
    /// output size as TensorFlow's for the padding and stride.
    /// </summary>
    public sealed class Conv2DAttribute : WeightedLayerAttribute
    {
        /// <summary>A convolution with a <paramref name="kernelHeight"/> by <paramref name="kernelWidth"/> window and <paramref name="filters"/> output channels.</summary>
        public Conv2DAttribute(int kernelHeight, int kernelWidth, int filters)
        {
            KernelHeight = kernelHeight;
            KernelWidth = kernelWidth;
            Filters = filters;
        }

        /// <summary>The window's height.</summary>
        public int KernelHeight { get; }

        /// <summary>The window's width.</summary>
        public int KernelWidth { get; }

        /// <summary>The number of output channels.</summary>
        public int Filters { get; }

        /// <summary>The stride in both directions. Default 1.</summary>
        public int Stride { get; set; } = 1;

        /// <summary>The vertical stride; overrides <see cref="Stride"/> when set.</summary>
        public int StrideH { get; set; }

        /// <summary>The horizontal stride; overrides <see cref="Stride"/> when set.</summary>
        public int StrideW { get; set; }

        /// <summary>The padding. Default <see cref="Padding.Valid"/>, as TensorFlow.</summary>
        public Padding Padding { get; set; }
    }

    /// <summary>The options shared by the pooling layers.</summary>
    public abstract class Pool2DAttribute : LayerAttribute
    {
        /// <summary>A square window, the stride defaulting to the window.</summary>
        protected Pool2DAttribute(int window) : this(window, window) { }

        /// <summary>A window of <paramref name="windowHeight"/> by <paramref name="windowWidth"/>, the stride defaulting to the window.</summary>
        protected Pool2DAttribute(int windowHeight, int windowWidth)
        {
            WindowHeight = windowHeight;
            WindowWidth = windowWidth;
        }

        /// <summary>The window's height.</summary>
        public int WindowHeight { get; }

        /// <summary>The window's width.</summary>
        public int WindowWidth { get; }

        /// <summary>The stride in both directions; defaults to the window (non-overlapping pooling).</summary>
        public int Stride { get; set; }

        /// <summary>The vertical stride; overrides <see cref="Stride"/> when set.</summary>
        public int StrideH { get; set; }

        /// <summary>The horizontal stride; overrides <see cref="Stride"/> when set.</summary>
        public int StrideW { get; set; }

        /// <summary>The padding. Default <see cref="Padding.Valid"/>.</summary>
        public Padding Padding { get; set; }
    }

    /// <summary>Max pooling per channel. At SAME borders the padding is ignored (never the maximum), as TensorFlow.</summary>
    public sealed class MaxPool2DAttribute : Pool2DAttribute
    {
        /// <summary>A square window, the stride defaulting to the window.</summary>
        public MaxPool2DAttribute(int window) : base(window) { }

        /// <summary>A rectangular window, the stride defaulting to the window.</summary>
        public MaxPool2DAttribute(int windowHeight, int windowWidth) : base(windowHeight, windowWidth) { }
    }

    /// <summary>Average pooling per channel. At SAME borders it divides by the number of valid inputs, as TensorFlow.</summary>
    public sealed class AvgPool2DAttribute : Pool2DAttribute
    {
        /// <summary>A square window, the stride defaulting to the window.</summary>
        public AvgPool2DAttribute(int window) : base(window) { }

        /// <summary>A rectangular window, the stride defaulting to the window.</summary>
        public AvgPool2DAttribute(int windowHeight, int windowWidth) : base(windowHeight, windowWidth) { }
    }

    /// <summary>Reshapes an H x W x C image to a vector of H*W*C in NHWC order (no copy).</summary>
    public sealed class FlattenAttribute : LayerAttribute { }

    /// <summary>
    /// Inverted dropout: while training, each unit is zeroed with probability <see cref="Rate"/> and the kept ones
    /// are scaled by <c>1 / (1 - rate)</c>; at inference it is the identity. <c>rate = 1 - keep_prob</c> of the tutorials.
    /// </summary>
    public sealed class DropoutAttribute : LayerAttribute
    {
        /// <summary>Dropout with the probability <paramref name="rate"/> of dropping a unit, in [0, 1).</summary>
        public DropoutAttribute(double rate) => Rate = rate;

        /// <summary>The probability of dropping a unit.</summary>
        public double Rate { get; }
    }

    /// <summary>
    /// Batch normalization over the last axis (channels): <c>y = gamma (x - mean) / sqrt(var + epsilon) + beta</c>,
    /// with batch statistics while training and the moving averages at inference. The moving averages follow
    /// TensorFlow: <c>moving = moving * momentum + batch * (1 - momentum)</c>.
    /// </summary>
    public sealed class BatchNormAttribute : LayerAttribute
    {
        /// <summary>The moving averages' momentum. Default 0.99, as TensorFlow.</summary>
        public double Momentum { get; set; } = 0.99;

        /// <summary>Added to the variance. Default 0.001, as TensorFlow.</summary>
        public double Epsilon { get; set; } = 0.001;

        /// <summary>Whether to add the learned offset beta. Default true.</summary>
        public bool Center { get; set; } = true;

        /// <summary>Whether to multiply by the learned scale gamma. Default true.</summary>
        public bool Scale { get; set; } = true;
    }

    /// <summary>A ReLU layer, <c>max(x, 0)</c>.</summary>
    public sealed class ReluAttribute : LayerAttribute { }

    /// <summary>A leaky ReLU layer, <c>x</c> for positive x else <c>alpha * x</c>.</summary>
    public sealed class LeakyReluAttribute : LayerAttribute
    {
        /// <summary>A leaky ReLU with the slope 0.01.</summary>
        public LeakyReluAttribute() : this(0.01) { }

        /// <summary>A leaky ReLU with the slope <paramref name="alpha"/> for negative inputs.</summary>
        public LeakyReluAttribute(double alpha) => Alpha = alpha;

        /// <summary>The slope for negative inputs.</summary>
        public double Alpha { get; }
    }

    /// <summary>An ELU layer, <c>x</c> for positive x else <c>alpha * (exp(x) - 1)</c>.</summary>
    public sealed class EluAttribute : LayerAttribute
    {
        /// <summary>An ELU with alpha 1.0.</summary>
        public EluAttribute() : this(1.0) { }

        /// <summary>An ELU with the given <paramref name="alpha"/>.</summary>
        public EluAttribute(double alpha) => Alpha = alpha;

        /// <summary>The scale for negative inputs.</summary>
        public double Alpha { get; }
    }

    /// <summary>A sigmoid layer.</summary>
    public sealed class SigmoidAttribute : LayerAttribute { }

    /// <summary>A tanh layer.</summary>
    public sealed class TanhAttribute : LayerAttribute { }

    /// <summary>A softmax layer over the last axis.</summary>
    public sealed class SoftmaxAttribute : LayerAttribute { }

    /// <summary>
    /// The loss of a classifier: softmax over the model's output (the logits) then cross entropy with integer class
    /// labels, fused and numerically stable, averaged over the batch (<c>tf.nn.sparse_softmax_cross_entropy_with_logits</c>
    /// then <c>reduce_mean</c>). Put it last; the model's output stays the logits.
    /// </summary>
    [AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
    public sealed class SoftmaxCrossEntropyAttribute : Attribute { }

    /// <summary>The mean squared error over every output of every sample, with float targets shaped as the output.</summary>
    [AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
    public sealed class MeanSquaredErrorAttribute : Attribute { }
}
