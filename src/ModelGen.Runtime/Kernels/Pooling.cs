// Max and average pooling in NHWC, vectorized across channels (contiguous in NHWC); each window is clipped to the
// input once per output pixel, so padding costs nothing inside the loops.
using System;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace ModelGen.Kernels
{
    /// <summary>2D max and average pooling per channel, with TensorFlow's border behaviour.</summary>
    public static unsafe class Pooling
    {
        /// <summary>
        /// <c>y[oy, ox, c] = max</c> of the in-bounds inputs of the window; padded positions are ignored, as in TensorFlow's
        /// <c>max_pool</c> (never a zero from the padding).
        /// </summary>
        /// <exception cref="ArgumentException">A span's length does not match <paramref name="g"/>, or <paramref name="g"/> is default.</exception>
        /// <exception cref="ArgumentOutOfRangeException"><paramref name="batch"/> is not positive.</exception>
        public static void MaxForward(Span<float> y, ReadOnlySpan<float> x, int batch, in Pool2DGeometry g) =>
            MaxForward(y, x, batch, g, Simd.Best);

        /// <summary>
        /// Routes each output's gradient to the first maximal input of its window in row-major (ky, kx) order, summing
        /// where windows overlap. <paramref name="dx"/> is overwritten.
        /// </summary>
        /// <exception cref="ArgumentException">A span's length does not match <paramref name="g"/>, or <paramref name="g"/> is default.</exception>
        /// <exception cref="ArgumentOutOfRangeException"><paramref name="batch"/> is not positive.</exception>
        public static void MaxBackward(Span<float> dx, ReadOnlySpan<float> dy, ReadOnlySpan<float> x, int batch, in Pool2DGeometry g) =>
            MaxBackward(dx, dy, x, batch, g, Activation.Linear, 0f, Simd.Best);

        /// <summary>
        /// <see cref="MaxBackward(Span{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, int, in Pool2DGeometry)"/> and
        /// the backward pass of the element-wise <paramref name="activation"/> that produced <paramref name="x"/>, in one
        /// pass: <paramref name="dx"/> is the gradient with respect to the activation's input. Each routed gradient is
        /// multiplied by the activation's derivative at its window's maximum (the output where it lands), exactly as
        /// <c>Activations.Backward</c> after the plain overload would: one pass over the pooled layer's input instead of
        /// two, with bitwise the same result where windows do not overlap (stride at least the window, as in 2x2 pooling
        /// with stride 2), and the same up to rounding where they do (the derivative multiplies each share before the
        /// shares are summed). <paramref name="alpha"/> is the LeakyRelu slope or the Elu scale.
        /// </summary>
        /// <exception cref="ArgumentException">A span's length does not match <paramref name="g"/>, <paramref name="g"/> is default,
        /// or <paramref name="activation"/> is Softmax.</exception>
        /// <exception cref="ArgumentOutOfRangeException"><paramref name="batch"/> is not positive.</exception>
        public static void MaxBackward(Span<float> dx, ReadOnlySpan<float> dy, ReadOnlySpan<float> x, int batch, in Pool2DGeometry g,
                                       Activation activation, float alpha) =>
            MaxBackward(dx, dy, x, batch, g, activation, alpha, Simd.Best);

        /// <summary>
        /// <c>y[oy, ox, c] =</c> the mean of the in-bounds inputs of the window: the divisor counts only positions inside
        /// the input, as TensorFlow's <c>avg_pool</c> with SAME padding.
        /// </summary>
        /// <exception cref="ArgumentException">A span's length does not match <paramref name="g"/>, or <paramref name="g"/> is default.</exception>
        /// <exception cref="ArgumentOutOfRangeException"><paramref name="batch"/> is not positive.</exception>
        public static void AvgForward(Span<float> y, ReadOnlySpan<float> x, int batch, in Pool2DGeometry g) =>
            AvgForward(y, x, batch, g, Simd.Best);

        /// <summary>
        /// Spreads each output's gradient evenly over the in-bounds inputs of its window (divided by their count),
        /// summing where windows overlap. <paramref name="dx"/> is overwritten.
        /// </summary>
        /// <exception cref="ArgumentException">A span's length does not match <paramref name="g"/>, or <paramref name="g"/> is default.</exception>
        /// <exception cref="ArgumentOutOfRangeException"><paramref name="batch"/> is not positive.</exception>
        public static void AvgBackward(Span<float> dx, ReadOnlySpan<float> dy, int batch, in Pool2DGeometry g) =>
            AvgBackward(dx, dy, batch, g, Simd.Best);

        internal static void MaxForward(Span<float> y, ReadOnlySpan<float> x, int batch, in Pool2DGeometry g, SimdWidth width)
        {
            CheckCommon(batch, g);
            Check.Length(y.Length, (long)batch * g.OutputLength, nameof(y));
            Check.Length(x.Length, (long)batch * g.InputLength, nameof(x));
            fixed (float* py = y, px = x)
            {
                var kernel = new PoolKernel { Mode = Mode.MaxForward, Out = py, In = px, Batch = batch, G = g };
                RunBatch(ref kernel, width);
            }
        }

        internal static void MaxBackward(Span<float> dx, ReadOnlySpan<float> dy, ReadOnlySpan<float> x, int batch, in Pool2DGeometry g, SimdWidth width) =>
            MaxBackward(dx, dy, x, batch, g, Activation.Linear, 0f, width);

        internal static void MaxBackward(Span<float> dx, ReadOnlySpan<float> dy, ReadOnlySpan<float> x, int batch, in Pool2DGeometry g,
                                         Activation activation, float alpha, SimdWidth width)
        {
            CheckCommon(batch, g);
            Check.ElementWise(activation, nameof(activation));
            Check.Length(dx.Length, (long)batch * g.InputLength, nameof(dx));
            Check.Length(dy.Length, (long)batch * g.OutputLength, nameof(dy));
            Check.Length(x.Length, (long)batch * g.InputLength, nameof(x));
            fixed (float* pdx = dx, pdy = dy, px = x)
            {
                var kernel = new PoolKernel
                {
                    Mode = Mode.MaxBackward, Out = pdy, In = px, InGradient = pdx, Batch = batch, G = g, Activation = activation, Alpha = alpha,
                    Stream = Streams(pdx, (long)batch * g.InputLength, g, width),
                };
                RunBatch(ref kernel, width);
            }
        }

        internal static void AvgForward(Span<float> y, ReadOnlySpan<float> x, int batch, in Pool2DGeometry g, SimdWidth width)
        {
            CheckCommon(batch, g);
            Check.Length(y.Length, (long)batch * g.OutputLength, nameof(y));
            Check.Length(x.Length, (long)batch * g.InputLength, nameof(x));
            fixed (float* py = y, px = x)
            {
                var kernel = new PoolKernel { Mode = Mode.AvgForward, Out = py, In = px, Batch = batch, G = g };
                RunBatch(ref kernel, width);
            }
        }

        internal static void AvgBackward(Span<float> dx, ReadOnlySpan<float> dy, int batch, in Pool2DGeometry g, SimdWidth width)
        {
            CheckCommon(batch, g);
            Check.Length(dx.Length, (long)batch * g.InputLength, nameof(dx));
            Check.Length(dy.Length, (long)batch * g.OutputLength, nameof(dy));
            fixed (float* pdx = dx, pdy = dy)
            {
                var kernel = new PoolKernel { Mode = Mode.AvgBackward, Out = pdy, InGradient = pdx, Batch = batch, G = g };
                RunBatch(ref kernel, width);
            }
        }

        /// <summary>
        /// Runs <paramref name="kernel"/> over its whole batch: on the calling thread, or, when
        /// <see cref="Parallelism.Current"/> is above 1 and the batch holds enough inputs, as fixed contiguous
        /// ranges of whole samples, one per thread. Samples are independent (backward too: windows overlap only within
        /// a sample), so each is computed exactly as in the single-thread call.
        /// </summary>
        private static void RunBatch(ref PoolKernel kernel, SimdWidth width)
        {
            int parts = Math.Min(ParallelChain.Parts((long)kernel.Batch * kernel.G.InputLength, ParallelChain.ElementsPerPart), kernel.Batch);
            if (parts <= 1)
            {
                RunSamples(kernel, width, 0, kernel.Batch);
                return;
            }
            var job = new BatchJob { Kernel = kernel, Width = width, Parts = parts };
            Parallelism.Run(&RunBatchPart, &job, parts);
        }

        /// <summary>A pooling pass split by samples, on the caller's stack.</summary>
        private struct BatchJob
        {
            public PoolKernel Kernel;
            public SimdWidth Width;
            public int Parts;
        }

        /// <summary>Part <paramref name="part"/>: samples [part * batch / parts, (part + 1) * batch / parts).</summary>
        private static void RunBatchPart(void* context, int part)
        {
            ref BatchJob job = ref *(BatchJob*)context;
            int batch = job.Kernel.Batch;
            RunSamples(job.Kernel, job.Width, (int)((long)part * batch / job.Parts), (int)((long)(part + 1) * batch / job.Parts));
        }

        /// <summary>
        /// Samples [<paramref name="first"/>, <paramref name="end"/>) of <paramref name="whole"/>; backward clears their
        /// part of dx first, unless the windows tile the input (every input in exactly one window: each is then written once).
        /// </summary>
        private static void RunSamples(PoolKernel whole, SimdWidth width, int first, int end)
        {
            PoolKernel kernel = whole;
            long inputs = (long)first * kernel.G.InputLength;
            kernel.Out += (long)first * kernel.G.OutputLength;
            kernel.Batch = end - first;
            if (kernel.In != null)
            {
                kernel.In += inputs;
            }
            if (kernel.InGradient != null)
            {
                kernel.InGradient += inputs;
                if (!kernel.G.WindowsTile)
                {
                    new Span<float>(kernel.InGradient, kernel.Batch * kernel.G.InputLength).Clear();
                }
            }
            Simd.Chain(ref kernel, width, kernel.G.Channels);
        }

        // Bytes of dx from which a max pooling backward whose windows tile the input writes it with non-temporal stores:
        // the L2. Such a dx (conv1's, 5 MB at batch 50) leaves the cache before the convolution's backward reads it, and as
        // ordinary stores every line of it is first read from memory only to be overwritten whole. The CNN step at batch
        // 50, alternating pairs: two threads 0.1-0.7 ms faster in 6 of 6; one thread up to 0.6 ms faster in 6 of 8 and
        // about 0.5 ms slower in 2 (about 1 % either way, the machine's spread).
        private const long StreamedBytes = 2L << 20;

        /// <summary>
        /// Whether a max pooling backward streams dx out (see <see cref="StreamedBytes"/>): windows that tile the input
        /// (each input written once, nothing cleared first), Vector512 over whole vectors of channels, dx aligned to 64
        /// bytes (so every store is), and large.
        /// </summary>
        private static bool Streams(float* dx, long length, in Pool2DGeometry g, SimdWidth width) =>
            g.WindowsTile && width == SimdWidth.V512 && Avx512F.IsSupported && g.Channels % 16 == 0 && ((nint)dx & 63) == 0
            && length * sizeof(float) >= StreamedBytes;

        private static void CheckCommon(int batch, in Pool2DGeometry g)
        {
            if (g.WindowHeight == 0)
            {
                throw new ArgumentException("g is a default Pool2DGeometry; construct it with the layer's sizes.", nameof(g));
            }
            Check.Positive(batch, nameof(batch));
        }

        private enum Mode
        {
            MaxForward,
            MaxBackward,
            AvgForward,
            AvgBackward,
        }

        /// <summary>
        /// One pass over every output pixel for a range of channels. <c>Out</c> is y (forward) or dy (backward),
        /// <c>In</c> is x, <c>InGradient</c> is dx (backward, already zeroed for these samples).
        /// </summary>
        private struct PoolKernel : IVectorKernel
        {
            public Mode Mode;
            public float* Out, In, InGradient;
            public bool Stream; // MaxBackward: dx written with non-temporal stores (Vector512 only; see Streams)
            public int Batch;
            public Pool2DGeometry G;
            public Activation Activation; // MaxBackward: the activation that produced In, whose derivative is applied too
            public float Alpha;

            public void Run<TOps, TVec>(int start, int count)
                where TOps : struct, IVectorOps<TVec>
                where TVec : unmanaged
            {
                int w = TOps.Count, channels = G.Channels, inW = G.InWidth;
                long rowStride = (long)inW * channels;
                // Backward: windows that never overlap store each input's gradient instead of adding to it.
                bool disjoint = G.StrideH >= G.WindowHeight && G.StrideW >= G.WindowWidth, stream = Stream;
                TVec alpha = TOps.Broadcast(Alpha);
                for (int s = 0; s < Batch; s++)
                {
                    long inBase = (long)s * G.InputLength + start;
                    float* outPixel = Out + (long)s * G.OutputLength + start;
                    for (int oy = 0; oy < G.OutHeight; oy++)
                    {
                        int iy0 = oy * G.StrideH - G.PadTop;
                        int ky0 = Math.Max(0, -iy0), ky1 = Math.Min(G.WindowHeight, G.InHeight - iy0);
                        for (int ox = 0; ox < G.OutWidth; ox++, outPixel += channels)
                        {
                            int ix0 = ox * G.StrideW - G.PadLeft;
                            int kx0 = Math.Max(0, -ix0), kx1 = Math.Min(G.WindowWidth, inW - ix0);
                            // First in-bounds input of the window; the window is [ky0, ky1) x [kx0, kx1) from there.
                            long first = inBase + ((long)(iy0 + ky0) * inW + ix0 + kx0) * channels;
                            int rows = ky1 - ky0, cols = kx1 - kx0;
                            switch (Mode)
                            {
                                case Mode.MaxForward:
                                    for (int c = 0; c < count; c += w)
                                    {
                                        TOps.Store(outPixel + c, WindowMax<TOps, TVec>(In + first + c, rows, cols, rowStride, channels));
                                    }
                                    break;
                                case Mode.MaxBackward:
                                    for (int c = 0; c < count; c += w)
                                    {
                                        float* window = In + first + c;
                                        TVec max = WindowMax<TOps, TVec>(window, rows, cols, rowStride, channels);
                                        TVec gradient = TOps.Load(outPixel + c);
                                        if (Activation != Activation.Linear)
                                        {
                                            // The derivative where the gradient lands: the window's maximum is that input.
                                            gradient = TOps.Multiply(gradient, VectorMath.DerivativeFromOutput<TOps, TVec>(max, Activation, alpha));
                                        }
                                        TVec routed = TOps.Zero; // lanes whose maximum has been found already
                                        float* target = InGradient + first + c;
                                        for (int ky = 0; ky < rows; ky++)
                                        {
                                            for (int kx = 0; kx < cols; kx++)
                                            {
                                                long offset = ky * rowStride + (long)kx * channels;
                                                TVec hit = TOps.AndNot(TOps.Equal(TOps.Load(window + offset), max), routed);
                                                TVec routedHere = TOps.And(hit, gradient);
                                                if (stream)
                                                {
                                                    StoreStreamed<TOps, TVec>(target + offset, routedHere);
                                                }
                                                else
                                                {
                                                    TOps.Store(target + offset, disjoint ? routedHere : TOps.Add(TOps.Load(target + offset), routedHere));
                                                }
                                                routed = TOps.Or(routed, hit);
                                            }
                                        }
                                    }
                                    break;
                                case Mode.AvgForward:
                                    {
                                        TVec scale = TOps.Broadcast(1f / (rows * cols));
                                        for (int c = 0; c < count; c += w)
                                        {
                                            float* window = In + first + c;
                                            TVec sum = TOps.Zero;
                                            for (int ky = 0; ky < rows; ky++)
                                            {
                                                for (int kx = 0; kx < cols; kx++)
                                                {
                                                    sum = TOps.Add(sum, TOps.Load(window + ky * rowStride + (long)kx * channels));
                                                }
                                            }
                                            TOps.Store(outPixel + c, TOps.Multiply(sum, scale));
                                        }
                                        break;
                                    }
                                default:
                                    {
                                        TVec scale = TOps.Broadcast(1f / (rows * cols));
                                        for (int c = 0; c < count; c += w)
                                        {
                                            TVec share = TOps.Multiply(TOps.Load(outPixel + c), scale);
                                            float* target = InGradient + first + c;
                                            for (int ky = 0; ky < rows; ky++)
                                            {
                                                for (int kx = 0; kx < cols; kx++)
                                                {
                                                    float* t = target + ky * rowStride + (long)kx * channels;
                                                    TOps.Store(t, disjoint ? share : TOps.Add(TOps.Load(t), share));
                                                }
                                            }
                                        }
                                        break;
                                    }
                            }
                        }
                    }
                }
            }

            /// <summary>A non-temporal store of a Vector512 to a 64-byte aligned address; an ordinary store for other widths.</summary>
            [MethodImpl(MethodImplOptions.AggressiveInlining)]
            private static void StoreStreamed<TOps, TVec>(float* target, TVec value)
                where TOps : struct, IVectorOps<TVec>
                where TVec : unmanaged
            {
                if (typeof(TVec) == typeof(Vector512<float>))
                {
                    Avx512F.StoreAlignedNonTemporal(target, Unsafe.As<TVec, Vector512<float>>(ref value));
                }
                else
                {
                    TOps.Store(target, value);
                }
            }

            /// <summary>
            /// The maximum over a window of <paramref name="rows"/> x <paramref name="cols"/> pixels; a 2x2 window in
            /// straight-line code (the maximum of a set does not depend on the order: the same value as the loop).
            /// </summary>
            [MethodImpl(MethodImplOptions.AggressiveInlining)]
            private static TVec WindowMax<TOps, TVec>(float* window, int rows, int cols, long rowStride, int channels)
                where TOps : struct, IVectorOps<TVec>
                where TVec : unmanaged
            {
                if (rows == 2 && cols == 2)
                {
                    return TOps.Max(TOps.Max(TOps.Load(window), TOps.Load(window + channels)),
                                    TOps.Max(TOps.Load(window + rowStride), TOps.Load(window + rowStride + channels)));
                }
                TVec max = TOps.Load(window);
                for (int ky = 0; ky < rows; ky++)
                {
                    for (int kx = 0; kx < cols; kx++)
                    {
                        max = TOps.Max(max, TOps.Load(window + ky * rowStride + (long)kx * channels));
                    }
                }
                return max;
            }
        }
    }
}
