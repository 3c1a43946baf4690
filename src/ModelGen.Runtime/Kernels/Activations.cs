// Element-wise activations and their gradients (computed from the output, so forward caches only y), plus the
// row-wise softmax and its gradient.
using System;

namespace ModelGen.Kernels
{
    /// <summary>Activation functions as standalone kernels; Dense and Conv2D also fuse the element-wise ones into their store.</summary>
    public static unsafe class Activations
    {
        /// <summary>
        /// <c>y[i] = f(x[i])</c>; <paramref name="y"/> may be the same memory as <paramref name="x"/>.
        /// <paramref name="alpha"/> is the LeakyRelu slope (Keras default 0.3, tutorials 0.01) or the Elu scale (default 1).
        /// </summary>
        /// <exception cref="ArgumentException">The lengths differ, or <paramref name="activation"/> is Softmax (use <c>Softmax</c>).</exception>
        public static void Forward(Span<float> y, ReadOnlySpan<float> x, Activation activation, float alpha) =>
            Forward(y, x, activation, alpha, Simd.Best);

        /// <summary>
        /// <c>dx[i] = dy[i] * f'(x[i])</c> computed from the output <paramref name="y"/>: Linear 1, Relu <c>y &gt; 0 ? 1 : 0</c>,
        /// LeakyRelu <c>y &gt; 0 ? 1 : alpha</c> (alpha &gt; 0, so the sign of y is the sign of x), Elu <c>y &gt; 0 ? 1 : y + alpha</c>,
        /// Sigmoid <c>y (1 - y)</c>, Tanh <c>1 - y^2</c>. <paramref name="dx"/> may be the same memory as <paramref name="dy"/>.
        /// </summary>
        /// <exception cref="ArgumentException">The lengths differ, or <paramref name="activation"/> is Softmax (use <c>SoftmaxBackward</c>).</exception>
        public static void Backward(Span<float> dx, ReadOnlySpan<float> dy, ReadOnlySpan<float> y, Activation activation, float alpha) =>
            Backward(dx, dy, y, activation, alpha, Simd.Best);

        /// <summary>
        /// Softmax of each row of a [rows x cols] matrix, with the row maximum subtracted before exponentiating (so large
        /// logits do not overflow). <paramref name="y"/> may be the same memory as <paramref name="x"/>.
        /// </summary>
        /// <exception cref="ArgumentException">A span's length is not rows * cols.</exception>
        /// <exception cref="ArgumentOutOfRangeException">A size is not positive.</exception>
        public static void Softmax(Span<float> y, ReadOnlySpan<float> x, int rows, int cols) => Softmax(y, x, rows, cols, Simd.Best);

        /// <summary>
        /// The softmax gradient per row from its output: <c>dx = y * (dy - sum(dy * y))</c>. <paramref name="dx"/> may be
        /// the same memory as <paramref name="dy"/>.
        /// </summary>
        /// <exception cref="ArgumentException">A span's length is not rows * cols.</exception>
        /// <exception cref="ArgumentOutOfRangeException">A size is not positive.</exception>
        public static void SoftmaxBackward(Span<float> dx, ReadOnlySpan<float> dy, ReadOnlySpan<float> y, int rows, int cols) =>
            SoftmaxBackward(dx, dy, y, rows, cols, Simd.Best);

        internal static void Forward(Span<float> y, ReadOnlySpan<float> x, Activation activation, float alpha, SimdWidth width)
        {
            Check.ElementWise(activation, nameof(activation));
            Check.Length(y.Length, x.Length, nameof(y));
            fixed (float* py = y, px = x)
            {
                var kernel = new ForwardKernel { Y = py, X = px, Activation = activation, Alpha = alpha };
                ParallelChain.Run(ref kernel, width, x.Length, ParallelChain.ElementAlignment, ParallelChain.ElementsPerPart);
            }
        }

        internal static void Backward(Span<float> dx, ReadOnlySpan<float> dy, ReadOnlySpan<float> y, Activation activation, float alpha, SimdWidth width)
        {
            Check.ElementWise(activation, nameof(activation));
            Check.Length(dx.Length, y.Length, nameof(dx));
            Check.Length(dy.Length, y.Length, nameof(dy));
            fixed (float* pdx = dx, pdy = dy, py = y)
            {
                var kernel = new BackwardKernel { Dx = pdx, Dy = pdy, Y = py, Activation = activation, Alpha = alpha };
                ParallelChain.Run(ref kernel, width, y.Length, ParallelChain.ElementAlignment, ParallelChain.ElementsPerPart);
            }
        }

