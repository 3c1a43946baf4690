// 2D convolution in NHWC as GEMM: per sample, im2col gathers each receptive field into a row of `columns`
// ([outH*outW x kh*kw*inC]), which times the [kh*kw*inC x outC] kernel gives the output with bias and activation
// fused; backward reuses the same scratch for the kernel gradient and for the column gradient scattered by col2im.
// With Parallelism.ThreadCount > 1 a large sample is split by output rows (gather and product per thread, disjoint
// rows of the one-sample scratch); col2im, which adds overlapping windows, stays on the calling thread.
using System;
using System.Runtime.CompilerServices;

namespace ModelGen.Kernels
{
    /// <summary>The 2D convolution layer (TensorFlow's <c>conv2d</c>: NHWC input, [kh, kw, inC, outC] kernel, cross-correlation).</summary>
    public static unsafe class Conv2D
    {
        /// <summary>
        /// <c>y = act(conv(x, kernel) + bias)</c> for <paramref name="batch"/> samples of <paramref name="g"/>'s shapes.
        /// <paramref name="columns"/> is scratch of at least <see cref="Conv2DGeometry.ColumnsLength"/> floats, reused per
        /// sample. An empty <paramref name="bias"/> means no bias; <paramref name="alpha"/> is the LeakyRelu slope or Elu scale.
        /// Out-of-range input positions are zeros (TensorFlow's SAME padding). <paramref name="y"/> must not overlap
        /// <paramref name="x"/> or <paramref name="columns"/>.
        /// </summary>
        /// <exception cref="ArgumentException">A span's length does not match <paramref name="g"/>, <paramref name="g"/> is
        /// default, or <paramref name="activation"/> is Softmax.</exception>
        /// <exception cref="ArgumentOutOfRangeException"><paramref name="batch"/> is not positive.</exception>
        public static void Forward(Span<float> y, Span<float> columns, ReadOnlySpan<float> x, ReadOnlySpan<float> kernel, ReadOnlySpan<float> bias,
                                   int batch, in Conv2DGeometry g, Activation activation, float alpha) =>
            Forward(y, columns, x, kernel, bias, batch, g, activation, alpha, Simd.Best);

        /// <summary>
        /// Gradients of a convolution given <paramref name="dy"/> with respect to its pre-activation output:
        /// <c>dKernel +=</c>, <c>dBias +=</c> (skipped when empty) and <c>dx =</c> (overwritten; skipped when empty).
        /// <paramref name="columns"/> is scratch as in <see cref="Forward(Span{float}, Span{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, int, in Conv2DGeometry, Activation, float)"/>.
        /// </summary>
        /// <exception cref="ArgumentException">A span's length does not match <paramref name="g"/>, or <paramref name="g"/> is default.</exception>
        /// <exception cref="ArgumentOutOfRangeException"><paramref name="batch"/> is not positive.</exception>
        public static void Backward(Span<float> dx, Span<float> dKernel, Span<float> dBias, Span<float> columns, ReadOnlySpan<float> dy,
                                    ReadOnlySpan<float> x, ReadOnlySpan<float> kernel, int batch, in Conv2DGeometry g) =>
            Backward(dx, dKernel, dBias, columns, dy, x, kernel, batch, g, Simd.Best);

        internal static void Forward(Span<float> y, Span<float> columns, ReadOnlySpan<float> x, ReadOnlySpan<float> kernel, ReadOnlySpan<float> bias,
                                     int batch, in Conv2DGeometry g, Activation activation, float alpha, SimdWidth width)
        {
            CheckGeometry(g);
            Check.Positive(batch, nameof(batch));
            Check.ElementWise(activation, nameof(activation));
            Check.Length(y.Length, (long)batch * g.OutputLength, nameof(y));
            Check.AtLeast(columns.Length, g.ColumnsLength, nameof(columns));
            Check.Length(x.Length, (long)batch * g.InputLength, nameof(x));
            Check.Length(kernel.Length, g.KernelLength, nameof(kernel));
            Check.LengthOrEmpty(bias.Length, g.OutChannels, nameof(bias));

            int rows = g.OutHeight * g.OutWidth, patch = g.PatchLength, outC = g.OutChannels;
            bool pointwise = IsPointwise(g);
            fixed (float* py = y, pcols = columns, px = x, pk = kernel, pb = bias)
            {
                int parts = Gemm.RowParts(rows, patch, outC);
                var job = new RowsJob
                {
                    Columns = pcols, Kernel = pk, Bias = bias.IsEmpty ? null : pb, Geometry = g, Width = width, Activation = activation,
                    Alpha = alpha, Parts = parts, Pointwise = pointwise,
                };
                for (int s = 0; s < batch; s++)
                {
                    job.X = px + (long)s * g.InputLength;
                    job.Y = py + (long)s * g.OutputLength;
                    if (parts > 1)
                    {
                        // Each thread gathers its own rows of `columns` and multiplies them: no scratch beyond one sample's.
                        Parallelism.Run(&ForwardRows, &job, parts);
                    }
                    else
                    {
                        ForwardRows(&job, 0);
                    }
                }
            }
        }

