// The fixed shape of one 2D pooling layer (NHWC, per channel), handed by generated code to Pooling.
using System;

namespace ModelGen.Kernels
{
    /// <summary>
    /// The shape of a 2D pooling: input H x W x C per sample, output H x W x C, window size, strides and the
    /// top/left padding. Output (oy, ox) with window offset (ky, kx) reads input row <c>oy * StrideH - PadTop + ky</c>
    /// and column <c>ox * StrideW - PadLeft + kx</c>; positions outside the input are skipped (max) or left out of the
    /// divisor (average), as TensorFlow does. The caller computes output sizes and pads TensorFlow's way.
    /// </summary>
    public readonly struct Pool2DGeometry
    {
        /// <summary>Describes a pooling; validates that every size is positive, pads are non-negative and every
        /// window overlaps the input.</summary>
        /// <exception cref="ArgumentOutOfRangeException">A size is not positive, a pad is negative or the sizes are inconsistent.</exception>
        public Pool2DGeometry(int inHeight, int inWidth, int channels, int outHeight, int outWidth,
                              int windowHeight, int windowWidth, int strideH, int strideW, int padTop, int padLeft)
        {
            Check.Positive(inHeight, nameof(inHeight));
            Check.Positive(inWidth, nameof(inWidth));
            Check.Positive(channels, nameof(channels));
            Check.Positive(outHeight, nameof(outHeight));
            Check.Positive(outWidth, nameof(outWidth));
            Check.Positive(windowHeight, nameof(windowHeight));
            Check.Positive(windowWidth, nameof(windowWidth));
            Check.Positive(strideH, nameof(strideH));
            Check.Positive(strideW, nameof(strideW));
            Window.Validate(inHeight, outHeight, windowHeight, strideH, padTop, "Height", nameof(padTop));
            Window.Validate(inWidth, outWidth, windowWidth, strideW, padLeft, "Width", nameof(padLeft));
            Window.CheckSize((long)inHeight * inWidth * channels, nameof(InputLength));
            Window.CheckSize((long)outHeight * outWidth * channels, nameof(OutputLength));

            InHeight = inHeight;
            InWidth = inWidth;
            Channels = channels;
            OutHeight = outHeight;
            OutWidth = outWidth;
            WindowHeight = windowHeight;
            WindowWidth = windowWidth;
            StrideH = strideH;
            StrideW = strideW;
            PadTop = padTop;
            PadLeft = padLeft;
        }

        /// <summary>Input rows per sample.</summary>
        public int InHeight { get; }

        /// <summary>Input columns per sample.</summary>
        public int InWidth { get; }

        /// <summary>Channels, pooled independently (the last, contiguous axis).</summary>
        public int Channels { get; }

        /// <summary>Output rows per sample.</summary>
        public int OutHeight { get; }

        /// <summary>Output columns per sample.</summary>
        public int OutWidth { get; }

        /// <summary>Window rows.</summary>
        public int WindowHeight { get; }

        /// <summary>Window columns.</summary>
        public int WindowWidth { get; }

        /// <summary>Vertical stride.</summary>
        public int StrideH { get; }

        /// <summary>Horizontal stride.</summary>
        public int StrideW { get; }

        /// <summary>Padding rows above the input (TensorFlow SAME: <c>total / 2</c>, rounded down).</summary>
        public int PadTop { get; }

        /// <summary>Padding columns left of the input (TensorFlow SAME: <c>total / 2</c>, rounded down).</summary>
        public int PadLeft { get; }

        /// <summary>Floats in one input sample: <c>InHeight * InWidth * Channels</c>.</summary>
        public int InputLength => InHeight * InWidth * Channels;

        /// <summary>Floats in one output sample: <c>OutHeight * OutWidth * Channels</c>.</summary>
        public int OutputLength => OutHeight * OutWidth * Channels;

        /// <summary>
        /// Whether the windows tile the input: strides equal to the window, no padding before the input and enough
        /// windows to reach its end, so every input lies in exactly one window (2x2 pooling with stride 2 on an even size).
        /// </summary>
        internal bool WindowsTile =>
            StrideH == WindowHeight && StrideW == WindowWidth && PadTop == 0 && PadLeft == 0 &&
            OutHeight * StrideH >= InHeight && OutWidth * StrideW >= InWidth;

        /// <summary>The shape in words, for messages.</summary>
        public override string ToString() =>
            $"{InHeight}x{InWidth}x{Channels} -> {OutHeight}x{OutWidth}x{Channels}, window {WindowHeight}x{WindowWidth}, " +
            $"stride {StrideH}x{StrideW}, pad top {PadTop} left {PadLeft}";
    }
}
