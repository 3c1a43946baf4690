// Fully connected layers: forward as one GEMM with bias and activation fused into its store, backward as a
// transposed-A GEMM (kernel gradient), column sums (bias gradient) and a transposed-B GEMM (input gradient).
using System;

namespace ModelGen.Kernels
{
    /// <summary>The dense (fully connected) layer, <c>y = act(x W + b)</c>, with TensorFlow's [inputs, units] kernel layout.</summary>
    public static unsafe class Dense
    {
        /// <summary>
        /// <c>y[batch x units] = act(x[batch x inputs] kernel[inputs x units] + bias[units])</c>. An empty
        /// <paramref name="bias"/> means no bias. <paramref name="alpha"/> is the LeakyRelu slope or the Elu scale.
        /// <paramref name="y"/> must not overlap <paramref name="x"/>. At batch 1 the kernel is streamed once, row by row.
        /// </summary>
        /// <exception cref="ArgumentException">A span's length does not match the sizes, or <paramref name="activation"/> is Softmax
        /// (apply <c>Activations.Softmax</c> after a Linear dense instead).</exception>
        /// <exception cref="ArgumentOutOfRangeException">A size is not positive.</exception>
        public static void Forward(Span<float> y, ReadOnlySpan<float> x, ReadOnlySpan<float> kernel, ReadOnlySpan<float> bias,
                                   int batch, int inputs, int units, Activation activation, float alpha) =>
            Forward(y, x, kernel, default, bias, batch, inputs, units, activation, alpha, Simd.Best);

        /// <summary>
        /// <see cref="Forward(Span{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, int, int, int, Activation, float)"/>
        /// with the kernel also packed by <see cref="Gemm.PackB(Span{float}, ReadOnlySpan{float}, int, int)"/>
        /// (<see cref="Gemm.PackedLength"/>(inputs, units) floats, packed from this <paramref name="kernel"/>): from a batch of 6 the product reads
        /// the packed copy instead of packing the kernel on every call. An empty <paramref name="packedKernel"/> packs per call.
        /// </summary>
        /// <exception cref="ArgumentException">A span's length does not match the sizes, or <paramref name="activation"/> is Softmax.</exception>
        /// <exception cref="ArgumentOutOfRangeException">A size is not positive.</exception>
        public static void Forward(Span<float> y, ReadOnlySpan<float> x, ReadOnlySpan<float> kernel, ReadOnlySpan<float> packedKernel, ReadOnlySpan<float> bias,
                                   int batch, int inputs, int units, Activation activation, float alpha) =>
            Forward(y, x, kernel, packedKernel, bias, batch, inputs, units, activation, alpha, Simd.Best);

        /// <summary>
        /// Gradients of a dense layer given <paramref name="dy"/>, the gradient with respect to the pre-activation output
        /// (the caller applies <c>Activations.Backward</c> first): <c>dKernel += x^T dy</c>, <c>dBias += </c> the
        /// column sums of dy (skipped when empty), and <c>dx = dy kernel^T</c>, overwritten (skipped when empty, as for a
        /// first layer). The kernel and bias gradients are added to what they hold; see the overload with
        /// <c>accumulate</c> to replace it.
        /// </summary>
        /// <exception cref="ArgumentException">A span's length does not match the sizes.</exception>
        /// <exception cref="ArgumentOutOfRangeException">A size is not positive.</exception>
        public static void Backward(Span<float> dx, Span<float> dKernel, Span<float> dBias, ReadOnlySpan<float> dy, ReadOnlySpan<float> x,
                                    ReadOnlySpan<float> kernel, int batch, int inputs, int units) =>
            Backward(dx, dKernel, dBias, dy, x, kernel, batch, inputs, units, true, Simd.Best);

