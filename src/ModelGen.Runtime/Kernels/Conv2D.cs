// 2D convolution in NHWC as an implicit GEMM: for a group of samples at a time, the product reads each receptive
// field where it lies (in the sample, or in a zero-padded copy when windows reach outside it) through two offset
// tables, output pixels x kernel taps, instead of copying it into an im2col matrix; the kernel gradient is the same
// product with the tables swapped. The input gradient of a stride-1 layer with 8 or more input channels is a
// transposed convolution (the same product over zero-padded copies of dy and the tap-transposed kernel, also in
// groups); otherwise it multiplies dy by the kernel^T into `columns` per sample and adds each row back where its
// window read (col2im). With Parallelism.Current > 1 the products split between threads; col2im, which adds
// overlapping windows, stays on the calling thread. A max pooling that follows the layer can run group by group inside
// the forward pass, reading each group's output from cache.
using System;

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
            Forward(y, columns, x, kernel, default, bias, batch, g, activation, alpha, Simd.Best);

        /// <summary>
        /// <see cref="Forward(Span{float}, Span{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, int, in Conv2DGeometry, Activation, float)"/>
        /// with the kernel also packed by <see cref="Gemm.PackB(Span{float}, ReadOnlySpan{float}, int, int)"/> as a
        /// [<see cref="Conv2DGeometry.PatchLength"/> x <see cref="Conv2DGeometry.OutChannels"/>] matrix
        /// (<see cref="Gemm.PackedLength"/> of those sizes, packed from this
        /// <paramref name="kernel"/>): the products read the packed copy instead of packing the kernel for every group of
        /// samples and thread. An empty <paramref name="packedKernel"/> packs per call.
        /// </summary>
        /// <exception cref="ArgumentException">A span's length does not match <paramref name="g"/>, <paramref name="g"/> is
        /// default, or <paramref name="activation"/> is Softmax.</exception>
        /// <exception cref="ArgumentOutOfRangeException"><paramref name="batch"/> is not positive.</exception>
        public static void Forward(Span<float> y, Span<float> columns, ReadOnlySpan<float> x, ReadOnlySpan<float> kernel, ReadOnlySpan<float> packedKernel,
                                   ReadOnlySpan<float> bias, int batch, in Conv2DGeometry g, Activation activation, float alpha) =>
            Forward(y, columns, x, kernel, packedKernel, bias, batch, g, activation, alpha, Simd.Best);

        /// <summary>
        /// <see cref="Forward(Span{float}, Span{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, int, in Conv2DGeometry, Activation, float)"/>
        /// followed by max pooling of <paramref name="y"/> into <paramref name="pooled"/> (a convolution layer and the
        /// <c>MaxPool2D</c> after it): each group of samples is pooled as soon as its convolution is done, while its
        /// output is still in cache, instead of in a second pass over the whole batch. <paramref name="y"/> is written
        /// whole as before (training keeps it for backward); both results are bitwise those of the two calls. An empty
        /// <paramref name="pooled"/> skips the pooling; a non-empty one must not overlap the other spans.
        /// </summary>
        /// <exception cref="ArgumentException">As the convolution alone; or <paramref name="pool"/> does not take this
        /// convolution's output (its input height, width and channels), or <paramref name="pooled"/>'s length does not match it.</exception>
        /// <exception cref="ArgumentOutOfRangeException"><paramref name="batch"/> is not positive.</exception>
        public static void Forward(Span<float> y, Span<float> columns, ReadOnlySpan<float> x, ReadOnlySpan<float> kernel, ReadOnlySpan<float> packedKernel,
                                   ReadOnlySpan<float> bias, int batch, in Conv2DGeometry g, Activation activation, float alpha,
                                   Span<float> pooled, in Pool2DGeometry pool) =>
            Forward(y, columns, x, kernel, packedKernel, bias, batch, g, activation, alpha, Simd.Best, pooled, pool);

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

        internal static void Forward(Span<float> y, Span<float> columns, ReadOnlySpan<float> x, ReadOnlySpan<float> kernel, ReadOnlySpan<float> packedKernel,
                                     ReadOnlySpan<float> bias, int batch, in Conv2DGeometry g, Activation activation, float alpha, SimdWidth width) =>
            Forward(y, columns, x, kernel, packedKernel, bias, batch, g, activation, alpha, width, default, default);

        internal static void Forward(Span<float> y, Span<float> columns, ReadOnlySpan<float> x, ReadOnlySpan<float> kernel, ReadOnlySpan<float> packedKernel,
                                     ReadOnlySpan<float> bias, int batch, in Conv2DGeometry g, Activation activation, float alpha, SimdWidth width,
                                     Span<float> pooled, in Pool2DGeometry pool)
        {
            CheckGeometry(g);
            Check.Positive(batch, nameof(batch));
            Check.ElementWise(activation, nameof(activation));
            Check.Length(y.Length, (long)batch * g.OutputLength, nameof(y));
            Check.AtLeast(columns.Length, g.ColumnsLength, nameof(columns));
            Check.Length(x.Length, (long)batch * g.InputLength, nameof(x));
            Check.Length(kernel.Length, g.KernelLength, nameof(kernel));
            Check.LengthOrEmpty(packedKernel.Length, Gemm.PackedLength(g.PatchLength, g.OutChannels), nameof(packedKernel));
            Check.LengthOrEmpty(bias.Length, g.OutChannels, nameof(bias));
            if (!pooled.IsEmpty)
            {
                CheckPool(g, pool);
                Check.Length(pooled.Length, (long)batch * pool.OutputLength, nameof(pooled));
            }

            int rows = g.OutHeight * g.OutWidth, patch = g.PatchLength, outC = g.OutChannels;
            bool pointwise = IsPointwise(g);
            fixed (float* py = y, pcols = columns, px = x, pk = kernel, pp = packedKernel, pb = bias)
            {
                float* pbias = bias.IsEmpty ? null : pb, packed = packedKernel.IsEmpty ? null : pp;
                if (pointwise)
                {
                    // A 1x1 stride-1 unpadded convolution: y[batch * rows x outC] = x[batch * rows x inC] kernel, one product.
                    Gemm.Product(width, py, outC, px, patch, 1, pk, outC, batch * rows, patch, outC, pbias, false, activation, alpha, packed);
                    if (!pooled.IsEmpty)
                    {
                        Pooling.MaxForward(pooled, y, batch, pool, width);
                    }
                    return;
                }
                // Per group of samples: y[pixels x outC] = act(A kernel[patch x outC] + bias), A(pixel, tap) read from the
                // (padded) samples; a group shares one packing of the kernel and makes one larger product, and is pooled
                // (when asked) while its rows of y are still in L2.
                int group = GroupSize(g, columns.Length, batch);
                Tables(pcols, group, g, out int* pixels, out int* taps);
                for (int s = 0; s < batch; s += group)
                {
                    int count = Math.Min(group, batch - s);
                    float* a = Fields(pcols, px + (long)s * g.InputLength, count, g, borders: s == 0);
                    Gemm.ProductGathered(width, py + (long)s * g.OutputLength, outC, a, pixels, taps, pk, outC, count * rows, patch, outC,
                                         pbias, false, activation, alpha, packed);
                    if (!pooled.IsEmpty)
                    {
                        Pooling.MaxForward(pooled.Slice(s * pool.OutputLength, count * pool.OutputLength),
                                           y.Slice(s * g.OutputLength, count * g.OutputLength), count, pool, width);
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
            bool pointwise = IsPointwise(g), transposed = !dx.IsEmpty && !pointwise && TransposedFits(g);
            fixed (float* pdx = dx, pdk = dKernel, pdb = dBias, pcols = columns, pdy = dy, px = x, pk = kernel)
            {
                if (!dBias.IsEmpty)
                {
                    Reduce.AddColumnSums(width, pdb, pdy, batch * rows, outC);
                }
                if (pointwise)
                {
                    // dKernel[patch x outC] += x^T dy over all samples' pixels (x read as A^T: row stride 1, column stride
                    // inC), and dx[batch * rows x inC] = dy kernel^T: one product each.
                    Gemm.Product(width, pdk, outC, px, 1, patch, pdy, outC, patch, batch * rows, outC, null, true, Activation.Linear, 0f);
                    if (!dx.IsEmpty)
                    {
                        Gemm.ProductTransposedB(width, pdx, patch, pdy, outC, pk, outC, batch * rows, outC, patch, false);
                    }
                    return;
                }
                // The transposed convolution's operands live at the end of the scratch: the kernel with each tap's
                // [inC x outC] block transposed (once per call), then dy's padded sample and its tables. Samples are
                // prepared in groups before them, unless col2im needs the whole scratch for each sample's columns.
                int reserved = transposed ? (int)TransposedLength(g) : 0;
                float* flipped = pcols + columns.Length - reserved, paddedGradient = flipped + g.KernelLength;
                if (transposed)
                {
                    TransposeTaps(flipped, pk, g);
                }
                // Samples go in groups, whose tables are laid out once, unless col2im runs per sample: its column
                // gradients then overwrite the prepared sample, tables included, and each sample lays them out again.
                bool grouped = dx.IsEmpty || transposed;
                int group = grouped ? GroupSize(g, columns.Length - reserved, batch) : 1;
                int* pixels = null, taps = null;
                for (int s0 = 0; s0 < batch; s0 += group)
                {
                    int count = Math.Min(group, batch - s0);
                    // dKernel[patch x outC] += A^T dy: A^T(tap, pixel) over the group's pixels, read from the (padded)
                    // samples, rows and columns swapped; the multiply-adds into each element run in the order of
                    // samples and pixels, as one sample at a time would.
                    // The first group, or the previous sample's col2im overwrote the scratch: tables and zero borders anew.
                    bool fresh = s0 == 0 || !grouped;
                    if (fresh)
                    {
                        Tables(pcols, group, g, out pixels, out taps);
                    }
                    float* a = Fields(pcols, px + (long)s0 * g.InputLength, count, g, borders: fresh);
                    Gemm.ProductGathered(width, pdk, outC, a, taps, pixels, pdy + (long)s0 * g.OutputLength, outC, patch, count * rows, outC,
                                         null, true, Activation.Linear, 0f);
                    if (grouped)
                    {
                        continue;
                    }
                    // dcols[rows x patch] = dy_s[rows x outC] kernel^T (over the prepared sample, no longer needed), then
                    // each column gradient is added back to the input position its receptive field read.
                    float* dys = pdy + (long)s0 * g.OutputLength, dxs = pdx + (long)s0 * g.InputLength;
                    Gemm.ProductTransposedB(width, pcols, patch, dys, outC, pk, outC, rows, outC, patch, false);
                    new Span<float>(dxs, g.InputLength).Clear();
                    Col2Im(width, dxs, pcols, g);
                }
                if (transposed)
                {
                    TransposedInputGradient(width, pdx, pdy, batch, g, flipped, pcols, columns.Length - reserved, paddedGradient);
                }
            }
        }

        /// <summary>A pooling fused into the convolution must take its output: same height, width and channels.</summary>
        private static void CheckPool(in Conv2DGeometry g, in Pool2DGeometry pool)
        {
            if (pool.WindowHeight == 0)
            {
                throw new ArgumentException("pool is a default Pool2DGeometry; construct it with the pooling layer's sizes.", nameof(pool));
            }
            if (pool.InHeight != g.OutHeight || pool.InWidth != g.OutWidth || pool.Channels != g.OutChannels)
            {
                throw new ArgumentException(
                    $"pool takes {pool.InHeight}x{pool.InWidth}x{pool.Channels} inputs, but the convolution produces {g.OutHeight}x{g.OutWidth}x{g.OutChannels}.",
                    nameof(pool));
            }
        }

        private static void CheckGeometry(in Conv2DGeometry g)
        {
            if (g.KernelHeight == 0)
            {
                throw new ArgumentException("g is a default Conv2DGeometry; construct it with the layer's sizes.", nameof(g));
            }
        }

        // A 1x1, stride 1, unpadded convolution whose output has the input's size: its receptive fields are x's rows.
        private static bool IsPointwise(in Conv2DGeometry g) =>
            g.KernelHeight == 1 && g.KernelWidth == 1 && g.StrideH == 1 && g.StrideW == 1 && g.PadTop == 0 && g.PadLeft == 0 &&
            g.OutHeight == g.InHeight && g.OutWidth == g.InWidth;

        /// <summary>
        /// Lays out the offset tables of a gathered product over up to <paramref name="group"/> consecutive samples,
        /// after the space <see cref="Fields"/> fills with their zero-padded copies when windows reach outside a sample
        /// (<see cref="Conv2DGeometry.PaddedHeight"/> x <see cref="Conv2DGeometry.PaddedWidth"/> each, one after the
        /// other): <paramref name="taps"/>[(ky * kw + kx) * inC + c] (kernel tap from a window's corner) and
        /// <paramref name="pixels"/>[q * outH * outW + oy * outW + ox] (the corner of sample q's window), so that the
        /// receptive field element of output row r and tap t lies at <c>fields[pixels[r] + taps[t]]</c>. The tables
        /// depend on the geometry only, so a call lays them out once for all its groups (a smaller last group reads a
        /// prefix of <paramref name="pixels"/>).
        /// </summary>
        private static void Tables(float* scratch, int group, in Conv2DGeometry g, out int* pixels, out int* taps)
        {
            int inC = g.InChannels;
            int rowLength = g.InWidth * inC, sampleLength = g.InputLength;
            long padded = 0;
            if (g.NeedsPadding)
            {
                rowLength = g.PaddedWidth * inC;
                sampleLength = g.PaddedHeight * rowLength;
                padded = (long)group * sampleLength;
            }

            taps = (int*)(scratch + padded);
            int t = 0;
            for (int ky = 0; ky < g.KernelHeight; ky++)
            {
                for (int kx = 0; kx < g.KernelWidth; kx++)
                {
                    int corner = ky * rowLength + kx * inC;
                    for (int c = 0; c < inC; c++) taps[t++] = corner + c;
                }
            }

            pixels = taps + t;
            int r = 0, rowStep = g.StrideH * rowLength, columnStep = g.StrideW * inC;
            for (int q = 0; q < group; q++)
            {
                int sample = q * sampleLength;
                for (int oy = 0; oy < g.OutHeight; oy++)
                {
                    for (int ox = 0; ox < g.OutWidth; ox++) pixels[r++] = sample + oy * rowStep + ox * columnStep;
                }
            }
        }

        /// <summary>
        /// Where the receptive fields of <paramref name="count"/> consecutive samples at <paramref name="x"/> start, for
        /// the tables <see cref="Tables"/> laid out: the samples themselves when every window lies inside a sample, else
        /// their zero-padded copies, written at the start of <paramref name="scratch"/> (the rows and columns the windows
        /// cover; split between threads by samples when large). Only the copied rows are written unless
        /// <paramref name="borders"/> is set: a call's later groups find the zeros its first group wrote around them.
        /// </summary>
        private static float* Fields(float* scratch, float* x, int count, in Conv2DGeometry g, bool borders)
        {
            if (!g.NeedsPadding)
            {
                return x;
            }
            int inC = g.InChannels, height = g.PaddedHeight, rowLength = g.PaddedWidth * inC;
            // Input rows and columns inside the covered extent (a VALID window may leave the last ones unread).
            var copies = new PaddedCopies
            {
                Target = scratch, Source = x, TargetLength = height * rowLength, SourceLength = g.InputLength,
                RowLength = rowLength, Top = g.PadTop, Left = g.PadLeft * inC,
                Rows = Math.Min(g.InHeight, height - g.PadTop), Length = Math.Min(g.InWidth, g.PaddedWidth - g.PadLeft) * inC,
                SourceRowLength = g.InWidth * inC, Borders = borders,
            };
            copies.Run(count);
            return scratch;
        }

        /// <summary>
        /// Copies of samples into the interiors of zero-bordered buffers, one buffer per sample (a convolution's padded
        /// inputs, the transposed convolution's padded dy), on the caller's stack. Each sample is a few thousand to
        /// tens of thousands of floats; a group's copies split between threads by whole samples from two parts of
        /// <see cref="ParallelChain.ElementsPerPart"/> floats, so that the worker does not wait while the calling thread
        /// lays out the next product's operand.
        /// </summary>
        private struct PaddedCopies
        {
            public float* Target, Source;
            // Floats per target buffer and per source sample.
            public int TargetLength, SourceLength;
            // Floats per buffer row; the interior: Rows rows of Length floats at row Top, float Left.
            public int RowLength, Top, Left, Rows, Length;
            // Floats between the starts of two source rows.
            public int SourceRowLength;
            // Whether to zero the buffers outside their interiors (false when the call's first group already did).
            public bool Borders;
            public int Count, Parts;

            /// <summary>Copies samples [0, <paramref name="count"/>) into buffers [0, count).</summary>
            internal void Run(int count)
            {
                Count = count;
                Parts = Math.Min(count, ParallelChain.Parts((long)count * TargetLength, ParallelChain.ElementsPerPart));
                if (Parts <= 1)
                {
                    CopySamples(0, count);
                    return;
                }
                fixed (PaddedCopies* job = &this)
                {
                    Parallelism.Run(&RunPart, job, Parts);
                }
            }

            /// <summary>Part <paramref name="part"/>: samples [part * Count / Parts, (part + 1) * Count / Parts).</summary>
            private static void RunPart(void* context, int part)
            {
                ref PaddedCopies job = ref *(PaddedCopies*)context;
                job.CopySamples((int)((long)job.Count * part / job.Parts), (int)((long)job.Count * (part + 1) / job.Parts));
            }

            private readonly void CopySamples(int first, int end)
            {
                long bytes = (long)Length * sizeof(float);
                for (int q = first; q < end; q++)
                {
                    float* target = Target + (long)q * TargetLength, source = Source + (long)q * SourceLength;
                    float* interior = target + (long)Top * RowLength + Left;
                    if (Borders)
                    {
                        // The gaps around the interior's rows: before the first, between each two, after the last.
                        new Span<float>(target, Top * RowLength + Left).Clear();
                        for (int r = 0; r < Rows; r++)
                        {
                            float* gap = interior + (long)r * RowLength + Length;
                            long next = r + 1 < Rows ? RowLength - Length : TargetLength - (gap - target);
                            new Span<float>(gap, (int)next).Clear();
                        }
                    }
                    for (int r = 0; r < Rows; r++)
                    {
                        Buffer.MemoryCopy(source + (long)r * SourceRowLength, interior + (long)r * RowLength, bytes, bytes);
                    }
                }
            }
        }

        /// <summary>
        /// How many samples <see cref="Tables"/> and <see cref="Fields"/> lay out at once in <paramref name="available"/> floats of scratch: as
        /// many as fit (padded copies and pixel offsets per sample, tap offsets once), at least 1, at most
        /// <paramref name="batch"/>. <see cref="Conv2DGeometry.ColumnsLength"/> always holds one.
        /// </summary>
        private static int GroupSize(in Conv2DGeometry g, int available, int batch)
        {
            long perSample = (g.NeedsPadding ? (long)g.PaddedHeight * g.PaddedWidth * g.InChannels : 0) + (long)g.OutHeight * g.OutWidth;
            return (int)Math.Clamp((available - (long)g.PatchLength) / perSample, 1, batch);
        }

        /// <summary>Floats <see cref="Tables"/> and <see cref="Fields"/> write for one sample: the padded copy (if any) and both offset tables.</summary>
        private static long PreparedLength(in Conv2DGeometry g) =>
            (g.NeedsPadding ? (long)g.PaddedHeight * g.PaddedWidth * g.InChannels : 0) + g.PatchLength + (long)g.OutHeight * g.OutWidth;

        /// <summary>Floats the transposed convolution's operands take: the transposed kernel, dy's padded sample, its tables.</summary>
        private static long TransposedLength(in Conv2DGeometry g) =>
            g.KernelLength + (long)GradientHeight(g) * GradientWidth(g) * g.OutChannels + (long)g.InHeight * g.InWidth
            + (long)g.KernelHeight * g.KernelWidth * g.OutChannels;

        /// <summary>
        /// Whether the input gradient is computed as a transposed convolution (an implicit product vectorized over input
        /// channels) rather than by col2im: stride 1, at least 8 input channels, and scratch for its operands beside one
        /// prepared sample within <see cref="Conv2DGeometry.ColumnsLength"/>.
        /// </summary>
        internal static bool TransposedFits(in Conv2DGeometry g) =>
            g.StrideH == 1 && g.StrideW == 1 && g.InChannels >= 8 && PreparedLength(g) + TransposedLength(g) <= g.ColumnsLength;

        // dy padded so that every input pixel's kh x kw window of output positions lies inside it (stride 1).
        private static int GradientHeight(in Conv2DGeometry g) => g.InHeight + g.KernelHeight - 1;

        private static int GradientWidth(in Conv2DGeometry g) => g.InWidth + g.KernelWidth - 1;

        /// <summary>flipped[((ky * kw + kx) * outC + oc) * inC + c] = kernel[((ky * kw + kx) * inC + c) * outC + oc].</summary>
        private static void TransposeTaps(float* flipped, float* kernel, in Conv2DGeometry g)
        {
            int inC = g.InChannels, outC = g.OutChannels, block = inC * outC;
            for (int t = 0, taps = g.KernelHeight * g.KernelWidth; t < taps; t++)
            {
                float* source = kernel + (long)t * block, target = flipped + (long)t * block;
                for (int c = 0; c < inC; c++)
                {
                    for (int oc = 0; oc < outC; oc++) target[oc * inC + c] = source[c * outC + oc];
                }
            }
        }

        /// <summary>
        /// The input gradient of a stride-1 convolution as a transposed convolution, in groups of samples: dx[group pixels
        /// x inC] = A flipped[kh*kw*outC x inC], A(input pixel of sample q, (ky, kx, oc)) = dy_q[iy + padTop - ky,
        /// ix + padLeft - kx, oc], read from zero-padded copies of the group's dy samples. The copies and their tables go
        /// into <paramref name="region"/> (the scratch the kernel gradient's prepared samples used, free again) as many
        /// samples at a time as it holds, or, when it holds fewer than two, into <paramref name="single"/>, the space
        /// reserved for one. Rows are independent, so the result is the same for any group size; one product per group
        /// packs the flipped kernel once for its samples instead of once per sample.
        /// </summary>
        private static void TransposedInputGradient(SimdWidth width, float* dx, float* dy, int batch, in Conv2DGeometry g, float* flipped,
                                                    float* region, long regionLength, float* single)
        {
            int pixels = g.InHeight * g.InWidth, taps = g.KernelHeight * g.KernelWidth * g.OutChannels;
            long perSample = (long)GradientHeight(g) * GradientWidth(g) * g.OutChannels;
            int group = (int)Math.Clamp((regionLength - taps) / (perSample + pixels), 1, batch);
            float* buffer = group > 1 ? region : single;
            PrepareGradient(buffer, group, g, out int* inputPixels, out int* flippedTaps);
            // dy_q's rows go into the interior of buffer q, kh - 1 - PadTop rows down and kw - 1 - PadLeft columns in; the
            // first group also zeroes the borders, which no later group writes.
            int outC = g.OutChannels, rowLength = GradientWidth(g) * outC;
            var copies = new PaddedCopies
            {
                Target = buffer, TargetLength = (int)perSample, SourceLength = g.OutputLength,
                RowLength = rowLength, Top = g.KernelHeight - 1 - g.PadTop, Left = (g.KernelWidth - 1 - g.PadLeft) * outC,
                Rows = g.OutHeight, Length = g.OutWidth * outC, SourceRowLength = g.OutWidth * outC, Borders = true,
            };
            for (int s0 = 0; s0 < batch; s0 += group)
            {
                int count = Math.Min(group, batch - s0);
                copies.Source = dy + (long)s0 * g.OutputLength;
                copies.Run(count);
                copies.Borders = false;
                Gemm.ProductGathered(width, dx + (long)s0 * g.InputLength, g.InChannels, buffer, inputPixels, flippedTaps, flipped, g.InChannels,
                                     count * pixels, taps, g.InChannels, null, false, Activation.Linear, 0f);
            }
        }

        /// <summary>
        /// Lays out, once per call, the tables of the transposed convolution's operand (stride 1), after the zero-padded
        /// buffers for <paramref name="count"/> samples of dy (<see cref="GradientHeight"/> x <see cref="GradientWidth"/>
        /// each, with <c>kh - 1 - PadTop</c> rows above and <c>kw - 1 - PadLeft</c> columns left of dy, filled per group by
        /// <see cref="PaddedCopies"/>): <paramref name="taps"/>[(ky * kw + kx) * outC + oc] (the flipped tap) and
        /// <paramref name="pixels"/>[q * inH * inW + iy * inW + ix], so that <c>scratch[pixels[i] + taps[t]]</c> is
        /// dy_q[iy + PadTop - ky, ix + PadLeft - kx, oc], or 0 outside dy.
        /// </summary>
        private static void PrepareGradient(float* scratch, int count, in Conv2DGeometry g, out int* pixels, out int* taps)
        {
            int outC = g.OutChannels, rowLength = GradientWidth(g) * outC, padded = GradientHeight(g) * rowLength;

            taps = (int*)(scratch + (long)count * padded);
            int t = 0;
            for (int ky = 0; ky < g.KernelHeight; ky++)
            {
                for (int kx = 0; kx < g.KernelWidth; kx++)
                {
                    int corner = (g.KernelHeight - 1 - ky) * rowLength + (g.KernelWidth - 1 - kx) * outC;
                    for (int oc = 0; oc < outC; oc++) taps[t++] = corner + oc;
                }
            }

            pixels = taps + t;
            int r = 0;
            for (int q = 0; q < count; q++)
            {
                for (int iy = 0; iy < g.InHeight; iy++)
                {
                    for (int ix = 0; ix < g.InWidth; ix++) pixels[r++] = q * padded + iy * rowLength + ix * outC;
                }
            }
        }

        /// <summary>
        /// Adds column gradients back where their receptive fields read: x[iy, ix, c] += cols[(oy * outW + ox) * patch +
        /// (ky * kw + kx) * inC + c] for every in-bounds position (out-of-range ones were padding).
        /// </summary>
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
    }
}
