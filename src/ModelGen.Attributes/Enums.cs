// The enums shared by the layer attributes and the runtime kernels.
namespace ModelGen
{
    /// <summary>How a convolution or pooling window treats the border, with TensorFlow's output sizes.</summary>
    public enum Padding
    {
        /// <summary>No padding: output size is <c>ceil((in - window + 1) / stride)</c>.</summary>
        Valid = 0,

        /// <summary>
        /// Zero padding so that the output size is <c>ceil(in / stride)</c>. As in TensorFlow, the total padding
        /// <c>max((out - 1) * stride + window - in, 0)</c> is split with the smaller half before (top, left)
        /// and the larger half after (bottom, right).
        /// </summary>
        Same = 1,
    }

    /// <summary>An element-wise activation, fused into a layer or used as a layer of its own.</summary>
    public enum Activation
    {
        /// <summary>The identity, <c>f(x) = x</c>. The default of <see cref="DenseAttribute"/> and <see cref="Conv2DAttribute"/>.</summary>
        Linear = 0,

        /// <summary><c>max(x, 0)</c>.</summary>
        Relu = 1,

        /// <summary><c>x</c> for <c>x &gt; 0</c>, else <c>alpha * x</c>; alpha defaults to 0.01, as the tutorials and Keras.</summary>
        LeakyRelu = 2,

        /// <summary><c>x</c> for <c>x &gt; 0</c>, else <c>alpha * (exp(x) - 1)</c>; alpha defaults to 1.0.</summary>
        Elu = 3,

        /// <summary><c>1 / (1 + exp(-x))</c>.</summary>
        Sigmoid = 4,

        /// <summary><c>tanh(x)</c>.</summary>
        Tanh = 5,

        /// <summary><c>exp(x_i) / sum_j exp(x_j)</c> over the last axis, computed with the maximum subtracted.</summary>
        Softmax = 6,
    }

    /// <summary>
    /// How a variable is initialized from the model's seed. Fan-in and fan-out are TensorFlow's: for a dense
    /// kernel [in, out] they are in and out; for a convolution kernel [kh, kw, in, out] they are
    /// kh*kw*in and kh*kw*out.
    /// </summary>
    public enum Initializer
    {
        /// <summary>Uniform in <c>[-l, l]</c>, <c>l = sqrt(6 / (fanIn + fanOut))</c> (Xavier). The default for kernels, as in Keras.</summary>
        GlorotUniform = 0,

        /// <summary>Truncated normal with <c>stddev = sqrt(2 / (fanIn + fanOut)) / 0.87962566</c>, as Keras (Xavier).</summary>
        GlorotNormal = 1,

        /// <summary>Truncated normal with <c>stddev = sqrt(2 / fanIn) / 0.87962566</c>, as Keras (He).</summary>
        HeNormal = 2,

        /// <summary>Uniform in <c>[-l, l]</c>, <c>l = sqrt(6 / fanIn)</c> (He).</summary>
        HeUniform = 3,

        /// <summary>Normal with mean 0 and the given standard deviation (the <c>InitValue</c> property, default 0.05), values beyond two standard deviations redrawn, as <c>tf.truncated_normal</c>.</summary>
        TruncatedNormal = 4,

        /// <summary>Normal with mean 0 and the given standard deviation (the <c>InitValue</c> property, default 0.05).</summary>
        RandomNormal = 5,

        /// <summary>All zeros. The default for biases.</summary>
        Zeros = 6,

        /// <summary>All ones.</summary>
        Ones = 7,

        /// <summary>Every element equal to the <c>InitValue</c> property (the tutorials' bias constant 0.1).</summary>
        Constant = 8,

        /// <summary>
        /// Truncated normal with <c>stddev = sqrt(1 / fanIn) / 0.87962566</c> (LeCun): what TensorFlow 1.x's
        /// <c>tf.variance_scaling_initializer()</c> does with its defaults (scale 1, fan in, truncated normal).
        /// </summary>
        LeCunNormal = 9,

        /// <summary>Uniform in <c>[-l, l]</c>, <c>l = sqrt(3 / fanIn)</c> (LeCun).</summary>
        LeCunUniform = 10,
    }
}