        internal static void Softmax(Span<float> y, ReadOnlySpan<float> x, int rows, int cols, SimdWidth width)
        {
            Check.Positive(rows, nameof(rows));
            Check.Positive(cols, nameof(cols));
            Check.Length(y.Length, (long)rows * cols, nameof(y));
            Check.Length(x.Length, (long)rows * cols, nameof(x));
            fixed (float* py = y, px = x)
            {
                for (int r = 0; r < rows; r++)
                {
                    float* xr = px + (long)r * cols, yr = py + (long)r * cols;
                    float max = Elementwise.Max(width, xr, cols);
                    float sum = Elementwise.ExpSum(width, yr, xr, max, cols);
                    Elementwise.Scale(width, yr, yr, 1f / sum, cols);
                }
            }
        }

        internal static void SoftmaxBackward(Span<float> dx, ReadOnlySpan<float> dy, ReadOnlySpan<float> y, int rows, int cols, SimdWidth width)
        {
            Check.Positive(rows, nameof(rows));
            Check.Positive(cols, nameof(cols));
            Check.Length(dx.Length, (long)rows * cols, nameof(dx));
            Check.Length(dy.Length, (long)rows * cols, nameof(dy));
            Check.Length(y.Length, (long)rows * cols, nameof(y));
            fixed (float* pdx = dx, pdy = dy, py = y)
            {
                for (int r = 0; r < rows; r++)
                {
                    long offset = (long)r * cols;
                    float dot = Elementwise.Dot(width, pdy + offset, py + offset, cols);
                    var kernel = new SoftmaxBackwardKernel { Dx = pdx + offset, Dy = pdy + offset, Y = py + offset, Dot = dot };
                    Simd.Chain(ref kernel, width, cols);
                }
            }
        }

        private struct ForwardKernel : IVectorKernel
        {
            public float* Y, X;
            public Activation Activation;
            public float Alpha;

            public void Run<TOps, TVec>(int start, int count)
                where TOps : struct, IVectorOps<TVec>
                where TVec : unmanaged =>
                VectorMath.ActivateRange<TOps, TVec>(Y + start, X + start, count, Activation, Alpha);
        }

        private struct BackwardKernel : IVectorKernel
        {
            public float* Dx, Dy, Y;
            public Activation Activation;
            public float Alpha;

            public void Run<TOps, TVec>(int start, int count)
                where TOps : struct, IVectorOps<TVec>
                where TVec : unmanaged
            {
                float* dx = Dx + start, dy = Dy + start, y = Y + start;
                // One loop per activation so that each loop body inlines a constant case of DerivativeFromOutput.
                switch (Activation)
                {
                    case Activation.Relu: Loop<TOps, TVec>(dx, dy, y, count, Activation.Relu, Alpha); break;
                    case Activation.LeakyRelu: Loop<TOps, TVec>(dx, dy, y, count, Activation.LeakyRelu, Alpha); break;
                    case Activation.Elu: Loop<TOps, TVec>(dx, dy, y, count, Activation.Elu, Alpha); break;
                    case Activation.Sigmoid: Loop<TOps, TVec>(dx, dy, y, count, Activation.Sigmoid, Alpha); break;
                    case Activation.Tanh: Loop<TOps, TVec>(dx, dy, y, count, Activation.Tanh, Alpha); break;
                    default:
                        if (dx != dy)
                        {
                            Buffer.MemoryCopy(dy, dx, (long)count * sizeof(float), (long)count * sizeof(float));
                        }
                        break;
                }
            }

            [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
            private static void Loop<TOps, TVec>(float* dx, float* dy, float* y, int count, Activation activation, float alpha)
                where TOps : struct, IVectorOps<TVec>
                where TVec : unmanaged
            {
                int w = TOps.Count;
                TVec a = TOps.Broadcast(alpha);
                for (int i = 0; i < count; i += w)
                {
                    TVec d = VectorMath.DerivativeFromOutput<TOps, TVec>(TOps.Load(y + i), activation, a);
                    TOps.Store(dx + i, TOps.Multiply(TOps.Load(dy + i), d));
                }
            }
        }

        private struct SoftmaxBackwardKernel : IVectorKernel
        {
            public float* Dx, Dy, Y;
            public float Dot;

            public void Run<TOps, TVec>(int start, int count)
                where TOps : struct, IVectorOps<TVec>
                where TVec : unmanaged
            {
                int w = TOps.Count;
                float* dx = Dx + start, dy = Dy + start, y = Y + start;
                TVec dot = TOps.Broadcast(Dot);
                for (int i = 0; i < count; i += w)
                {
                    TOps.Store(dx + i, TOps.Multiply(TOps.Load(y + i), TOps.Subtract(TOps.Load(dy + i), dot)));
                }
            }
        }
    }
}