        /// <summary>
        /// <see cref="Backward(Span{float}, Span{float}, Span{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, int, int, int)"/>,
        /// with <paramref name="accumulate"/> false: <c>dKernel = x^T dy</c> and <c>dBias = </c> the column sums of dy,
        /// replacing what they held. A model whose gradient arena would otherwise be cleared first saves that pass over
        /// the kernel gradient (fc1's 12.8 MB in the tutorial CNN), and the product stores it without loading it first.
        /// </summary>
        /// <exception cref="ArgumentException">A span's length does not match the sizes.</exception>
        /// <exception cref="ArgumentOutOfRangeException">A size is not positive.</exception>
        public static void Backward(Span<float> dx, Span<float> dKernel, Span<float> dBias, ReadOnlySpan<float> dy, ReadOnlySpan<float> x,
                                    ReadOnlySpan<float> kernel, int batch, int inputs, int units, bool accumulate) =>
            Backward(dx, dKernel, dBias, dy, x, kernel, batch, inputs, units, accumulate, Simd.Best);

        internal static void Forward(Span<float> y, ReadOnlySpan<float> x, ReadOnlySpan<float> kernel, ReadOnlySpan<float> packedKernel, ReadOnlySpan<float> bias,
                                     int batch, int inputs, int units, Activation activation, float alpha, SimdWidth width)
        {
            Check.Positive(batch, nameof(batch));
            Check.Positive(inputs, nameof(inputs));
            Check.Positive(units, nameof(units));
            Check.ElementWise(activation, nameof(activation));
            Check.Length(y.Length, (long)batch * units, nameof(y));
            Check.Length(x.Length, (long)batch * inputs, nameof(x));
            Check.Length(kernel.Length, (long)inputs * units, nameof(kernel));
            Check.LengthOrEmpty(packedKernel.Length, Gemm.PackedLength(inputs, units), nameof(packedKernel));
            Check.LengthOrEmpty(bias.Length, units, nameof(bias));
            fixed (float* py = y, px = x, pk = kernel, pp = packedKernel, pb = bias)
            {
                Gemm.Product(width, py, units, px, inputs, 1, pk, units, batch, inputs, units,
                             bias.IsEmpty ? null : pb, false, activation, alpha, packedKernel.IsEmpty ? null : pp);
            }
        }

        internal static void Backward(Span<float> dx, Span<float> dKernel, Span<float> dBias, ReadOnlySpan<float> dy, ReadOnlySpan<float> x,
                                      ReadOnlySpan<float> kernel, int batch, int inputs, int units, bool accumulate, SimdWidth width)
        {
            Check.Positive(batch, nameof(batch));
            Check.Positive(inputs, nameof(inputs));
            Check.Positive(units, nameof(units));
            Check.LengthOrEmpty(dx.Length, (long)batch * inputs, nameof(dx));
            Check.Length(dKernel.Length, (long)inputs * units, nameof(dKernel));
            Check.LengthOrEmpty(dBias.Length, units, nameof(dBias));
            Check.Length(dy.Length, (long)batch * units, nameof(dy));
            Check.Length(x.Length, (long)batch * inputs, nameof(x));
            Check.Length(kernel.Length, (long)inputs * units, nameof(kernel));
            fixed (float* pdx = dx, pdk = dKernel, pdb = dBias, pdy = dy, px = x, pk = kernel)
            {
                // dKernel[inputs x units] (+)= x^T dy: x is [batch x inputs], read as A^T (row stride 1, column stride inputs).
                Gemm.Product(width, pdk, units, px, 1, inputs, pdy, units, inputs, batch, units, null, accumulate, Activation.Linear, 0f);
                if (!dBias.IsEmpty)
                {
                    if (!accumulate)
                    {
                        dBias.Clear();
                    }
                    Reduce.AddColumnSums(width, pdb, pdy, batch, units);
                }
                if (!dx.IsEmpty)
                {
                    // dx[batch x inputs] = dy[batch x units] kernel^T, kernel being [inputs x units]: dot products over units.
                    Gemm.ProductTransposedB(width, pdx, inputs, pdy, units, pk, units, batch, units, inputs, false);
                }
            }
        }
    }
}