        internal static void Backward(Span<float> dx, Span<float> dKernel, Span<float> dBias, Span<float> columns, ReadOnlySpan<float> dy,
                                      ReadOnlySpan<float> x, ReadOnlySpan<float> kernel, int batch, in Conv2DGeometry g, SimdWidth width)
        {
            CheckGeometry(g);
            Check.Positive(batch, nameof(batch));
            Check.LengthOrEmpty(dx.Length, (long)batch * g.InputLength, nameof(dx));
            Check.Length(dKernel.Length, g.KernelLength, nameof(dKernel));
            Check.LengthOrEmpty(dBias.Length, g.OutChannels, nameof(dBias));
            Check.AtLeast(columns.Length, g.ColumnsLength, nameof(columns));
            Check.Length(dy.Length, (long)batch * g.OutputLength, nameof(dy));
            Check.Length(x.Length, (long)batch * g.InputLength, nameof(x));
            Check.Length(kernel.Length, g.KernelLength, nameof(kernel));

            int rows = g.OutHeight * g.OutWidth, patch = g.PatchLength, outC = g.OutChannels;
            bool pointwise = IsPointwise(g);
            fixed (float* pdx = dx, pdk = dKernel, pdb = dBias, pcols = columns, pdy = dy, px = x, pk = kernel)
            {
                if (!dBias.IsEmpty)
                {
                    Reduce.AddColumnSums(width, pdb, pdy, batch * rows, outC);
                }
                for (int s = 0; s < batch; s++)
                {
                    float* xs = px + (long)s * g.InputLength;
                    float* dys = pdy + (long)s * g.OutputLength;
                    float* a = xs;
                    if (!pointwise)
                    {
                        Gather(pcols, xs, g, rows, patch, outC);
                        a = pcols;
                    }
                    // dKernel[patch x outC] += cols^T dy_s: cols read as A^T (row stride 1, column stride patch).
                    Gemm.Product(width, pdk, outC, a, 1, patch, dys, outC, patch, rows, outC, null, true, Activation.Linear, 0f);
                    if (dx.IsEmpty)
                    {
                        continue;
                    }
                    float* dxs = pdx + (long)s * g.InputLength;
                    if (pointwise)
                    {
                        // A 1x1 stride-1 unpadded convolution: dx_s[rows x inC] = dy_s kernel^T directly.
                        Gemm.ProductTransposedB(width, dxs, patch, dys, outC, pk, outC, rows, outC, patch, false);
                    }
                    else
                    {
                        // dcols[rows x patch] = dy_s[rows x outC] kernel^T, then each column gradient is added back to
                        // the input position it was gathered from.
                        Gemm.ProductTransposedB(width, pcols, patch, dys, outC, pk, outC, rows, outC, patch, false);
                        new Span<float>(dxs, g.InputLength).Clear();
                        Col2Im(width, dxs, pcols, g);
                    }
                }
            }
        }

        /// <summary>One sample's forward pass split by output rows (pixels) in the ranges of <see cref="Gemm.PartRows"/>.</summary>
        private struct RowsJob
        {
            public float* Columns, X, Y, Kernel, Bias;
            public Conv2DGeometry Geometry;
            public SimdWidth Width;
            public Activation Activation;
            public float Alpha;
            public int Parts;
            public bool Pointwise;
        }

        /// <summary>Rows of part <paramref name="part"/>: gathered by im2col (unless pointwise), then
        /// <c>y_s[rows x outC] = act(cols[rows x patch] kernel[patch x outC] + bias)</c>.</summary>
        private static void ForwardRows(void* context, int part)
        {
            ref RowsJob job = ref *(RowsJob*)context;
            ref readonly Conv2DGeometry g = ref job.Geometry;
            int rows = g.OutHeight * g.OutWidth, patch = g.PatchLength, outC = g.OutChannels;
            Gemm.PartRows(rows, job.Parts, part, out int first, out int end);
            float* a = job.X;
            if (!job.Pointwise)
            {
                Im2Col(job.Columns, job.X, g, first, end);
                a = job.Columns;
            }
            Gemm.ProductRows(job.Width, job.Y, outC, a, patch, 1, job.Kernel, outC, first, end, patch, outC, job.Bias, false, job.Activation, job.Alpha);
        }

        /// <summary>im2col of one sample, split between threads like the forward product of the same size.</summary>
        private static void Gather(float* cols, float* x, in Conv2DGeometry g, int rows, int patch, int outC)
        {
            int parts = Gemm.RowParts(rows, patch, outC);
            if (parts <= 1)
            {
                Im2Col(cols, x, g, 0, rows);
                return;
            }
            var job = new RowsJob { Columns = cols, X = x, Geometry = g, Parts = parts };
            Parallelism.Run(&GatherRows, &job, parts);
        }

