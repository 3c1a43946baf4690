// The interfaces every generated model implements, so that the runtime's trainer, data and checkpoint code
// work on any model through constrained generics, without reflection.
using System;

namespace ModelGen
{
    /// <summary>A generated model: fixed shapes, one parameter arena, allocation-free inference.</summary>
    public interface IModel
    {
        /// <summary>The number of floats in one input sample (the product of the input shape).</summary>
        int InputLength { get; }

        /// <summary>The number of floats in one output sample.</summary>
        int OutputLength { get; }

        /// <summary>The number of samples one batched pass processes at most; longer spans are processed in chunks of it.</summary>
        int BatchSize { get; }

        /// <summary>Every variable of the model, in arena order, with its TensorFlow-style name, shape and offset.</summary>
        ReadOnlySpan<VariableInfo> Variables { get; }

        /// <summary>The parameter arena: every variable, contiguous, at the offsets of <see cref="Variables"/>.</summary>
        Span<float> Parameters { get; }

        /// <summary>
        /// Runs inference on <c>n</c> samples: <paramref name="inputs"/> holds <c>n * InputLength</c> floats and
        /// <paramref name="outputs"/> receives <c>n * OutputLength</c>. Dropout is the identity and batch norm uses its
        /// moving statistics. Allocates nothing.
        /// </summary>
        void Forward(ReadOnlySpan<float> inputs, Span<float> outputs);

        /// <summary>The index of the largest output of one sample.</summary>
        int Predict(ReadOnlySpan<float> input);

        /// <summary>
        /// Packs the dense and convolution kernels once for inference, so that <see cref="Forward"/> and
        /// <see cref="Predict"/> stop packing them on every call (for weights that stay constant). A training step, or
        /// getting <see cref="Parameters"/> or a variable's span, drops the packed copy; inference then packs per call
        /// again, with bitwise the same results. Generated models implement it; by default it packs nothing.
        /// </summary>
        /// <exception cref="InvalidOperationException">Another thread is running inference or a training step on the model.</exception>
        void PackWeights()
        {
        }

        /// <summary>Whether inference reads kernels packed by <see cref="PackWeights"/> (by default, never).</summary>
        bool WeightsPacked => false;
    }

    /// <summary>A generated model with a loss: it trains and evaluates on labels of type <typeparamref name="TLabel"/>.</summary>
    /// <typeparam name="TLabel"><see cref="int"/> class indices for softmax cross entropy, <see cref="float"/> targets for mean squared error.</typeparam>
    public interface ITrainableModel<TLabel> : IModel where TLabel : unmanaged
    {
        /// <summary>The number of labels per sample: 1 for a class index, <see cref="IModel.OutputLength"/> for regression targets.</summary>
        int LabelLength { get; }

        /// <summary>
        /// One training step on a batch of 1 to <see cref="IModel.BatchSize"/> samples: forward in training mode, the loss
        /// (mean over the batch plus regularization), backward, and one update by <paramref name="optimizer"/>.
        /// Returns the loss. Allocates nothing after the first call.
        /// </summary>
        float TrainStep(ReadOnlySpan<float> inputs, ReadOnlySpan<TLabel> labels, Optimizer optimizer);

        /// <summary>
        /// Forward in training mode, the loss and backward, leaving d(loss)/d(variable) in <see cref="Gradients"/> without
        /// updating any trainable variable (batch norm's moving averages do move). Returns the loss.
        /// </summary>
        float ComputeGradients(ReadOnlySpan<float> inputs, ReadOnlySpan<TLabel> labels);

        /// <summary>The gradient arena, laid out as <see cref="IModel.Parameters"/>; empty before the first training step.</summary>
        Span<float> Gradients { get; }

        /// <summary>Mean loss (without regularization) and accuracy over any number of samples, in inference mode.</summary>
        Evaluation Evaluate(ReadOnlySpan<float> inputs, ReadOnlySpan<TLabel> labels);
    }

    /// <summary>The result of evaluating a model on labelled samples.</summary>
    /// <param name="Loss">The mean loss per sample, without regularization.</param>
    /// <param name="Accuracy">The fraction of samples whose predicted class equals the label (for regression, of samples whose largest output is at the largest target).</param>
    /// <param name="Count">The number of samples.</param>
    public readonly record struct Evaluation(double Loss, double Accuracy, int Count);

    /// <summary>What a model variable holds, which decides how it is initialized, regularized and updated.</summary>
    public enum VariableKind
    {
        /// <summary>A dense or convolution kernel.</summary>
        Kernel,
        /// <summary>A bias.</summary>
        Bias,
        /// <summary>Batch norm's scale.</summary>
        Gamma,
        /// <summary>Batch norm's offset.</summary>
        Beta,
        /// <summary>Batch norm's moving mean (never trained, updated by the forward pass while training).</summary>
        MovingMean,
        /// <summary>Batch norm's moving variance (never trained, updated by the forward pass while training).</summary>
        MovingVariance,
    }

    /// <summary>One named variable in a model's parameter arena.</summary>
    public sealed class VariableInfo
    {
        /// <summary>Describes a variable.</summary>
        public VariableInfo(string name, int[] shape, int offset, VariableKind kind, bool trainable)
        {
            Name = name;
            this.shape = shape;
            Offset = offset;
            Kind = kind;
            Trainable = trainable;
            int length = 1;
            foreach (int d in shape) length *= d;
            Length = length;
        }

        private readonly int[] shape;

        /// <summary>The TensorFlow-style name, <c>layer/variable</c>: <c>conv1/kernel</c>, <c>bn1/moving_mean</c>.</summary>
        public string Name { get; }

        /// <summary>The shape in TensorFlow's layout: [kh, kw, in, out] for convolution kernels, [in, out] for dense kernels.</summary>
        public ReadOnlySpan<int> Shape => shape;

        /// <summary>The offset of the first element in the parameter arena.</summary>
        public int Offset { get; }

        /// <summary>The number of elements.</summary>
        public int Length { get; }

        /// <summary>What the variable holds.</summary>
        public VariableKind Kind { get; }

        /// <summary>Whether the optimizer updates it (false for moving statistics and for layers declared with <c>Trainable = false</c>).</summary>
        public bool Trainable { get; }

        /// <summary>The shape as text, <c>[5, 5, 1, 32]</c>.</summary>
        public string ShapeText => "[" + string.Join(", ", shape) + "]";

        /// <inheritdoc/>
        public override string ToString() => Name + " " + ShapeText;
    }

    /// <summary>A contiguous range of the parameter arena that the optimizer updates.</summary>
    /// <param name="Offset">The first element.</param>
    /// <param name="Length">The number of elements.</param>
    public readonly record struct ParameterRange(int Offset, int Length);
}
