// The fixed shape of one 2D convolution (NHWC input, [kh, kw, inC, outC] kernel), handed by generated code to Conv2D.
using System;

namespace ModelGen.Kernels
{
    /// <summary>
    /// The shape of a 2D convolution: input H x W x C per sample, output H x W x C, kernel size, strides and the
    /// top/left padding. Output pixel (oy, ox) with kernel offset (ky, kx) reads input row
    /// <c>oy * StrideH - PadTop + ky</c> and column <c>ox * StrideW - PadLeft + kx</c>; positions outside the input are
    /// zeros. The caller computes output sizes and pads as TensorFlow does (SAME puts the smaller half of the total
    /// padding on top/left); the bottom/right padding is implied by the output size.
    /// </summary>
    public readonly struct Conv2DGeometry
    {
        /// <summary>Describes a convolution; validates that every size is positive, pads are non-negative and every
        /// output window overlaps the input (so that no padding exceeds the kernel).</summary>
        /// <exception cref="ArgumentOutOfRangeException">A size is not positive, a pad is negative or the sizes are inconsistent.</exception>
        public Conv2DGeometry(int inHeight, int inWidth, int inChannels, int outHeight, int outWidth, int outChannels,
                              int kernelHeight, int kernelWidth, int strideH, int strideW, int padTop, int padLeft)
        {
            Check.Positive(inHeight, nameof(inHeight));
            Check.Positive(inWidth, nameof(inWidth));
            Check.Positive(inChannels, nameof(inChannels));
            Check.Positive(outHeight, nameof(outHeight));
            Check.Positive(outWidth, nameof(outWidth));
            Check.Positive(outChannels, nameof(outChannels));
            Check.Positive(kernelHeight, nameof(kernelHeight));
            Check.Positive(kernelWidth, nameof(kernelWidth));
            Check.Positive(strideH, nameof(strideH));
            Check.Positive(strideW, nameof(strideW));
            Window.Validate(inHeight, outHeight, kernelHeight, strideH, padTop, "Height", nameof(padTop));
            Window.Validate(inWidth, outWidth, kernelWidth, strideW, padLeft, "Width", nameof(padLeft));
            long patch = (long)kernelHeight * kernelWidth * inChannels;
            Window.CheckSize((long)inHeight * inWidth * inChannels, nameof(InputLength));
            Window.CheckSize((long)outHeight * outWidth * outChannels, nameof(OutputLength));
            Window.CheckSize(patch * outChannels, "kernel length");
            Window.CheckSize((long)outHeight * outWidth * patch, nameof(ColumnsLength));
            Window.CheckSize(((long)(outHeight - 1) * strideH + kernelHeight) * ((long)(outWidth - 1) * strideW + kernelWidth) * inChannels
                             + patch + (long)outHeight * outWidth, nameof(ColumnsLength));

            InHeight = inHeight;
            InWidth = inWidth;
            InChannels = inChannels;
            OutHeight = outHeight;
            OutWidth = outWidth;
            OutChannels = outChannels;
            KernelHeight = kernelHeight;
            KernelWidth = kernelWidth;
            StrideH = strideH;
            StrideW = strideW;
            PadTop = padTop;
            PadLeft = padLeft;
        }

        /// <summary>Input rows per sample.</summary>
        public int InHeight { get; }

        /// <summary>Input columns per sample.</summary>
        public int InWidth { get; }

        /// <summary>Input channels (the last, contiguous axis).</summary>
        public int InChannels { get; }

        /// <summary>Output rows per sample.</summary>
        public int OutHeight { get; }

        /// <summary>Output columns per sample.</summary>
        public int OutWidth { get; }

        /// <summary>Output channels (filters).</summary>
        public int OutChannels { get; }

        /// <summary>Kernel rows.</summary>
        public int KernelHeight { get; }

        /// <summary>Kernel columns.</summary>
        public int KernelWidth { get; }

        /// <summary>Vertical stride.</summary>
        public int StrideH { get; }

        /// <summary>Horizontal stride.</summary>
        public int StrideW { get; }

        /// <summary>Zero rows above the input (TensorFlow SAME: <c>total / 2</c>, rounded down).</summary>
        public int PadTop { get; }

        /// <summary>Zero columns left of the input (TensorFlow SAME: <c>total / 2</c>, rounded down).</summary>
        public int PadLeft { get; }

        /// <summary>Floats in one input sample: <c>InHeight * InWidth * InChannels</c>.</summary>
        public int InputLength => InHeight * InWidth * InChannels;

        /// <summary>Floats in one output sample: <c>OutHeight * OutWidth * OutChannels</c>.</summary>
        public int OutputLength => OutHeight * OutWidth * OutChannels;

        /// <summary>Floats in one receptive field: <c>KernelHeight * KernelWidth * InChannels</c>.</summary>
        public int PatchLength => KernelHeight * KernelWidth * InChannels;

        /// <summary>
        /// Floats of scratch the convolution needs for one sample: the larger of the input gradient's columns
        /// (<c>OutHeight * OutWidth * PatchLength</c>) and what the forward product reads from (a zero-padded copy of the
        /// rows and columns the windows cover, plus one offset per kernel tap and one per output pixel).
        /// </summary>
        public int ColumnsLength => Math.Max(OutHeight * OutWidth * PatchLength, PaddedHeight * PaddedWidth * InChannels + PatchLength + OutHeight * OutWidth);

        /// <summary>Rows the windows cover, padding included: <c>(OutHeight - 1) * StrideH + KernelHeight</c>.</summary>
        internal int PaddedHeight => (OutHeight - 1) * StrideH + KernelHeight;

        /// <summary>Columns the windows cover, padding included.</summary>
        internal int PaddedWidth => (OutWidth - 1) * StrideW + KernelWidth;

        /// <summary>Whether some window reaches outside the input (into padding), so that it must be read from a padded copy.</summary>
        internal bool NeedsPadding => PadTop > 0 || PadLeft > 0 || PaddedHeight > InHeight || PaddedWidth > InWidth;

        /// <summary>Floats in the kernel: <c>PatchLength * OutChannels</c>.</summary>
        public int KernelLength => PatchLength * OutChannels;

        /// <summary>The shape in words, for messages.</summary>
        public override string ToString() =>
            $"{InHeight}x{InWidth}x{InChannels} -> {OutHeight}x{OutWidth}x{OutChannels}, kernel {KernelHeight}x{KernelWidth}, " +
            $"stride {StrideH}x{StrideW}, pad top {PadTop} left {PadLeft}";
    }

    /// <summary>The consistency rules shared by convolution and pooling geometries.</summary>
    internal static class Window
    {
        /// <summary>
        /// Along one axis: the pad is in [0, window) so the first window overlaps the input, and the last window
        /// starts inside the input (<c>(out - 1) * stride - pad &lt; in</c>), which also bounds the implied far pad
        /// below the window size. Together every window holds at least one input position.
        /// </summary>
        internal static void Validate(int input, int output, int window, int stride, int pad, string axis, string padName)
        {
            if (pad < 0 || pad >= window)
            {
                throw new ArgumentOutOfRangeException(padName, pad, $"{padName} must be in [0, {window}) for a window of {window}, but is {pad}.");
            }
            long lastStart = (long)(output - 1) * stride - pad;
            if (lastStart >= input)
            {
                throw new ArgumentOutOfRangeException(
                    "out" + axis, output,
                    $"out{axis} {output} with stride {stride} and pad {pad} starts its last window at {lastStart}, past the input's {input}.");
            }
        }

        internal static void CheckSize(long length, string name)
        {
            if (length > int.MaxValue)
            {
                throw new ArgumentOutOfRangeException(name, length, $"{name} {length} exceeds the largest span.");
            }
        }
    }
}