        private static void GatherRows(void* context, int part)
        {
            ref RowsJob job = ref *(RowsJob*)context;
            Gemm.PartRows(job.Geometry.OutHeight * job.Geometry.OutWidth, job.Parts, part, out int first, out int end);
            Im2Col(job.Columns, job.X, job.Geometry, first, end);
        }

        private static void CheckGeometry(in Conv2DGeometry g)
        {
            if (g.KernelHeight == 0)
            {
                throw new ArgumentException("g is a default Conv2DGeometry; construct it with the layer's sizes.", nameof(g));
            }
        }

        // A 1x1, stride 1, unpadded convolution whose output has the input's size: im2col would copy x unchanged.
        private static bool IsPointwise(in Conv2DGeometry g) =>
            g.KernelHeight == 1 && g.KernelWidth == 1 && g.StrideH == 1 && g.StrideW == 1 && g.PadTop == 0 && g.PadLeft == 0 &&
            g.OutHeight == g.InHeight && g.OutWidth == g.InWidth;

        /// <summary>
        /// cols[(oy * outW + ox) * patch + (ky * kw + kx) * inC + c] = x[iy, ix, c], or 0 outside the input, for the output
        /// pixels (rows of cols) [<paramref name="first"/>, <paramref name="end"/>). For each kernel row the in-bounds kernel
        /// columns form one contiguous run of x (NHWC), copied in one block.
        /// </summary>
        private static void Im2Col(float* cols, float* x, in Conv2DGeometry g, int first, int end)
        {
            int inH = g.InHeight, inW = g.InWidth, inC = g.InChannels, kh = g.KernelHeight, kw = g.KernelWidth;
            int rowLength = kw * inC;
            float* dst = cols + (long)first * g.PatchLength;
            for (int r = first; r < end; r++)
            {
                int oy = r / g.OutWidth, ox = r - oy * g.OutWidth;
                int iy0 = oy * g.StrideH - g.PadTop;
                int ix0 = ox * g.StrideW - g.PadLeft;
                int kx0 = Math.Max(0, -ix0), kx1 = Math.Min(kw, inW - ix0);
                for (int ky = 0; ky < kh; ky++, dst += rowLength)
                {
                    int iy = iy0 + ky;
                    if ((uint)iy >= (uint)inH || kx0 >= kx1)
                    {
                        Clear(dst, rowLength);
                        continue;
                    }
                    Clear(dst, kx0 * inC);
                    int run = (kx1 - kx0) * inC;
                    float* src = x + ((long)iy * inW + ix0 + kx0) * inC;
                    float* target = dst + kx0 * inC;
                    if (run <= 16)
                    {
                        // Few channels (a first layer: inC = 1 or 3): a call per 5 floats would cost more than the copy.
                        for (int i = 0; i < run; i++) target[i] = src[i];
                    }
                    else
                    {
                        Buffer.MemoryCopy(src, target, (long)run * sizeof(float), (long)run * sizeof(float));
                    }
                    Clear(dst + kx1 * inC, (kw - kx1) * inC);
                }
            }
        }

        /// <summary>The adjoint of <see cref="Im2Col"/>: x[iy, ix, c] += cols[...] for every in-bounds gathered position.</summary>
        private static void Col2Im(SimdWidth width, float* x, float* cols, in Conv2DGeometry g)
        {
            int inH = g.InHeight, inW = g.InWidth, inC = g.InChannels, kh = g.KernelHeight, kw = g.KernelWidth;
            int rowLength = kw * inC;
            float* src = cols;
            for (int oy = 0; oy < g.OutHeight; oy++)
            {
                int iy0 = oy * g.StrideH - g.PadTop;
                for (int ox = 0; ox < g.OutWidth; ox++)
                {
                    int ix0 = ox * g.StrideW - g.PadLeft;
                    int kx0 = Math.Max(0, -ix0), kx1 = Math.Min(kw, inW - ix0);
                    for (int ky = 0; ky < kh; ky++, src += rowLength)
                    {
                        int iy = iy0 + ky;
                        if ((uint)iy >= (uint)inH || kx0 >= kx1)
                        {
                            continue;
                        }
                        float* dst = x + ((long)iy * inW + ix0 + kx0) * inC;
                        Elementwise.AddInPlace(width, dst, src + kx0 * inC, (kx1 - kx0) * inC);
                    }
                }
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void Clear(float* p, int count)
        {
            if (count <= 16)
            {
                for (int i = 0; i < count; i++) p[i] = 0f;
            }
            else
            {
                Unsafe.InitBlockUnaligned(p, 0, (uint)count * sizeof(float));
            }
        }
    }
}
