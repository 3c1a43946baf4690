// Row-major matrix products through one register-blocked core: 6 rows x 2 vectors of accumulators (with Vector512,
// 6 x 4 on strips of 64 columns and 8 x 2 on strips of 32), A broadcast, B packed per strip into L1 and streamed (or,
// for constant weights, packed once ahead of the call by PackB and read in place), bias and activation fused into the
// tile's store, B read in place where it is already one strip wide. A B, A^T B and (from 6 rows up) A B^T differ only in
// strides; batch 1 takes a GEMV path (B rows streamed once), A B^T with fewer than 6 rows takes blocked dot products
// along the shared contiguous axis, and a deep A B^T (a dense layer's input gradient) dot products in 4 x 6 tiles.
// Other strips of B^T are packed by 8 x 8 register transposes. A can also be gathered: A(i, p) =
// a[rowTable[i] + columnTable[p]], which is how a convolution multiplies its input's receptive fields without copying
// them into an im2col matrix first. With more than one thread (Parallelism.Current), large products split C between
// threads: by 64-column chunks when C is wider than tall (each thread then packs only its part of B), else by rows in
// whole tiles (the dot-product form of a deep A B^T by whole 6-row blocks of B).
using System;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace ModelGen.Kernels
{
    /// <summary>General matrix products on row-major float matrices, allocation-free.</summary>
    public static unsafe class Gemm
    {
        // Rows of A per register tile: 6 x 2 accumulators + 2 B vectors + 1 broadcast = 15 of the 16 ymm registers
        // (AVX-512 has 32, so the same tile never spills on any x64 path). 12 independent FMA chains cover the FMA
        // latency (4 cycles) times the 2 FMA pipes.
        private const int TileRows = 6;

        // Rows of k per packed strip of B: 256 x 2 vectors of 16 = 32 KiB, which stays in L1 (48 KiB on Zen 5) while
        // every 6-row panel of A runs over it.
        private const int BlockK = 256;

        // Rows of k per block of a B packed ahead of the call (PackB). Packing per call needs strips small enough for L1;
        // a strip packed once is read in place, so it can run the whole depth from L2 (784 x 64 floats for the MLP:
        // 200 KiB): each tile then loads and stores C once per product instead of once per 128 rows. Medians of 8 runs:
        // the MLP's 64 x 784 x 256 product at 98 % of the FMA peak instead of 89 %, fc1's (four blocks of 784) 85 % instead of 78 %.
        private const int PackedBlockK = 1024;

        // Bytes of B rows kept hot by the dot-product form (A B^T) while all rows of A pass over them.
        private const int DotBlockBytes = 256 * 1024;

        /// <summary>
        /// <c>C (+)= A B</c>: <paramref name="a"/> is [m x k], <paramref name="b"/> is [k x n], <paramref name="c"/> is
        /// [m x n], all row-major. With <paramref name="accumulate"/> the product is added to C, else it replaces C.
        /// </summary>
        /// <exception cref="ArgumentOutOfRangeException">A size is not positive.</exception>
        /// <exception cref="ArgumentException">A span's length does not match the sizes.</exception>
        public static void Multiply(Span<float> c, ReadOnlySpan<float> a, ReadOnlySpan<float> b, int m, int k, int n, bool accumulate) =>
            Multiply(c, a, b, m, k, n, accumulate, Simd.Best);

        /// <summary>
        /// <c>C (+)= A B^T</c>: <paramref name="a"/> is [m x k], <paramref name="b"/> is [n x k], <paramref name="c"/> is
        /// [m x n]. With <paramref name="accumulate"/> the product is added to C, else it replaces C.
        /// </summary>
        /// <exception cref="ArgumentOutOfRangeException">A size is not positive.</exception>
        /// <exception cref="ArgumentException">A span's length does not match the sizes.</exception>
        public static void MultiplyTransposedB(Span<float> c, ReadOnlySpan<float> a, ReadOnlySpan<float> b, int m, int k, int n, bool accumulate) =>
            MultiplyTransposedB(c, a, b, m, k, n, accumulate, Simd.Best);

        /// <summary>
        /// <c>C (+)= A^T B</c>: <paramref name="a"/> is [k x m], <paramref name="b"/> is [k x n], <paramref name="c"/> is
        /// [m x n]. With <paramref name="accumulate"/> the product is added to C, else it replaces C.
        /// </summary>
        /// <exception cref="ArgumentOutOfRangeException">A size is not positive.</exception>
        /// <exception cref="ArgumentException">A span's length does not match the sizes.</exception>
        public static void MultiplyTransposedA(Span<float> c, ReadOnlySpan<float> a, ReadOnlySpan<float> b, int m, int k, int n, bool accumulate) =>
            MultiplyTransposedA(c, a, b, m, k, n, accumulate, Simd.Best);

        internal static void Multiply(Span<float> c, ReadOnlySpan<float> a, ReadOnlySpan<float> b, int m, int k, int n, bool accumulate, SimdWidth width)
        {
            CheckSizes(m, k, n);
            Check.Length(c.Length, (long)m * n, nameof(c));
            Check.Length(a.Length, (long)m * k, nameof(a));
            Check.Length(b.Length, (long)k * n, nameof(b));
            fixed (float* pc = c, pa = a, pb = b)
            {
                Product(width, pc, n, pa, k, 1, pb, n, m, k, n, null, accumulate, Activation.Linear, 0f);
            }
        }

        internal static void MultiplyTransposedB(Span<float> c, ReadOnlySpan<float> a, ReadOnlySpan<float> b, int m, int k, int n, bool accumulate, SimdWidth width)
        {
            CheckSizes(m, k, n);
            Check.Length(c.Length, (long)m * n, nameof(c));
            Check.Length(a.Length, (long)m * k, nameof(a));
            Check.Length(b.Length, (long)n * k, nameof(b));
            fixed (float* pc = c, pa = a, pb = b)
            {
                ProductTransposedB(width, pc, n, pa, k, pb, k, m, k, n, accumulate);
            }
        }

        internal static void MultiplyTransposedA(Span<float> c, ReadOnlySpan<float> a, ReadOnlySpan<float> b, int m, int k, int n, bool accumulate, SimdWidth width)
        {
            CheckSizes(m, k, n);
            Check.Length(c.Length, (long)m * n, nameof(c));
            Check.Length(a.Length, (long)k * m, nameof(a));
            Check.Length(b.Length, (long)k * n, nameof(b));
            fixed (float* pc = c, pa = a, pb = b)
            {
                // A^T element (i, p) is a[p * m + i]: the same core with A's strides swapped.
                Product(width, pc, n, pa, 1, m, pb, n, m, k, n, null, accumulate, Activation.Linear, 0f);
            }
        }

        /// <summary>
        /// Packs a [k x n] row-major <paramref name="b"/> (a dense or convolution kernel) into the
        /// <see cref="PackedLength"/>(k, n) floats of <paramref name="packed"/>, in the order the products read it, for <c>Dense.Forward</c> and <c>Conv2D.Forward</c>
        /// given a packed kernel: constant weights packed once instead of on every call. The layout is private to this
        /// build and process (it follows the vector width the hardware offers): pack again after the weights change, and
        /// do not save it.
        /// </summary>
        /// <exception cref="ArgumentOutOfRangeException">A size is not positive.</exception>
        /// <exception cref="ArgumentException"><paramref name="b"/> does not hold k * n floats, or <paramref name="packed"/> not <see cref="PackedLength"/>(k, n).</exception>
        public static void PackB(Span<float> packed, ReadOnlySpan<float> b, int k, int n) => PackB(packed, b, k, n, Simd.Best);

        internal static void PackB(Span<float> packed, ReadOnlySpan<float> b, int k, int n, SimdWidth width)
        {
            Check.Positive(k, nameof(k));
            Check.Positive(n, nameof(n));
            Check.Length(packed.Length, PackedLength(k, n), nameof(packed));
            Check.Length(b.Length, (long)k * n, nameof(b));
            fixed (float* pp = packed, pb = b)
            {
                int columns = PackedColumns(width, n);
                var kernel = new PackKernel { Packed = pp, B = pb, K = k, N = n, Columns = columns };
                // The column ranges of ProductKernel.RunColumns with a full tile of rows: with Vector512 the multiple of
                // 16 in strips, then the last 1 to 15 columns padded to one vector; else every column in strips, split
                // between widths.
                if (columns < n)
                {
                    if (columns > 0)
                    {
                        kernel.Run<Ops512, Vector512<float>>(0, columns);
                    }
                    PadColumns(new PackedB(pp, columns, 0).Tail(k), pb + columns, n, 1, k, n - columns);
                }
                else
                {
                    Simd.Chain(ref kernel, width, n);
                }
            }
        }

        /// <summary>
        /// The floats <see cref="PackB(Span{float}, ReadOnlySpan{float}, int, int)"/> needs for a [k x n] B:
        /// k * n rounded up to a multiple of 16 columns (a Vector512 product's last 1 to 15 columns are kept padded).
        /// </summary>
        /// <exception cref="ArgumentOutOfRangeException">A size is not positive.</exception>
        public static long PackedLength(int k, int n)
        {
            Check.Positive(k, nameof(k));
            Check.Positive(n, nameof(n));
            return (long)k * ((n + MaxVector - 1) / MaxVector * MaxVector);
        }

        /// <summary>The columns of an n-column B that go through packed strips at <paramref name="width"/>: with Vector512 the multiple of 16, else all.</summary>
        private static int PackedColumns(SimdWidth width, int n) => width == SimdWidth.V512 ? n & ~(MaxVector - 1) : n;

        /// <summary>
        /// Packs each strip of a column range in the blocks <see cref="TiledCore"/> reads a packed B in
        /// (<see cref="PackedDepth"/>): block p0 (kc deep) of the product at <c>p0 * N</c>, the strip at column j of it
        /// at <c>j * kc</c> (see <see cref="PackedB"/>).
        /// </summary>
        private struct PackKernel : IVectorKernel
        {
            public float* Packed, B;
            public int K, N, Columns;

            public void Run<TOps, TVec>(int start, int count)
                where TOps : struct, IVectorOps<TVec>
                where TVec : unmanaged
            {
                int w = TOps.Count;
                bool wide = Wide(w, count);
                int blockK = PackedDepth(K);
                var target = new PackedB(Packed, Columns, start);
                for (int p0 = 0; p0 < K; p0 += blockK)
                {
                    int kc = Math.Min(blockK, K - p0);
                    for (int j = 0, strip; j < count; j += strip)
                    {
                        strip = StripWidth(wide, w, count - j);
                        Pack<TOps, TVec>(target.Strip(p0, kc, j), B + (long)p0 * N + start + j, N, 1, kc, strip);
                    }
                }
            }
        }

        /// <summary>
        /// A B packed ahead of the call (<see cref="PackB(Span{float}, ReadOnlySpan{float}, int, int)"/>), as seen from a
        /// column range starting at column <c>first</c> of the whole product: block p0 (kc deep) of the N columns that go
        /// through strips (<see cref="PackedColumns"/>) starts at <c>p0 * N</c>, and in it the strip at column J at
        /// <c>J * kc</c>; after them, the padded tail of a Vector512 product, 16 floats per row of B. Every range of a
        /// product (vector widths, thread parts) has the same block depth (<see cref="PackedDepth"/>), so one layout
        /// serves them all. Data null: pack per call.
        /// </summary>
        private readonly struct PackedB(float* data, int columns, int first)
        {
            public readonly float* Data = data;

            /// <summary>The packed strip of the block at <paramref name="p0"/>, <paramref name="kc"/> deep, at column <paramref name="j"/> of this range.</summary>
            public float* Strip(int p0, int kc, int j) => Data + (long)p0 * columns + (long)(first + j) * kc;

            /// <summary>The same B seen from column <paramref name="start"/> of this range.</summary>
            public PackedB From(int start) => new(Data, columns, first + start);

            /// <summary>The last 1 to 15 columns of a Vector512 product, padded to 16, after the k * N floats of the strips; null when B is not packed.</summary>
            public float* Tail(int k) => Data == null ? null : Data + (long)k * columns;
        }

        private static void CheckSizes(int m, int k, int n)
        {
            Check.Positive(m, nameof(m));
            Check.Positive(k, nameof(k));
            Check.Positive(n, nameof(n));
        }

        /// <summary>
        /// <c>C[i, j] = act(init[i, j] + sum_p A(i, p) B[p, j])</c> with A(i, p) at <c>a[i * aRowStride + p * aColStride]</c>,
        /// B row-major with leading dimension <paramref name="ldb"/>, init = C when <paramref name="accumulate"/>, else
        /// <paramref name="bias"/>[j] (or 0 when null). Columns are split between vector widths by
        /// <see cref="Simd.Chain{TKernel}"/>; each split is an independent column range. A non-null
        /// <paramref name="packedB"/> holds B packed by <see cref="PackB(Span{float}, ReadOnlySpan{float}, int, int)"/> at
        /// this <paramref name="width"/> (with ldb = n); the products then read it instead of packing B.
        /// </summary>
        internal static void Product(SimdWidth width, float* c, int ldc, float* a, int aRowStride, int aColStride, float* b, int ldb,
                                     int m, int k, int n, float* bias, bool accumulate, Activation activation, float alpha, float* packedB = null)
        {
            var kernel = new ProductKernel
            {
                C = c, Ldc = ldc, A = a, ARowStride = aRowStride, AColStride = aColStride, B = b, BRowStride = ldb, BColStride = 1,
                M = m, K = k, Bias = bias, Accumulate = accumulate, Activation = activation, Alpha = alpha, Packed = new PackedB(packedB, PackedColumns(width, n), 0),
            };
            RunRows(ref kernel, width, n);
        }

        /// <summary>
        /// <see cref="Product"/> with a gathered A: A(i, p) = <c>a[rowTable[i] + columnTable[p]]</c> for i &lt; m, p &lt; k
        /// (a convolution's receptive fields read in place: rows are output pixels and columns kernel taps, or the
        /// reverse for the kernel gradient).
        /// </summary>
        internal static void ProductGathered(SimdWidth width, float* c, int ldc, float* a, int* rowTable, int* columnTable, float* b, int ldb,
                                             int m, int k, int n, float* bias, bool accumulate, Activation activation, float alpha, float* packedB = null)
        {
            var kernel = new ProductKernel
            {
                C = c, Ldc = ldc, A = a, ARows = rowTable, AColumns = columnTable, B = b, BRowStride = ldb, BColStride = 1,
                M = m, K = k, Bias = bias, Accumulate = accumulate, Activation = activation, Alpha = alpha, Packed = new PackedB(packedB, PackedColumns(width, n), 0),
            };
            RunRows(ref kernel, width, n);
        }

        // Multiply-adds (m * k * n) from which a product is split between threads: 131,072, 1.5 us at the FMA peak and
        // about 5 us for a 10-column product, above the microsecond a hand-off costs while the worker still spins after
        // its last job. The MLP's logits at a training batch (128 x 256 x 10) and its first layer at batch 1 (784 x 256,
        // a kernel that fits L2) split from here; with the first threshold, 1M, its two-thread training step was about 2 %
        // slower and its batch-1 prediction 8 % (docs/performance.md).
        private const long ParallelMultiplyAdds = 1L << 17;

        /// <summary>
        /// Runs <paramref name="kernel"/> over all of its rows, on one thread, or, when the calling thread's count
        /// (<see cref="Parallelism.Current"/>) is above 1 and the product is large, split between threads. A product with
        /// fewer rows than columns (a dense layer at a training batch size: fc1's 50 x 1024 output over a 12.8 MB kernel;
        /// batch 1: a GEMV) splits by columns, in ranges of whole 64-column chunks, so that each thread packs and reads only
        /// its own part of B; a taller one (convolutions, kernel gradients) splits by rows, in fixed contiguous ranges of
        /// whole 6-row tiles (the last range also takes the m % 6 leftover rows). Each element of C is computed by one
        /// thread with the same packing, vector width and summation order as the single-thread call, so the result is
        /// bitwise identical for any thread count.
        /// </summary>
        private static void RunRows(ref ProductKernel kernel, SimdWidth width, int n)
        {
            int parts = ColumnParts(kernel.M, kernel.SplitDepth(), n);
            if (parts > 1)
            {
                var job = new RowJob { Kernel = kernel, Width = width, N = n, Parts = parts };
                Parallelism.Run(&RunColumnPart, &job, parts);
                return;
            }
            parts = RowParts(kernel.M, kernel.K, n);
            if (parts > 1)
            {
                var job = new RowJob { Kernel = kernel, Width = width, N = n, Parts = parts };
                Parallelism.Run(&RunRowPart, &job, parts);
                return;
            }
            kernel.RunColumns(width, n);
        }

        // Columns per chunk of a column split: a multiple of every vector width and of a strip (2 vectors), so that each
        // part but the last is handled by the widest path exactly as in the whole product, and the last has its tail.
        private const int ColumnChunk = 64;

        /// <summary>
        /// Into how many column ranges a product is split: 1 below the size threshold, or when it has at least as many
        /// rows as columns and enough rows for a row split (then <see cref="RowParts"/> decides), else
        /// <see cref="Parallelism.Current"/>, at most one range per whole 64-column chunk (1 when there is one chunk).
        /// </summary>
        internal static int ColumnParts(int m, int k, int n)
        {
            int threads = Parallelism.Current;
            if (threads == 1 || (m >= 2 * TileRows && m >= n) || (long)m * k * n < ParallelMultiplyAdds)
            {
                return 1;
            }
            return Math.Max(1, Math.Min(threads, n / ColumnChunk));
        }

        /// <summary>Part <paramref name="part"/> of a column split: whole chunks [part * chunks / parts, (part + 1) * chunks / parts), the last part to n.</summary>
        private static void RunColumnPart(void* context, int part)
        {
            ref RowJob job = ref *(RowJob*)context;
            int chunks = job.N / ColumnChunk;
            int first = (int)((long)part * chunks / job.Parts) * ColumnChunk;
            int end = part == job.Parts - 1 ? job.N : (int)((long)(part + 1) * chunks / job.Parts) * ColumnChunk;
            ProductKernel columns = job.Kernel;
            columns.C += first;
            columns.B += (long)first * columns.BColStride;
            columns.Packed = columns.Packed.From(first);
            if (columns.Bias != null)
            {
                columns.Bias += first;
            }
            columns.RunColumns(job.Width, end - first);
        }

        /// <summary>
        /// Into how many row ranges an [m x k] by [k x n] product that <see cref="ColumnParts"/> leaves whole is split:
        /// 1 below the size threshold, else <see cref="Parallelism.Current"/>, at most one range per whole 6-row tile.
        /// </summary>
        internal static int RowParts(int m, int k, int n)
        {
            int threads = Parallelism.Current;
            if (threads == 1 || (long)m * k * n < ParallelMultiplyAdds)
            {
                return 1;
            }
            return Math.Max(1, Math.Min(threads, m / TileRows));
        }

        /// <summary>
        /// Rows [<paramref name="first"/>, <paramref name="end"/>) of part <paramref name="part"/> of <paramref name="parts"/>:
        /// whole tiles [part * tiles / parts, (part + 1) * tiles / parts), the last part also taking the m % 6 leftover
        /// rows, so that every part has at least one full tile and goes through the same code path as the whole product.
        /// </summary>
        internal static void PartRows(int m, int parts, int part, out int first, out int end)
        {
            int tiles = m / TileRows;
            first = (int)((long)part * tiles / parts) * TileRows;
            end = part == parts - 1 ? m : (int)((long)(part + 1) * tiles / parts) * TileRows;
        }

        /// <summary>A product split by rows of C: the whole-problem kernel and the partition, on the caller's stack.</summary>
        private struct RowJob
        {
            public ProductKernel Kernel;
            public SimdWidth Width;
            public int N, Parts;
        }

        /// <summary>Part <paramref name="part"/> of a <see cref="RowJob"/>: the rows <see cref="PartRows"/> gives it.</summary>
        private static void RunRowPart(void* context, int part)
        {
            ref RowJob job = ref *(RowJob*)context;
            PartRows(job.Kernel.M, job.Parts, part, out int first, out int end);
            ProductKernel rows = job.Kernel;
            rows.C += (long)first * rows.Ldc;
            if (rows.ARows != null)
            {
                rows.ARows += first;
            }
            else
            {
                rows.A += (long)first * rows.ARowStride;
            }
            rows.M = end - first;
            rows.RunColumns(job.Width, job.N);
        }

        /// <summary>
        /// <c>C[i, j] (+)= sum_p a[i * lda + p] b[j * ldb + p]</c>. A deep product that <see cref="DotsWide"/> accepts
        /// (a dense layer's input gradient) is a dot product per element in 4 x 6 tiles, B read in place; other products
        /// with a full tile of rows pack strips of B^T for the register-tiled core; with fewer rows (batch 1 to 5) each
        /// output is a dot product along the contiguous k axis, which is then what gets split between vector widths.
        /// </summary>
        internal static void ProductTransposedB(SimdWidth width, float* c, int ldc, float* a, int lda, float* b, int ldb,
                                                int m, int k, int n, bool accumulate)
        {
            if (DotsWide(width, m, k, n))
            {
                int parts = DotParts(m, k, n);
                if (parts > 1)
                {
                    var job = new DotJob { C = c, Ldc = ldc, A = a, Lda = lda, B = b, Ldb = ldb, M = m, K = k, N = n, Parts = parts, Accumulate = accumulate };
                    Parallelism.Run(&RunDotPart, &job, parts);
                }
                else
                {
                    DotWide(c, ldc, a, lda, b, ldb, m, k, n, accumulate);
                }
            }
            else if (m >= TileRows)
            {
                var kernel = new ProductKernel
                {
                    C = c, Ldc = ldc, A = a, ARowStride = lda, AColStride = 1, B = b, BRowStride = 1, BColStride = ldb,
                    M = m, K = k, Accumulate = accumulate, Activation = Activation.Linear,
                };
                RunRows(ref kernel, width, n);
            }
            else
            {
                var kernel = new DotKernel { C = c, Ldc = ldc, A = a, Lda = lda, B = b, Ldb = ldb, M = m, N = n, Accumulate = accumulate };
                Simd.Chain(ref kernel, width, k);
            }
        }

        private struct ProductKernel : IVectorKernel
        {
            public float* C, A, B, Bias;
            public int* ARows, AColumns; // both set for a gathered A, else A is strided
            public int Ldc, ARowStride, AColStride, BRowStride, BColStride, M, K;
            public bool Accumulate;
            public Activation Activation;
            public float Alpha;
            public PackedB Packed;

            /// <summary>
            /// The depth the split threshold weighs: K, or, for one contiguous row of A against row-major B (batch 1,
            /// streamed), K less its zeros, since the stream may skip the rows of B facing them: a digit's first layer
            /// (85 % of the pixels zero) is then too little work to hand to another thread. Counted only when the calling
            /// thread may use more than one.
            /// </summary>
            public readonly int SplitDepth()
            {
                if (M != 1 || ARows != null || AColStride != 1 || BColStride != 1 || Parallelism.Current == 1)
                {
                    return K;
                }
                return K - (int)CountZeros(A, K - K % SkipBlock);
            }

            /// <summary>
            /// Columns [0, <paramref name="n"/>): with Vector512, the multiple of 16 on the widest path and the last 1 to
            /// 15 columns in one pass (a 10-class logits layer: not an 8-wide, a 4-wide and a scalar one), as one
            /// zero-padded vector for a full tile of rows, through masked loads for fewer rows (batch 1) with row-major
            /// B; otherwise split between widths by <see cref="Simd.Chain{TKernel}"/>.
            /// </summary>
            public void RunColumns(SimdWidth width, int n)
            {
                int tail = n & (MaxVector - 1);
                if (width < SimdWidth.V512 || tail == 0 || (M < TileRows && (BColStride != 1 || !Fma.IsSupported)))
                {
                    Simd.Chain(ref this, width, n);
                    return;
                }
                if (n > tail)
                {
                    Run<Ops512, Vector512<float>>(0, n - tail);
                }
                int start = n - tail;
                float* c = C + start, b = B + (long)start * BColStride, bias = Bias == null ? null : Bias + start;
                if (M < TileRows)
                {
                    if (ARows == null)
                    {
                        TailRows(new StridedA(ARowStride, AColStride), c, b, bias, tail);
                    }
                    else
                    {
                        TailRows(new GatheredA(ARows, AColumns), c, b, bias, tail);
                    }
                    return;
                }
                float* packedTail = Packed.Tail(K);
                if (ARows == null)
                {
                    ProductTail(c, Ldc, A, new StridedA(ARowStride, AColStride), b, BRowStride, BColStride, M, K, tail, bias, Accumulate, Activation, Alpha, packedTail);
                }
                else
                {
                    ProductTail(c, Ldc, A, new GatheredA(ARows, AColumns), b, BRowStride, BColStride, M, K, tail, bias, Accumulate, Activation, Alpha, packedTail);
                }
            }

            /// <summary>The last <paramref name="tail"/> columns (from <paramref name="c"/>, <paramref name="b"/>) of each of the fewer than 6 rows, one masked row stream each.</summary>
            private readonly void TailRows<TLayout>(TLayout layout, float* c, float* b, float* bias, int tail)
                where TLayout : struct, IOperandA
            {
                for (int i = 0; i < M; i++)
                {
                    RowStreamTail(c + (long)i * Ldc, A + layout.Row(i), layout, b, BRowStride, K, tail, Accumulate, bias, Activation, Alpha);
                }
            }

            public void Run<TOps, TVec>(int start, int count)
                where TOps : struct, IVectorOps<TVec>
                where TVec : unmanaged
            {
                float* c = C + start, b = B + (long)start * BColStride, bias = Bias == null ? null : Bias + start;
                if (ARows == null)
                {
                    ProductCore<TOps, TVec, StridedA>(c, Ldc, A, new StridedA(ARowStride, AColStride), b, BRowStride, BColStride,
                                                      M, K, count, bias, Accumulate, Activation, Alpha, Packed.From(start));
                }
                else
                {
                    ProductCore<TOps, TVec, GatheredA>(c, Ldc, A, new GatheredA(ARows, AColumns), b, BRowStride, BColStride,
                                                       M, K, count, bias, Accumulate, Activation, Alpha, Packed.From(start));
                }
            }
        }

        /// <summary>Where A(i, p) lies relative to A's base pointer: a struct, so each core is specialized per layout.</summary>
        private interface IOperandA
        {
            /// <summary>The offset of A(i, 0).</summary>
            nint Row(int i);

            /// <summary>The offsets of rows i + 1 .. i + 5 from row i, clamped to the <paramref name="rows"/> real rows from i.</summary>
            RowOffsets Offsets(int i, int rows);

            /// <summary>The offsets of rows i + 6 and i + 7 from row i, clamped likewise.</summary>
            RowOffsets67 Offsets67(int i, int rows);

            /// <summary>The offset of A(i, p) from A(i, 0).</summary>
            nint Column(nint p);
        }

        /// <summary>A(i, p) at <c>i * rowStride + p * columnStride</c>: A, or A^T with the strides swapped.</summary>
        private readonly struct StridedA(int rowStride, nint columnStride) : IOperandA
        {
            public nint Row(int i) => (nint)i * rowStride;

            public RowOffsets Offsets(int i, int rows) => new(rowStride, rows);

            public RowOffsets67 Offsets67(int i, int rows) => new(rowStride, rows);

            public nint Column(nint p) => p * columnStride;
        }

        /// <summary>A(i, p) at <c>rows[i] + columns[p]</c>: receptive fields read where they lie.</summary>
        private readonly struct GatheredA(int* rows, int* columns) : IOperandA
        {
            public nint Row(int i) => rows[i];

            public RowOffsets Offsets(int i, int count) => new(rows + i, count);

            public RowOffsets67 Offsets67(int i, int count) => new(rows + i, count);

            public nint Column(nint p) => columns[p];
        }

        // Rows of B per register tile of the wide dot-product form (4 rows of A by 6 of B: 24 accumulators).
        private const int DotRowsB = 6;

        /// <summary>
        /// Whether <see cref="ProductTransposedB"/> computes each element as a dot product along k with 4 x 6 tiles
        /// (<see cref="DotWide"/>) instead of packing B^T for the register-tiled core. It does for a deep product of at
        /// least a tile of rows with AVX-512, k a multiple of 16, six rows of B small enough for L1 and all of A small
        /// enough for L2: a dense layer's input gradient, dy [batch x units] times the kernel [inputs x units], reads the
        /// kernel in place (fc1: 12.8 MB) instead of transposing it into packed strips first.
        /// </summary>
        private static bool DotsWide(SimdWidth width, int m, int k, int n) =>
            width == SimdWidth.V512 && Avx512F.IsSupported && m >= TileRows && n >= DotRowsB && k % MaxVector == 0 && k >= 256 &&
            k <= 1536 && (long)m * k <= 256 * 1024;

        /// <summary>
        /// Into how many ranges of B's rows a wide dot-product form is split: 1 below the size threshold, else
        /// <see cref="Parallelism.Current"/>, at most one range per whole 6-row block (n is at least one block).
        /// </summary>
        private static int DotParts(int m, int k, int n) =>
            Parallelism.Current == 1 || (long)m * k * n < ParallelMultiplyAdds ? 1 : Math.Min(Parallelism.Current, n / DotRowsB);

        /// <summary>A wide dot-product form split by rows of B (columns of C), on the caller's stack.</summary>
        private struct DotJob
        {
            public float* C, A, B;
            public int Ldc, Lda, Ldb, M, K, N, Parts;
            public bool Accumulate;
        }

        /// <summary>
        /// Part <paramref name="part"/> of a <see cref="DotJob"/>: rows of B in whole 6-row tiles
        /// [part * tiles / parts, (part + 1) * tiles / parts), the last part to n. Every element is one dot product
        /// computed by one thread, so the result does not depend on the thread count.
        /// </summary>
        private static void RunDotPart(void* context, int part)
        {
            ref DotJob job = ref *(DotJob*)context;
            int tiles = job.N / DotRowsB;
            int first = (int)((long)part * tiles / job.Parts) * DotRowsB;
            int end = part == job.Parts - 1 ? job.N : (int)((long)(part + 1) * tiles / job.Parts) * DotRowsB;
            DotWide(job.C + first, job.Ldc, job.A, job.Lda, job.B + (long)first * job.Ldb, job.Ldb, job.M, job.K, end - first, job.Accumulate);
        }

        /// <summary>
        /// C[i, j] = (load ? C[i, j] : 0) + dot(A row i, B row j) over k elements, k a multiple of 16, with Vector512.
        /// Six rows of B at a time stay in L1 while every 4-row block of A passes over them from L2; meanwhile the next
        /// six rows are prefetched into L2, a share before each tile, so that B (read once, in place) streams from
        /// memory behind the multiply-adds. The last n % 6 columns are dot products of one row of B at a time.
        /// </summary>
        private static void DotWide(float* c, int ldc, float* a, int lda, float* b, int ldb, int m, int k, int n, bool load)
        {
            int tiles = (m + 3) / 4;
            int j = 0;
            for (; j + DotRowsB <= n; j += DotRowsB)
            {
                float* bj = b + (long)j * ldb;
                // The next six rows' lines, split evenly between this block's tiles.
                float* next = bj + DotRowsB * (long)ldb;
                long lines = j + 2 * DotRowsB <= n && Sse.IsSupported ? ((DotRowsB - 1) * (long)ldb + k) / MaxVector : 0;
                for (int t = 0; t < tiles; t++)
                {
                    for (long line = lines * t / tiles, to = lines * (t + 1) / tiles; line < to; line++)
                    {
                        Sse.Prefetch1(next + line * MaxVector);
                    }
                    Dot4x6(c + (long)t * 4 * ldc + j, ldc, a + (long)t * 4 * lda, lda, Math.Min(4, m - 4 * t), bj, ldb, k, load);
                }
            }
            for (int i = 0; i < m && j < n; i++)
            {
                float* ai = a + (long)i * lda, ci = c + (long)i * ldc;
                int jj = j;
                if (jj + 4 <= n)
                {
                    Dot1x4<Ops512, Vector512<float>>(ci + jj, ai, b + (long)jj * ldb, ldb, k, load);
                    jj += 4;
                }
                for (; jj < n; jj++)
                {
                    ci[jj] = (load ? ci[jj] : 0f) + Dot1x1<Ops512, Vector512<float>>(ai, b + (long)jj * ldb, k);
                }
            }
        }

        /// <summary>
        /// A 4 x 6 tile of <see cref="DotWide"/>: 24 accumulators, 4 vectors of A and one of B in registers (29 of the
        /// 32 zmm), the sums of their lanes taken four at a time at the end. With fewer than 4 <paramref name="rows"/>
        /// (the last rows of A) the missing rows repeat the last one and are not stored. Nothing else runs in the loop:
        /// a prefetch in it made the JIT keep the accumulators on the stack.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void Dot4x6(float* c, int ldc, float* a, int lda, int rows, float* b, int ldb, int k, bool load)
        {
            float* a0 = a, a1 = a0 + (rows > 1 ? lda : 0), a2 = a1 + (rows > 2 ? lda : 0), a3 = a2 + (rows > 3 ? lda : 0);
            Vector512<float> s00 = default, s01 = default, s02 = default, s03 = default, s04 = default, s05 = default;
            Vector512<float> s10 = default, s11 = default, s12 = default, s13 = default, s14 = default, s15 = default;
            Vector512<float> s20 = default, s21 = default, s22 = default, s23 = default, s24 = default, s25 = default;
            Vector512<float> s30 = default, s31 = default, s32 = default, s33 = default, s34 = default, s35 = default;
            float* v = b;
            for (int p = 0; p < k; p += MaxVector, v += MaxVector)
            {
                Vector512<float> u0 = Vector512.Load(a0 + p), u1 = Vector512.Load(a1 + p), u2 = Vector512.Load(a2 + p), u3 = Vector512.Load(a3 + p);
                Vector512<float> w = Vector512.Load(v);
                s00 = Ops512.MultiplyAdd(u0, w, s00); s10 = Ops512.MultiplyAdd(u1, w, s10);
                s20 = Ops512.MultiplyAdd(u2, w, s20); s30 = Ops512.MultiplyAdd(u3, w, s30);
                w = Vector512.Load(v + ldb);
                s01 = Ops512.MultiplyAdd(u0, w, s01); s11 = Ops512.MultiplyAdd(u1, w, s11);
                s21 = Ops512.MultiplyAdd(u2, w, s21); s31 = Ops512.MultiplyAdd(u3, w, s31);
                w = Vector512.Load(v + 2L * ldb);
                s02 = Ops512.MultiplyAdd(u0, w, s02); s12 = Ops512.MultiplyAdd(u1, w, s12);
                s22 = Ops512.MultiplyAdd(u2, w, s22); s32 = Ops512.MultiplyAdd(u3, w, s32);
                w = Vector512.Load(v + 3L * ldb);
                s03 = Ops512.MultiplyAdd(u0, w, s03); s13 = Ops512.MultiplyAdd(u1, w, s13);
                s23 = Ops512.MultiplyAdd(u2, w, s23); s33 = Ops512.MultiplyAdd(u3, w, s33);
                w = Vector512.Load(v + 4L * ldb);
                s04 = Ops512.MultiplyAdd(u0, w, s04); s14 = Ops512.MultiplyAdd(u1, w, s14);
                s24 = Ops512.MultiplyAdd(u2, w, s24); s34 = Ops512.MultiplyAdd(u3, w, s34);
                w = Vector512.Load(v + 5L * ldb);
                s05 = Ops512.MultiplyAdd(u0, w, s05); s15 = Ops512.MultiplyAdd(u1, w, s15);
                s25 = Ops512.MultiplyAdd(u2, w, s25); s35 = Ops512.MultiplyAdd(u3, w, s35);
            }
            // Columns 0-3 of each row, then columns 4 and 5 of two rows at a time.
            Vector128<float> t0 = Sum4(s00, s01, s02, s03), t1 = Sum4(s10, s11, s12, s13), t2 = Sum4(s20, s21, s22, s23), t3 = Sum4(s30, s31, s32, s33);
            Vector128<float> e01 = Sum4(s04, s05, s14, s15), e23 = Sum4(s24, s25, s34, s35);
            StoreDots(c, load, t0, e01.GetElement(0), e01.GetElement(1));
            if (rows > 1) StoreDots(c + ldc, load, t1, e01.GetElement(2), e01.GetElement(3));
            if (rows > 2) StoreDots(c + 2L * ldc, load, t2, e23.GetElement(0), e23.GetElement(1));
            if (rows > 3) StoreDots(c + 3L * ldc, load, t3, e23.GetElement(2), e23.GetElement(3));
        }

        /// <summary>The sums of the lanes of four vectors, [sum a, sum b, sum c, sum d], by a fixed tree of shuffles and adds.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static Vector128<float> Sum4(Vector512<float> a, Vector512<float> b, Vector512<float> c, Vector512<float> d)
        {
            // Halves added: [a0+a2, a1+a3, b0+b2, b1+b3] in 128-bit blocks, the same for c and d.
            Vector512<float> ab = Avx512F.Shuffle4x128(a, b, 0b01_00_01_00) + Avx512F.Shuffle4x128(a, b, 0b11_10_11_10);
            Vector512<float> cd = Avx512F.Shuffle4x128(c, d, 0b01_00_01_00) + Avx512F.Shuffle4x128(c, d, 0b11_10_11_10);
            // Block q now holds four partial sums of the q-th vector.
            Vector512<float> u = Avx512F.Shuffle4x128(ab, cd, 0b10_00_10_00) + Avx512F.Shuffle4x128(ab, cd, 0b11_01_11_01);
            u += Avx512F.Permute4x32(u, 0b10_11_00_01);
            u += Avx512F.Permute4x32(u, 0b01_00_11_10);
            return Avx512F.PermuteVar16x32(u, Vector512.Create(0, 4, 8, 12, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)).GetLower().GetLower();
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void StoreDots(float* c, bool load, Vector128<float> first4, float fifth, float sixth)
        {
            if (load)
            {
                first4 += Vector128.Load(c);
                fifth += c[4];
                sixth += c[5];
            }
            Vector128.Store(first4, c);
            c[4] = fifth;
            c[5] = sixth;
        }

        private struct DotKernel : IVectorKernel
        {
            public float* C, A, B;
            public int Ldc, Lda, Ldb, M, N;
            public bool Accumulate;

            // Later (narrower) parts of the k axis always add to what the earlier parts stored.
            public void Run<TOps, TVec>(int start, int count)
                where TOps : struct, IVectorOps<TVec>
                where TVec : unmanaged =>
                DotCore<TOps, TVec>(C, Ldc, A + start, Lda, B + start, Ldb, M, count, N, Accumulate || start > 0);
        }

        /// <summary>
        /// The offsets (in floats) of rows 1..5 of a tile of A, or of C, from its row 0. The tiles take it (and
        /// <see cref="RowOffsets67"/>) by reference: passed by value, the JIT wrote its fields to the stack 8 bytes at a
        /// time and copied them into the outgoing arguments 16 bytes at a time, a failed store-to-load forwarding per
        /// field pair on every tile call (30 % of conv1's time, whose tiles are 25 deep, went to the calling loop).
        /// </summary>
        private readonly struct RowOffsets
        {
            // Native-sized, so that the tiles' inner loops index A with them without a sign extension per use.
            public readonly nint R1, R2, R3, R4, R5;

            /// <summary>Rows <paramref name="rowStride"/> apart, clamped to the last of <paramref name="rows"/> real rows
            /// (a partial tile recomputes its last row in the unused rows instead of reading past A or writing past C).</summary>
            public RowOffsets(int rowStride, int rows)
            {
                int last = rows - 1;
                R1 = Math.Min(1, last) * rowStride;
                R2 = Math.Min(2, last) * rowStride;
                R3 = Math.Min(3, last) * rowStride;
                R4 = Math.Min(4, last) * rowStride;
                R5 = Math.Min(5, last) * rowStride;
            }

            /// <summary>Rows at <c>table[r]</c>, clamped as above.</summary>
            public RowOffsets(int* table, int rows)
            {
                int last = rows - 1, first = table[0];
                R1 = table[Math.Min(1, last)] - first;
                R2 = table[Math.Min(2, last)] - first;
                R3 = table[Math.Min(3, last)] - first;
                R4 = table[Math.Min(4, last)] - first;
                R5 = table[Math.Min(5, last)] - first;
            }
        }

        /// <summary>
        /// Rows 6 and 7 of an 8-row panel, beside a <see cref="RowOffsets"/> for rows 1 to 5: kept apart so that the
        /// 6-row paths, which every first prediction compiles, stay as small as they were.
        /// </summary>
        private readonly struct RowOffsets67
        {
            public readonly nint R6, R7;

            /// <summary>Rows 6 and 7 of rows <paramref name="rowStride"/> apart, clamped to the last of <paramref name="rows"/>.</summary>
            public RowOffsets67(int rowStride, int rows)
            {
                R6 = Math.Min(6, rows - 1) * (nint)rowStride;
                R7 = Math.Min(7, rows - 1) * (nint)rowStride;
            }

            /// <summary>Rows 6 and 7 at <c>table[r]</c> relative to <c>table[0]</c>, clamped as above.</summary>
            public RowOffsets67(int* table, int rows)
            {
                R6 = table[Math.Min(6, rows - 1)] - table[0];
                R7 = table[Math.Min(7, rows - 1)] - table[0];
            }
        }

        /// <summary>
        /// The A B core over n columns, n a multiple of <c>TOps.Count</c>, A(i, p) where <paramref name="layout"/> says,
        /// B(p, j) at <c>b[p * brs + j * bcs]</c>.
        /// Fewer rows than a tile with row-major B (batch 1: a GEMV) are streamed, B read once per row, where
        /// <see cref="StreamRows{TOps, TVec, TLayout}"/> finds that cheaper than tiling them; a shallow product with many
        /// rows goes to <see cref="ShallowCore"/>; any other to <see cref="TiledCore"/>.
        /// </summary>
        private static void ProductCore<TOps, TVec, TLayout>(float* c, int ldc, float* a, TLayout layout, float* b, int brs, int bcs,
                                                             int m, int k, int n, float* bias, bool accumulate, Activation activation, float alpha,
                                                             PackedB prepacked)
            where TOps : struct, IVectorOps<TVec>
            where TVec : unmanaged
            where TLayout : struct, IOperandA
        {
            int fullRows = m - m % TileRows;
            if (fullRows == 0 && bcs == 1 && StreamRows<TOps, TVec, TLayout>(c, ldc, a, layout, b, brs, m, k, n, bias, accumulate, activation, alpha))
            {
                return;
            }

            int w = TOps.Count;
            bool wide = Wide(w, n);
            int blockK = wide ? BlockK / 2 : BlockK;
            if (k <= blockK && m >= 8 * TileRows && n > 4 * w)
            {
                ShallowCore<TOps, TVec, TLayout>(c, ldc, a, layout, b, brs, bcs, m, k, n, bias, accumulate, activation, alpha, wide, prepacked);
                return;
            }
            TiledCore<TOps, TVec, TLayout>(c, ldc, a, layout, b, brs, bcs, m, k, n, bias, accumulate, activation, alpha, prepacked, wide, blockK);
        }

        /// <summary>
        /// <see cref="ProductCore"/>'s register-tiled path: per block of k (256 deep, 128 for 4-vector strips) and per
        /// strip of columns, the strip of B is packed contiguously into a 32 KiB buffer on the stack (no L1 set conflicts
        /// when ldb is a multiple of 4 KiB, and B^T becomes row-major), then every 6-row panel of A (8-row for a deep
        /// 32-column strip of Vector512) runs over it; the last rows go through a tile that repeats its last row. A B
        /// packed ahead of the call is read where it lies, in its own, deeper blocks (<see cref="PackedDepth"/>). A
        /// method of its own, so that the batch-1 and shallow paths never reserve the buffer; <paramref name="wide"/> and
        /// <paramref name="blockK"/> are as ProductCore chose them.
        /// </summary>
        [MethodImpl(MethodImplOptions.NoInlining)]
        [SkipLocalsInit]
        private static void TiledCore<TOps, TVec, TLayout>(float* c, int ldc, float* a, TLayout layout, float* b, int brs, int bcs,
                                                           int m, int k, int n, float* bias, bool accumulate, Activation activation, float alpha,
                                                           PackedB prepacked, bool wide, int blockK)
            where TOps : struct, IVectorOps<TVec>
            where TVec : unmanaged
            where TLayout : struct, IOperandA
        {
            int fullRows = m - m % TileRows;
            int w = TOps.Count;
            Unsafe.SkipInit(out PackBuffer storage);
            float* buffer = (float*)Unsafe.AsPointer(ref storage);
            if (prepacked.Data != null)
            {
                blockK = PackedDepth(k);
            }
            // C's rows in a tile; the last m % 6 rows go through a tile whose missing rows repeat the last real one
            // (same A row, same C row: the repeats store the same values to the same place, nothing past C).
            var cRows = new RowOffsets(ldc, TileRows);
            var cLastRows = fullRows < m ? new RowOffsets(ldc, m - fullRows) : default;
            for (int p0 = 0; p0 < k; p0 += blockK)
            {
                int kc = Math.Min(blockK, k - p0);
                bool load = accumulate || p0 > 0;
                float* blockBias = load ? null : bias;
                SplitActivation(p0 + kc == k ? activation : Activation.Linear, out Activation fused, out Activation afterwards);
                for (int j = 0, strip; j < n; j += strip)
                {
                    strip = StripWidth(wide, w, n - j);
                    float* packed = buffer;
                    if (prepacked.Data == null && InPlace(brs, bcs, strip))
                    {
                        packed = b + (long)p0 * brs + j;
                    }
                    else if (prepacked.Data == null)
                    {
                        Pack<TOps, TVec>(packed, b + (long)p0 * brs + (long)j * bcs, brs, bcs, kc, strip);
                    }
                    else
                    {
                        packed = prepacked.Strip(p0, kc, j);
                    }
                    float* stripBias = blockBias == null ? null : blockBias + j;
                    // A 2-vector strip of Vector512 (32 columns: a 32-channel convolution) in a deep product takes
                    // 8-row panels (conv2's input gradient, 1600 deep: 12 % faster); see Panels8x2.
                    if (w == MaxVector && strip == 2 * w && k >= BlockK)
                    {
                        Panels8x2<TOps, TVec, TLayout>(c + j, ldc, a, layout, m, p0, packed, strip, kc, load, stripBias, fused, afterwards, alpha);
                        continue;
                    }
                    for (int i = 0; i < m; i += TileRows)
                    {
                        int rows = Math.Min(TileRows, m - i);
                        float* tile = c + (long)i * ldc + j;
                        if (rows <= 4 && m < ShortProduct && strip == 4 * w)
                        {
                            Tile6x4<TOps, TVec, TLayout, FourRows>(tile, cLastRows, a + layout.Row(i), layout.Offsets(i, rows), layout, p0, packed, strip, kc,
                                                               load, stripBias, fused, alpha);
                        }
                        else
                        {
                            Tile<TOps, TVec, TLayout>(strip, tile, rows == TileRows ? cRows : cLastRows, a + layout.Row(i), layout.Offsets(i, rows), layout,
                                                      p0, packed, kc, load, stripBias, fused, alpha);
                        }
                        ActivateRows<TOps, TVec>(tile, ldc, rows, strip, afterwards, alpha);
                    }
                }
            }
        }

        /// <summary>
        /// Every 8-row panel of A over one packed 2-vector strip: 16 accumulators spend fewer loads and less loop per
        /// multiply-add than 6 rows. Only deep products come here: a first prediction's shallow convolution (conv1, 25
        /// deep) keeps the 6-row tile, so that it does not wait for this larger method's compilation; and the code is
        /// apart from TiledCore, which every first prediction compiles for each width it meets.
        /// </summary>
        [MethodImpl(MethodImplOptions.NoInlining)]
        private static void Panels8x2<TOps, TVec, TLayout>(float* c, int ldc, float* a, TLayout layout, int m, int p0, float* packed, int strip, int kc,
                                                           bool load, float* bias, Activation fused, Activation afterwards, float alpha)
            where TOps : struct, IVectorOps<TVec>
            where TVec : unmanaged
            where TLayout : struct, IOperandA
        {
            for (int i = 0; i < m; i += 8)
            {
                int rows = Math.Min(8, m - i);
                float* tile = c + (long)i * ldc;
                Tile8x2<TOps, TVec, TLayout>(tile, new RowOffsets(ldc, rows), new RowOffsets67(ldc, rows), a + layout.Row(i), layout.Offsets(i, rows),
                                             layout.Offsets67(i, rows), layout, p0, packed, strip, kc, load, bias, fused, alpha);
                ActivateRows<TOps, TVec>(tile, ldc, rows, strip, afterwards, alpha);
            }
        }

        // Rows below which a product's last 1 to 4 rows take a 4-row tile on 4-vector strips instead of a 6-row tile
        // repeating a row: a dense layer at a batch size (64: 3 % of the work repeated; 50: 7 %). Convolutions (hundreds
        // of pixel rows, under 2 % repeated) keep the 6-row tile, so that a first prediction compiles no extra tile.
        private const int ShortProduct = 16 * TileRows;

        // The widest vector, in floats: sizes the packing buffers.
        private const int MaxVector = 16;

        /// <summary>
        /// <see cref="TiledCore"/>'s packing buffer, 32 KiB, as a struct local rather than a stackalloc: the JIT compiles
        /// a method with both a stackalloc and loops fully optimized on its first call (it cannot move such a frame to
        /// optimized code in the middle of a loop), and a first prediction waited for that compilation of each layout's
        /// core. With a local it starts at tier 0 like the rest (a cold start about 2.4 ms sooner; docs/performance.md).
        /// </summary>
        [InlineArray(BlockK * 2 * MaxVector)]
        private struct PackBuffer
        {
            private float element;
        }

        /// <summary>
        /// The last <paramref name="count"/> (1 to 15) columns of a product with at least a tile of rows, as one Vector512
        /// column: per 256-deep block, B's columns are packed with zeros up to 16, each 12-row panel (two 6-row tiles
        /// for the last rows, and for gathered A, whose two halves have different offsets) accumulates into a 12 x 16
        /// buffer (C's rows copied in when accumulating), and the real columns are copied out. Each element gets the
        /// same fused multiply-adds in the same order as on the narrower paths. A 10-class logits layer at batch 64
        /// (64 x 256 x 10) took 7.5 us with 6-row tiles and an element-by-element padding and copying, 4.4 us now.
        /// </summary>
        [SkipLocalsInit]
        private static void ProductTail<TLayout>(float* c, int ldc, float* a, TLayout layout, float* b, int brs, int bcs, int m, int k, int count,
                                                 float* bias, bool accumulate, Activation activation, float alpha, float* prepacked)
            where TLayout : struct, IOperandA
        {
            const int w = MaxVector, panel = 2 * TileRows;
            float* buffer = stackalloc float[BlockK * w];
            float* tile = stackalloc float[panel * w];
            float* paddedBias = stackalloc float[w];
            new Span<float>(tile, panel * w).Clear();
            for (int jj = 0; jj < w; jj++) paddedBias[jj] = bias != null && jj < count ? bias[jj] : 0f;
            var tileRows = new RowOffsets(w, TileRows);
            // C's count columns move between its rows and the padded scratch rows as two masked 8-wide halves.
            TailMasks(count, out Vector256<float> maskLow, out Vector256<float> maskHigh);
            for (int p0 = 0; p0 < k; p0 += BlockK)
            {
                int kc = Math.Min(BlockK, k - p0);
                bool load = accumulate || p0 > 0;
                SplitActivation(p0 + kc == k ? activation : Activation.Linear, out Activation fused, out Activation afterwards);
                float* packed = prepacked == null ? buffer : prepacked + (long)p0 * w;
                if (prepacked == null)
                {
                    PadColumns(packed, b + (long)p0 * brs, brs, bcs, kc, count);
                }
                for (int i = 0; i < m; i += panel)
                {
                    int rows = Math.Min(panel, m - i);
                    float* cTile = c + (long)i * ldc;
                    if (load)
                    {
                        // Missing rows repeat the last real one, as in the main tiles.
                        for (int r = 0; r < panel; r++)
                        {
                            float* row = cTile + (long)Math.Min(r, rows - 1) * ldc;
                            Avx.Store(tile + r * w, Avx.MaskLoad(row, maskLow));
                            Avx.Store(tile + r * w + 8, count > 8 ? Avx.MaskLoad(row + 8, maskHigh) : Vector256<float>.Zero);
                        }
                    }
                    if (rows == panel && typeof(TLayout) == typeof(StridedA))
                    {
                        // Rows 6 to 11 lie as far from one another as rows 0 to 5: one set of offsets serves both halves.
                        Tile12x1<Ops512, Vector512<float>, TLayout>(tile, tile + TileRows * w, tileRows, a + layout.Row(i), layout.Offsets(i, TileRows),
                                                                    layout.Row(i + TileRows) - layout.Row(i), layout, p0, packed, w, kc,
                                                                    load, paddedBias, fused, alpha);
                    }
                    else
                    {
                        for (int half = 0; half < rows; half += TileRows)
                        {
                            Tile6x1<Ops512, Vector512<float>, TLayout>(tile + half * w, tileRows, a + layout.Row(i + half), layout.Offsets(i + half, Math.Min(TileRows, rows - half)),
                                                                       layout, p0, packed, w, kc, load, paddedBias, fused, alpha);
                        }
                    }
                    for (int r = 0; r < rows; r++)
                    {
                        float* source = tile + r * w, row = cTile + (long)r * ldc;
                        if (afterwards != Activation.Linear)
                        {
                            VectorMath.ActivateRange<Ops512, Vector512<float>>(source, source, w, afterwards, alpha);
                        }
                        Avx.MaskStore(row, maskLow, Avx.LoadVector256(source));
                        if (count > 8)
                        {
                            Avx.MaskStore(row + 8, maskHigh, Avx.LoadVector256(source + 8));
                        }
                    }
                }
            }
        }

        /// <summary>The lanes of the first and of the second 8-float half of a vector that hold the first <paramref name="count"/> (1 to 15) columns.</summary>
        private static void TailMasks(int count, out Vector256<float> low, out Vector256<float> high)
        {
            var lanes = Vector256.Create(0, 1, 2, 3, 4, 5, 6, 7);
            low = Vector256.LessThan(lanes, Vector256.Create(count)).AsSingle();
            high = Vector256.LessThan(lanes, Vector256.Create(count - 8)).AsSingle();
        }

        /// <summary>
        /// packed[p * 16 + jj] = B(p, jj) for p &lt; kc and jj &lt; count, 0 for count &lt;= jj &lt; 16: a product's last
        /// columns as one padded vector. Row-major B takes two masked 8-wide loads per row (the lanes past count read as
        /// zero, and nothing past B is touched): in training the logits layer's kernel is padded on every call, and the
        /// element-by-element copy took 29 % of its forward product at batch 64.
        /// </summary>
        private static void PadColumns(float* packed, float* b, int brs, int bcs, int kc, int count)
        {
            if (bcs == 1 && Avx.IsSupported)
            {
                TailMasks(count, out Vector256<float> maskLow, out Vector256<float> maskHigh);
                for (int p = 0; p < kc; p++, b += brs, packed += MaxVector)
                {
                    Avx.Store(packed, Avx.MaskLoad(b, maskLow));
                    Avx.Store(packed + 8, count > 8 ? Avx.MaskLoad(b + 8, maskHigh) : Vector256<float>.Zero);
                }
                return;
            }
            for (int p = 0; p < kc; p++)
            {
                float* source = b + (long)p * brs, target = packed + p * MaxVector;
                for (int jj = 0; jj < count; jj++) target[jj] = source[(long)jj * bcs];
                for (int jj = count; jj < MaxVector; jj++) target[jj] = 0f;
            }
        }

        // Floats of packed B that ShallowCore keeps on the stack: 128 KiB, within L2 beside C's rows.
        private const int ShallowPanel = 32768;

        /// <summary>
        /// <see cref="ProductCore{TOps, TVec, TLayout}"/> for a shallow product (k within one block) with many rows: a
        /// kernel gradient such as fc1's, 3136 x 50 x 1024, whose C (12.8 MB) is read and written once per call. Strip
        /// by strip, C would be walked in 256-byte pieces of rows 4 KiB apart, one page per row; here the strips of a
        /// range of columns are packed once (up to 128 KiB), and each 6-row panel runs over all of them, so C is read
        /// and written row after row. Each element gets the same multiply-adds in the same order as in the strip order.
        /// </summary>
        [SkipLocalsInit]
        private static void ShallowCore<TOps, TVec, TLayout>(float* c, int ldc, float* a, TLayout layout, float* b, int brs, int bcs,
                                                             int m, int k, int n, float* bias, bool accumulate, Activation activation, float alpha, bool wide,
                                                             PackedB prepacked)
            where TOps : struct, IVectorOps<TVec>
            where TVec : unmanaged
            where TLayout : struct, IOperandA
        {
            int w = TOps.Count;
            float* buffer = stackalloc float[ShallowPanel];
            float* unaligned = stackalloc float[TileRows * StreamedColumns + MaxVector];
            float* panel = (float*)(((nint)unaligned + 63) & ~(nint)63);
            SplitActivation(activation, out Activation fused, out Activation afterwards);
            var cRows = new RowOffsets(ldc, TileRows);
            var cLastRows = m % TileRows != 0 ? new RowOffsets(ldc, m % TileRows) : default;
            // Columns per range: whole 64-column chunks whose packed strips fit the buffer (k <= 256: at least 128).
            int range = Math.Max(ColumnChunk, ShallowPanel / k / ColumnChunk * ColumnChunk);
            bool stream = Streams(c, ldc, m, n, accumulate, activation, w) && range <= StreamedColumns;
            for (int j0 = 0; j0 < n; j0 += range)
            {
                int end = Math.Min(n, j0 + range);
                // Strip j (from j0) starts at packed + (j - j0) * k: each holds k rows of its width (as a B packed
                // ahead of the call, whose only block holds the strip at column j at j * k).
                float* packed = prepacked.Data == null ? buffer : prepacked.Strip(0, k, j0);
                for (int j = j0, strip; j < end && prepacked.Data == null; j += strip)
                {
                    strip = StripWidth(wide, w, end - j);
                    Pack<TOps, TVec>(packed + (long)(j - j0) * k, b + (long)j * bcs, brs, bcs, k, strip);
                }
                // A streamed range: each full panel's tiles store into the L1 buffer instead of C, which then goes to C whole.
                int panelColumns = end - j0;
                var panelRows = new RowOffsets(panelColumns, TileRows);
                for (int i = 0; i < m; i += TileRows)
                {
                    int rows = Math.Min(TileRows, m - i);
                    RowOffsets aRows = layout.Offsets(i, rows);
                    float* ai = a + layout.Row(i);
                    bool toPanel = stream && rows == TileRows;
                    for (int j = j0, strip; j < end; j += strip)
                    {
                        strip = StripWidth(wide, w, end - j);
                        float* tile = toPanel ? panel + (j - j0) : c + (long)i * ldc + j;
                        Tile<TOps, TVec, TLayout>(strip, tile, toPanel ? panelRows : rows == TileRows ? cRows : cLastRows, ai, aRows, layout, 0,
                                                  packed + (long)(j - j0) * k, k, accumulate, accumulate || bias == null ? null : bias + j, fused, alpha);
                        ActivateRows<TOps, TVec>(tile, toPanel ? panelColumns : ldc, rows, strip, afterwards, alpha);
                    }
                    if (toPanel)
                    {
                        StreamRows(c + (long)i * ldc + j0, ldc, panel, panelColumns);
                    }
                }
            }
        }

        // Bytes of C from which a shallow product that replaces C, with no activation, streams it out with non-temporal
        // stores (Vector512 only): twice the L2. fc1's kernel gradient (12.8 MB) is written once per training step and
        // read once, by the optimizer, after the rest of backward: as ordinary stores, every line it misses is read
        // before it is written, and the 12.8 MB evict what the next layers need. The CNN step on one thread: 0.6 to
        // 1.1 ms faster in 4 of 4 alternating pairs (no change on two threads).
        private const long StreamedBytes = 4L << 20;

        // Columns of the L1 panel (6 rows) a streamed range is computed into before it goes to C.
        private const int StreamedColumns = 1024;

        /// <summary>Whether a shallow product streams C out (see <see cref="StreamedBytes"/>): C replaced, no activation, Vector512, rows aligned to 64 bytes, and large.</summary>
        private static bool Streams(float* c, int ldc, int m, int n, bool accumulate, Activation activation, int w) =>
            !accumulate && activation == Activation.Linear && w == MaxVector && Avx512F.IsSupported
            && ((nint)c & 63) == 0 && (ldc & (MaxVector - 1)) == 0 && (n & (MaxVector - 1)) == 0 && (long)m * n * sizeof(float) >= StreamedBytes;

        /// <summary>Copies a 6-row panel of <paramref name="columns"/> (a multiple of 16) to C with non-temporal stores.</summary>
        private static void StreamRows(float* c, int ldc, float* panel, int columns)
        {
            for (int r = 0; r < TileRows; r++)
            {
                float* source = panel + r * columns, target = c + (long)r * ldc;
                for (int q = 0; q < columns; q += MaxVector)
                {
                    Avx512F.StoreAlignedNonTemporal(target + q, Avx512F.LoadAlignedVector512(source + q));
                }
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void Tile<TOps, TVec, TLayout>(int strip, float* c, in RowOffsets cRows, float* a, in RowOffsets rows, TLayout layout, int p0, float* packed, int kc,
                                                      bool load, float* bias, Activation fused, float alpha)
            where TOps : struct, IVectorOps<TVec>
            where TVec : unmanaged
            where TLayout : struct, IOperandA
        {
            if (strip == 4 * TOps.Count)
            {
                Tile6x4<TOps, TVec, TLayout, SixRows>(c, cRows, a, rows, layout, p0, packed, strip, kc, load, bias, fused, alpha);
            }
            else if (strip == 2 * TOps.Count)
            {
                Tile6x2<TOps, TVec, TLayout>(c, cRows, a, rows, layout, p0, packed, strip, kc, load, bias, fused, alpha);
            }
            else
            {
                Tile6x1<TOps, TVec, TLayout>(c, cRows, a, rows, layout, p0, packed, strip, kc, load, bias, fused, alpha);
            }
        }

        /// <summary>
        /// Relu (as <c>max(v, 0)</c>, so that <c>-inf</c> gives 0 rather than <c>0 * -inf</c> = NaN) or LeakyRelu
        /// (<c>v &gt; 0 ? v : slope * v</c>) in registers.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static TVec Rectify<TOps, TVec>(TVec v, TVec slope, bool relu)
            where TOps : struct, IVectorOps<TVec>
            where TVec : unmanaged =>
            relu ? TOps.Max(v, TOps.Zero) : TOps.Select(TOps.GreaterThan(v, TOps.Zero), v, TOps.Multiply(v, slope));

        /// <summary>
        /// Where a block's activation is applied: Relu and LeakyRelu in the tile's registers (<paramref name="fused"/>),
        /// the others by a pass over the stored rows (<paramref name="afterwards"/>); the other one is Linear.
        /// </summary>
        private static void SplitActivation(Activation activation, out Activation fused, out Activation afterwards)
        {
            bool rectifier = activation is Activation.Relu or Activation.LeakyRelu;
            fused = rectifier ? activation : Activation.Linear;
            afterwards = rectifier ? Activation.Linear : activation;
        }

        /// <summary>Applies <paramref name="afterwards"/> (nothing when Linear) to a tile's <paramref name="rows"/> stored rows.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void ActivateRows<TOps, TVec>(float* tile, int ldc, int rows, int strip, Activation afterwards, float alpha)
            where TOps : struct, IVectorOps<TVec>
            where TVec : unmanaged
        {
            if (afterwards == Activation.Linear)
            {
                return;
            }
            for (int r = 0; r < rows; r++)
            {
                float* row = tile + (long)r * ldc;
                VectorMath.ActivateRange<TOps, TVec>(row, row, strip, afterwards, alpha);
            }
        }

        /// <summary>
        /// Whether a range of <paramref name="n"/> columns takes 4-vector strips: with Vector512 and at least 64 columns
        /// (24 accumulators of the 32 registers), packed half as deep, so that a strip still fills the same 32 KiB.
        /// </summary>
        private static bool Wide(int w, int n) => w == MaxVector && n >= 4 * w;

        /// <summary>
        /// The block depth of a B packed ahead of the call: all of k up to <see cref="PackedBlockK"/>, else k split into
        /// equal blocks no deeper than that (fc1's 3136: four of 784). The same for every column range and vector width.
        /// </summary>
        private static int PackedDepth(int k)
        {
            int blocks = (k + PackedBlockK - 1) / PackedBlockK;
            return (k + blocks - 1) / blocks;
        }

        /// <summary>The width of the strip at a column with <paramref name="remaining"/> columns left: 4 vectors when wide, else 2 or what is left.</summary>
        private static int StripWidth(bool wide, int w, int remaining) => wide && remaining >= 4 * w ? 4 * w : Math.Min(2 * w, remaining);

        /// <summary>
        /// Whether a strip of <paramref name="strip"/> columns is already packed where B lies: B's rows contiguous and
        /// <paramref name="strip"/> apart, so that element (p, jj) of the strip is at p * strip + jj from its first (a
        /// convolution's dy or kernel with 32 or 64 channels, as the B of its kernel gradient or input gradient); the
        /// tiles then read B in place instead of a copy.
        /// </summary>
        private static bool InPlace(int brs, int bcs, int strip) => bcs == 1 && brs == strip;

        /// <summary>packed[p * strip + jj] = B(p, jj) for p &lt; kc, jj &lt; strip.</summary>
        private static void Pack<TOps, TVec>(float* packed, float* b, int brs, int bcs, int kc, int strip)
            where TOps : struct, IVectorOps<TVec>
            where TVec : unmanaged
        {
            if (bcs == 1)
            {
                for (int p = 0; p < kc; p++) Copy<TOps, TVec>(packed + p * strip, b + (long)p * brs, strip);
            }
            else
            {
                // B^T: each column of the strip is a contiguous row of the stored matrix. 8 x 8 blocks go through
                // registers (8 row loads, 8 column stores instead of 64 scalar moves); the rest one float at a time.
                int jjVector = Avx.IsSupported && brs == 1 ? strip & ~7 : 0;
                int pVector = jjVector == 0 ? 0 : kc & ~7;
                for (int jj = 0; jj < jjVector; jj += 8)
                {
                    for (int p = 0; p < pVector; p += 8) Transpose8x8(packed + p * strip + jj, strip, b + (long)jj * bcs + p, bcs);
                }
                for (int jj = 0; jj < strip; jj++)
                {
                    float* source = b + (long)jj * bcs;
                    float* target = packed + jj;
                    for (int p = jj < jjVector ? pVector : 0; p < kc; p++) target[p * strip] = source[(long)p * brs];
                }
            }
        }

        /// <summary>
        /// target[q * ldt + i] = source[i * lds + q] for i, q &lt; 8: rows interleave in pairs (unpack), pairs of pairs
        /// (shuffle), then 128-bit halves swap between the two 4-row groups.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void Transpose8x8(float* target, int ldt, float* source, int lds)
        {
            Vector256<float> r0 = Avx.LoadVector256(source), r1 = Avx.LoadVector256(source + lds);
            Vector256<float> r2 = Avx.LoadVector256(source + 2 * lds), r3 = Avx.LoadVector256(source + 3 * lds);
            Vector256<float> r4 = Avx.LoadVector256(source + 4 * lds), r5 = Avx.LoadVector256(source + 5 * lds);
            Vector256<float> r6 = Avx.LoadVector256(source + 6 * lds), r7 = Avx.LoadVector256(source + 7 * lds);

            // t0 = r0[0] r1[0] r0[1] r1[1] | r0[4] r1[4] r0[5] r1[5], t1 the same with elements 2, 3 | 6, 7.
            Vector256<float> t0 = Avx.UnpackLow(r0, r1), t1 = Avx.UnpackHigh(r0, r1);
            Vector256<float> t2 = Avx.UnpackLow(r2, r3), t3 = Avx.UnpackHigh(r2, r3);
            Vector256<float> t4 = Avx.UnpackLow(r4, r5), t5 = Avx.UnpackHigh(r4, r5);
            Vector256<float> t6 = Avx.UnpackLow(r6, r7), t7 = Avx.UnpackHigh(r6, r7);

            // u0 = element 0 of rows 0..3 | element 4 of rows 0..3; u1 elements 1 | 5, u2 elements 2 | 6, u3 3 | 7.
            Vector256<float> u0 = Avx.Shuffle(t0, t2, 0x44), u1 = Avx.Shuffle(t0, t2, 0xEE);
            Vector256<float> u2 = Avx.Shuffle(t1, t3, 0x44), u3 = Avx.Shuffle(t1, t3, 0xEE);
            Vector256<float> u4 = Avx.Shuffle(t4, t6, 0x44), u5 = Avx.Shuffle(t4, t6, 0xEE);
            Vector256<float> u6 = Avx.Shuffle(t5, t7, 0x44), u7 = Avx.Shuffle(t5, t7, 0xEE);

            Avx.Store(target, Avx.Permute2x128(u0, u4, 0x20));
            Avx.Store(target + ldt, Avx.Permute2x128(u1, u5, 0x20));
            Avx.Store(target + 2 * ldt, Avx.Permute2x128(u2, u6, 0x20));
            Avx.Store(target + 3 * ldt, Avx.Permute2x128(u3, u7, 0x20));
            Avx.Store(target + 4 * ldt, Avx.Permute2x128(u0, u4, 0x31));
            Avx.Store(target + 5 * ldt, Avx.Permute2x128(u1, u5, 0x31));
            Avx.Store(target + 6 * ldt, Avx.Permute2x128(u2, u6, 0x31));
            Avx.Store(target + 7 * ldt, Avx.Permute2x128(u3, u7, 0x31));
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void Copy<TOps, TVec>(float* destination, float* source, int count)
            where TOps : struct, IVectorOps<TVec>
            where TVec : unmanaged
        {
            for (int i = 0; i < count; i += TOps.Count) TOps.Store(destination + i, TOps.Load(source + i));
        }

        /// <summary>
        /// C[0..6, 0..2w) = init + A[0..6, p0..p0 + kc) B[0..kc, 0..2w), twelve accumulators in registers; row r of A
        /// starts at <c>a + rows.Rr</c> and its column p lies <c>layout.Column(p)</c> further.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void Tile6x2<TOps, TVec, TLayout>(float* c, in RowOffsets cRows, float* a, in RowOffsets rows, TLayout layout, int p0, float* b, int ldb, int kc,
                                                         bool load, float* bias, Activation fused, float alpha)
            where TOps : struct, IVectorOps<TVec>
            where TVec : unmanaged
            where TLayout : struct, IOperandA
        {
            int w = TOps.Count;
            float* c0 = c, c1 = c + cRows.R1, c2 = c + cRows.R2, c3 = c + cRows.R3, c4 = c + cRows.R4, c5 = c + cRows.R5;
            TVec s00, s01, s10, s11, s20, s21, s30, s31, s40, s41, s50, s51;
            if (load)
            {
                s00 = TOps.Load(c0); s01 = TOps.Load(c0 + w);
                s10 = TOps.Load(c1); s11 = TOps.Load(c1 + w);
                s20 = TOps.Load(c2); s21 = TOps.Load(c2 + w);
                s30 = TOps.Load(c3); s31 = TOps.Load(c3 + w);
                s40 = TOps.Load(c4); s41 = TOps.Load(c4 + w);
                s50 = TOps.Load(c5); s51 = TOps.Load(c5 + w);
            }
            else
            {
                TVec b0 = bias == null ? TOps.Zero : TOps.Load(bias);
                TVec b1 = bias == null ? TOps.Zero : TOps.Load(bias + w);
                s00 = b0; s01 = b1; s10 = b0; s11 = b1; s20 = b0; s21 = b1;
                s30 = b0; s31 = b1; s40 = b0; s41 = b1; s50 = b0; s51 = b1;
            }

            nint r1 = rows.R1, r2 = rows.R2, r3 = rows.R3, r4 = rows.R4, r5 = rows.R5, bStride = ldb;
            for (nint p = p0, end = p0 + kc; p < end; p++)
            {
                float* ap = a + layout.Column(p);
                TVec b0 = TOps.Load(b);
                TVec b1 = TOps.Load(b + w);
                TVec av = TOps.Broadcast(ap[0]);
                s00 = TOps.MultiplyAdd(av, b0, s00); s01 = TOps.MultiplyAdd(av, b1, s01);
                av = TOps.Broadcast(ap[r1]);
                s10 = TOps.MultiplyAdd(av, b0, s10); s11 = TOps.MultiplyAdd(av, b1, s11);
                av = TOps.Broadcast(ap[r2]);
                s20 = TOps.MultiplyAdd(av, b0, s20); s21 = TOps.MultiplyAdd(av, b1, s21);
                av = TOps.Broadcast(ap[r3]);
                s30 = TOps.MultiplyAdd(av, b0, s30); s31 = TOps.MultiplyAdd(av, b1, s31);
                av = TOps.Broadcast(ap[r4]);
                s40 = TOps.MultiplyAdd(av, b0, s40); s41 = TOps.MultiplyAdd(av, b1, s41);
                av = TOps.Broadcast(ap[r5]);
                s50 = TOps.MultiplyAdd(av, b0, s50); s51 = TOps.MultiplyAdd(av, b1, s51);
                b += bStride;
            }

            if (fused != Activation.Linear)
            {
                bool relu = fused == Activation.Relu;
                TVec slope = TOps.Broadcast(alpha);
                s00 = Rectify<TOps, TVec>(s00, slope, relu); s01 = Rectify<TOps, TVec>(s01, slope, relu);
                s10 = Rectify<TOps, TVec>(s10, slope, relu); s11 = Rectify<TOps, TVec>(s11, slope, relu);
                s20 = Rectify<TOps, TVec>(s20, slope, relu); s21 = Rectify<TOps, TVec>(s21, slope, relu);
                s30 = Rectify<TOps, TVec>(s30, slope, relu); s31 = Rectify<TOps, TVec>(s31, slope, relu);
                s40 = Rectify<TOps, TVec>(s40, slope, relu); s41 = Rectify<TOps, TVec>(s41, slope, relu);
                s50 = Rectify<TOps, TVec>(s50, slope, relu); s51 = Rectify<TOps, TVec>(s51, slope, relu);
            }

            TOps.Store(c0, s00); TOps.Store(c0 + w, s01);
            TOps.Store(c1, s10); TOps.Store(c1 + w, s11);
            TOps.Store(c2, s20); TOps.Store(c2 + w, s21);
            TOps.Store(c3, s30); TOps.Store(c3 + w, s31);
            TOps.Store(c4, s40); TOps.Store(c4 + w, s41);
            TOps.Store(c5, s50); TOps.Store(c5 + w, s51);
        }

        /// <summary>
        /// C[0..8, 0..2w) = init + A[0..8, p0..p0 + kc) B[0..kc, 0..2w), sixteen accumulators (Vector512: a 2-vector strip, such as a
        /// 32-channel convolution's, with fewer loads per multiply-add than 6 rows) in registers; row r of A
        /// starts at <c>a + rows.Rr</c> and its column p lies <c>layout.Column(p)</c> further.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void Tile8x2<TOps, TVec, TLayout>(float* c, in RowOffsets cRows, in RowOffsets67 cRows67, float* a, in RowOffsets rows, in RowOffsets67 rows67, TLayout layout, int p0, float* b, int ldb, int kc,
                                                         bool load, float* bias, Activation fused, float alpha)
            where TOps : struct, IVectorOps<TVec>
            where TVec : unmanaged
            where TLayout : struct, IOperandA
        {
            int w = TOps.Count;
            float* c0 = c, c1 = c + cRows.R1, c2 = c + cRows.R2, c3 = c + cRows.R3, c4 = c + cRows.R4, c5 = c + cRows.R5, c6 = c + cRows67.R6, c7 = c + cRows67.R7;
            TVec s00, s01, s10, s11, s20, s21, s30, s31, s40, s41, s50, s51, s60, s61, s70, s71;
            if (load)
            {
                s00 = TOps.Load(c0); s01 = TOps.Load(c0 + w);
                s10 = TOps.Load(c1); s11 = TOps.Load(c1 + w);
                s20 = TOps.Load(c2); s21 = TOps.Load(c2 + w);
                s30 = TOps.Load(c3); s31 = TOps.Load(c3 + w);
                s40 = TOps.Load(c4); s41 = TOps.Load(c4 + w);
                s50 = TOps.Load(c5); s51 = TOps.Load(c5 + w);
                s60 = TOps.Load(c6); s61 = TOps.Load(c6 + w);
                s70 = TOps.Load(c7); s71 = TOps.Load(c7 + w);
            }
            else
            {
                TVec b0 = bias == null ? TOps.Zero : TOps.Load(bias);
                TVec b1 = bias == null ? TOps.Zero : TOps.Load(bias + w);
                s00 = b0; s01 = b1; s10 = b0; s11 = b1; s20 = b0; s21 = b1;
                s30 = b0; s31 = b1; s40 = b0; s41 = b1; s50 = b0; s51 = b1;
                s60 = b0; s61 = b1; s70 = b0; s71 = b1;
            }

            nint r1 = rows.R1, r2 = rows.R2, r3 = rows.R3, r4 = rows.R4, r5 = rows.R5, r6 = rows67.R6, r7 = rows67.R7, bStride = ldb;
            for (nint p = p0, end = p0 + kc; p < end; p++)
            {
                float* ap = a + layout.Column(p);
                TVec b0 = TOps.Load(b);
                TVec b1 = TOps.Load(b + w);
                TVec av = TOps.Broadcast(ap[0]);
                s00 = TOps.MultiplyAdd(av, b0, s00); s01 = TOps.MultiplyAdd(av, b1, s01);
                av = TOps.Broadcast(ap[r1]);
                s10 = TOps.MultiplyAdd(av, b0, s10); s11 = TOps.MultiplyAdd(av, b1, s11);
                av = TOps.Broadcast(ap[r2]);
                s20 = TOps.MultiplyAdd(av, b0, s20); s21 = TOps.MultiplyAdd(av, b1, s21);
                av = TOps.Broadcast(ap[r3]);
                s30 = TOps.MultiplyAdd(av, b0, s30); s31 = TOps.MultiplyAdd(av, b1, s31);
                av = TOps.Broadcast(ap[r4]);
                s40 = TOps.MultiplyAdd(av, b0, s40); s41 = TOps.MultiplyAdd(av, b1, s41);
                av = TOps.Broadcast(ap[r5]);
                s50 = TOps.MultiplyAdd(av, b0, s50); s51 = TOps.MultiplyAdd(av, b1, s51);
                av = TOps.Broadcast(ap[r6]);
                s60 = TOps.MultiplyAdd(av, b0, s60); s61 = TOps.MultiplyAdd(av, b1, s61);
                av = TOps.Broadcast(ap[r7]);
                s70 = TOps.MultiplyAdd(av, b0, s70); s71 = TOps.MultiplyAdd(av, b1, s71);
                b += bStride;
            }

            if (fused != Activation.Linear)
            {
                bool relu = fused == Activation.Relu;
                TVec slope = TOps.Broadcast(alpha);
                s00 = Rectify<TOps, TVec>(s00, slope, relu); s01 = Rectify<TOps, TVec>(s01, slope, relu);
                s10 = Rectify<TOps, TVec>(s10, slope, relu); s11 = Rectify<TOps, TVec>(s11, slope, relu);
                s20 = Rectify<TOps, TVec>(s20, slope, relu); s21 = Rectify<TOps, TVec>(s21, slope, relu);
                s30 = Rectify<TOps, TVec>(s30, slope, relu); s31 = Rectify<TOps, TVec>(s31, slope, relu);
                s40 = Rectify<TOps, TVec>(s40, slope, relu); s41 = Rectify<TOps, TVec>(s41, slope, relu);
                s50 = Rectify<TOps, TVec>(s50, slope, relu); s51 = Rectify<TOps, TVec>(s51, slope, relu);
                s60 = Rectify<TOps, TVec>(s60, slope, relu); s61 = Rectify<TOps, TVec>(s61, slope, relu);
                s70 = Rectify<TOps, TVec>(s70, slope, relu); s71 = Rectify<TOps, TVec>(s71, slope, relu);
            }

            TOps.Store(c0, s00); TOps.Store(c0 + w, s01);
            TOps.Store(c1, s10); TOps.Store(c1 + w, s11);
            TOps.Store(c2, s20); TOps.Store(c2 + w, s21);
            TOps.Store(c3, s30); TOps.Store(c3 + w, s31);
            TOps.Store(c4, s40); TOps.Store(c4 + w, s41);
            TOps.Store(c5, s50); TOps.Store(c5 + w, s51);
            TOps.Store(c6, s60); TOps.Store(c6 + w, s61);
            TOps.Store(c7, s70); TOps.Store(c7 + w, s71);
        }

        /// <summary>
        /// C[0..6, 0..4w) = init + A[0..6, p0..p0 + kc) B[0..kc, 0..4w): 24 accumulators, Vector512 only. With
        /// <see cref="FourRows"/>, rows 0..4 only (16 accumulators): the last 1 to 4 rows of a short product.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void Tile6x4<TOps, TVec, TLayout, TRows>(float* c, in RowOffsets cRows, float* a, in RowOffsets rows, TLayout layout, int p0, float* b, int ldb, int kc,
                                                         bool load, float* bias, Activation fused, float alpha)
            where TOps : struct, IVectorOps<TVec>
            where TVec : unmanaged
            where TLayout : struct, IOperandA
            where TRows : struct, ITileRows
        {
            int w = TOps.Count;
            bool six = TRows.Six; // a constant in each instantiation: the other count's code is compiled out
            float* c0 = c, c1 = c + cRows.R1, c2 = c + cRows.R2, c3 = c + cRows.R3, c4 = c + cRows.R4, c5 = c + cRows.R5;
            TVec s00, s01, s02, s03, s10, s11, s12, s13, s20, s21, s22, s23, s30, s31, s32, s33;
            TVec s40 = TOps.Zero, s41 = TOps.Zero, s42 = TOps.Zero, s43 = TOps.Zero, s50 = TOps.Zero, s51 = TOps.Zero, s52 = TOps.Zero, s53 = TOps.Zero;
            if (load)
            {
                s00 = TOps.Load(c0); s01 = TOps.Load(c0 + w); s02 = TOps.Load(c0 + 2 * w); s03 = TOps.Load(c0 + 3 * w);
                s10 = TOps.Load(c1); s11 = TOps.Load(c1 + w); s12 = TOps.Load(c1 + 2 * w); s13 = TOps.Load(c1 + 3 * w);
                s20 = TOps.Load(c2); s21 = TOps.Load(c2 + w); s22 = TOps.Load(c2 + 2 * w); s23 = TOps.Load(c2 + 3 * w);
                s30 = TOps.Load(c3); s31 = TOps.Load(c3 + w); s32 = TOps.Load(c3 + 2 * w); s33 = TOps.Load(c3 + 3 * w);
                if (six)
                {
                    s40 = TOps.Load(c4); s41 = TOps.Load(c4 + w); s42 = TOps.Load(c4 + 2 * w); s43 = TOps.Load(c4 + 3 * w);
                    s50 = TOps.Load(c5); s51 = TOps.Load(c5 + w); s52 = TOps.Load(c5 + 2 * w); s53 = TOps.Load(c5 + 3 * w);
                }
            }
            else
            {
                TVec b0 = bias == null ? TOps.Zero : TOps.Load(bias), b1 = bias == null ? TOps.Zero : TOps.Load(bias + w);
                TVec b2 = bias == null ? TOps.Zero : TOps.Load(bias + 2 * w), b3 = bias == null ? TOps.Zero : TOps.Load(bias + 3 * w);
                s00 = b0; s01 = b1; s02 = b2; s03 = b3; s10 = b0; s11 = b1; s12 = b2; s13 = b3;
                s20 = b0; s21 = b1; s22 = b2; s23 = b3; s30 = b0; s31 = b1; s32 = b2; s33 = b3;
                if (six)
                {
                    s40 = b0; s41 = b1; s42 = b2; s43 = b3; s50 = b0; s51 = b1; s52 = b2; s53 = b3;
                }
            }

            nint r1 = rows.R1, r2 = rows.R2, r3 = rows.R3, r4 = rows.R4, r5 = rows.R5, bStride = ldb;
            for (nint p = p0, end = p0 + kc; p < end; p++)
            {
                float* ap = a + layout.Column(p);
                TVec b0 = TOps.Load(b), b1 = TOps.Load(b + w), b2 = TOps.Load(b + 2 * w), b3 = TOps.Load(b + 3 * w);
                TVec av = TOps.Broadcast(ap[0]);
                s00 = TOps.MultiplyAdd(av, b0, s00); s01 = TOps.MultiplyAdd(av, b1, s01); s02 = TOps.MultiplyAdd(av, b2, s02); s03 = TOps.MultiplyAdd(av, b3, s03);
                av = TOps.Broadcast(ap[r1]);
                s10 = TOps.MultiplyAdd(av, b0, s10); s11 = TOps.MultiplyAdd(av, b1, s11); s12 = TOps.MultiplyAdd(av, b2, s12); s13 = TOps.MultiplyAdd(av, b3, s13);
                av = TOps.Broadcast(ap[r2]);
                s20 = TOps.MultiplyAdd(av, b0, s20); s21 = TOps.MultiplyAdd(av, b1, s21); s22 = TOps.MultiplyAdd(av, b2, s22); s23 = TOps.MultiplyAdd(av, b3, s23);
                av = TOps.Broadcast(ap[r3]);
                s30 = TOps.MultiplyAdd(av, b0, s30); s31 = TOps.MultiplyAdd(av, b1, s31); s32 = TOps.MultiplyAdd(av, b2, s32); s33 = TOps.MultiplyAdd(av, b3, s33);
                if (six)
                {
                    av = TOps.Broadcast(ap[r4]);
                    s40 = TOps.MultiplyAdd(av, b0, s40); s41 = TOps.MultiplyAdd(av, b1, s41); s42 = TOps.MultiplyAdd(av, b2, s42); s43 = TOps.MultiplyAdd(av, b3, s43);
                    av = TOps.Broadcast(ap[r5]);
                    s50 = TOps.MultiplyAdd(av, b0, s50); s51 = TOps.MultiplyAdd(av, b1, s51); s52 = TOps.MultiplyAdd(av, b2, s52); s53 = TOps.MultiplyAdd(av, b3, s53);
                }
                b += bStride;
            }

            if (fused != Activation.Linear)
            {
                bool relu = fused == Activation.Relu;
                TVec slope = TOps.Broadcast(alpha);
                s00 = Rectify<TOps, TVec>(s00, slope, relu); s01 = Rectify<TOps, TVec>(s01, slope, relu); s02 = Rectify<TOps, TVec>(s02, slope, relu); s03 = Rectify<TOps, TVec>(s03, slope, relu);
                s10 = Rectify<TOps, TVec>(s10, slope, relu); s11 = Rectify<TOps, TVec>(s11, slope, relu); s12 = Rectify<TOps, TVec>(s12, slope, relu); s13 = Rectify<TOps, TVec>(s13, slope, relu);
                s20 = Rectify<TOps, TVec>(s20, slope, relu); s21 = Rectify<TOps, TVec>(s21, slope, relu); s22 = Rectify<TOps, TVec>(s22, slope, relu); s23 = Rectify<TOps, TVec>(s23, slope, relu);
                s30 = Rectify<TOps, TVec>(s30, slope, relu); s31 = Rectify<TOps, TVec>(s31, slope, relu); s32 = Rectify<TOps, TVec>(s32, slope, relu); s33 = Rectify<TOps, TVec>(s33, slope, relu);
                if (six)
                {
                    s40 = Rectify<TOps, TVec>(s40, slope, relu); s41 = Rectify<TOps, TVec>(s41, slope, relu); s42 = Rectify<TOps, TVec>(s42, slope, relu); s43 = Rectify<TOps, TVec>(s43, slope, relu);
                    s50 = Rectify<TOps, TVec>(s50, slope, relu); s51 = Rectify<TOps, TVec>(s51, slope, relu); s52 = Rectify<TOps, TVec>(s52, slope, relu); s53 = Rectify<TOps, TVec>(s53, slope, relu);
                }
            }

            TOps.Store(c0, s00); TOps.Store(c0 + w, s01); TOps.Store(c0 + 2 * w, s02); TOps.Store(c0 + 3 * w, s03);
            TOps.Store(c1, s10); TOps.Store(c1 + w, s11); TOps.Store(c1 + 2 * w, s12); TOps.Store(c1 + 3 * w, s13);
            TOps.Store(c2, s20); TOps.Store(c2 + w, s21); TOps.Store(c2 + 2 * w, s22); TOps.Store(c2 + 3 * w, s23);
            TOps.Store(c3, s30); TOps.Store(c3 + w, s31); TOps.Store(c3 + 2 * w, s32); TOps.Store(c3 + 3 * w, s33);
            if (six)
            {
                TOps.Store(c4, s40); TOps.Store(c4 + w, s41); TOps.Store(c4 + 2 * w, s42); TOps.Store(c4 + 3 * w, s43);
                TOps.Store(c5, s50); TOps.Store(c5 + w, s51); TOps.Store(c5 + 2 * w, s52); TOps.Store(c5 + 3 * w, s53);
            }
        }

        /// <summary>How many rows <see cref="Tile6x4"/> computes, as a type: each instantiation compiles only its own rows.</summary>
        private interface ITileRows
        {
            static abstract bool Six { get; }
        }

        /// <summary>All six rows of a tile.</summary>
        private struct SixRows : ITileRows
        {
            public static bool Six => true;
        }

        /// <summary>Rows 0 to 3 only.</summary>
        private struct FourRows : ITileRows
        {
            public static bool Six => false;
        }

        /// <summary>C[0..6, 0..w) = init + A[0..6, p0..p0 + kc) B[0..kc, 0..w): the last vector of a panel.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void Tile6x1<TOps, TVec, TLayout>(float* c, in RowOffsets cRows, float* a, in RowOffsets rows, TLayout layout, int p0, float* b, int ldb, int kc,
                                                         bool load, float* bias, Activation fused, float alpha)
            where TOps : struct, IVectorOps<TVec>
            where TVec : unmanaged
            where TLayout : struct, IOperandA
        {
            float* c0 = c, c1 = c + cRows.R1, c2 = c + cRows.R2, c3 = c + cRows.R3, c4 = c + cRows.R4, c5 = c + cRows.R5;
            TVec s0, s1, s2, s3, s4, s5;
            if (load)
            {
                s0 = TOps.Load(c0); s1 = TOps.Load(c1); s2 = TOps.Load(c2);
                s3 = TOps.Load(c3); s4 = TOps.Load(c4); s5 = TOps.Load(c5);
            }
            else
            {
                TVec b0 = bias == null ? TOps.Zero : TOps.Load(bias);
                s0 = b0; s1 = b0; s2 = b0; s3 = b0; s4 = b0; s5 = b0;
            }

            nint r1 = rows.R1, r2 = rows.R2, r3 = rows.R3, r4 = rows.R4, r5 = rows.R5, bStride = ldb;
            for (nint p = p0, end = p0 + kc; p < end; p++)
            {
                float* ap = a + layout.Column(p);
                TVec b0 = TOps.Load(b);
                s0 = TOps.MultiplyAdd(TOps.Broadcast(ap[0]), b0, s0);
                s1 = TOps.MultiplyAdd(TOps.Broadcast(ap[r1]), b0, s1);
                s2 = TOps.MultiplyAdd(TOps.Broadcast(ap[r2]), b0, s2);
                s3 = TOps.MultiplyAdd(TOps.Broadcast(ap[r3]), b0, s3);
                s4 = TOps.MultiplyAdd(TOps.Broadcast(ap[r4]), b0, s4);
                s5 = TOps.MultiplyAdd(TOps.Broadcast(ap[r5]), b0, s5);
                b += bStride;
            }

            if (fused != Activation.Linear)
            {
                bool relu = fused == Activation.Relu;
                TVec slope = TOps.Broadcast(alpha);
                s0 = Rectify<TOps, TVec>(s0, slope, relu); s1 = Rectify<TOps, TVec>(s1, slope, relu); s2 = Rectify<TOps, TVec>(s2, slope, relu);
                s3 = Rectify<TOps, TVec>(s3, slope, relu); s4 = Rectify<TOps, TVec>(s4, slope, relu); s5 = Rectify<TOps, TVec>(s5, slope, relu);
            }

            TOps.Store(c0, s0); TOps.Store(c1, s1); TOps.Store(c2, s2);
            TOps.Store(c3, s3); TOps.Store(c4, s4); TOps.Store(c5, s5);
        }

        /// <summary>
        /// Two <see cref="Tile6x1{TOps, TVec, TLayout}"/> panels in one pass: rows 0 to 5 of A from <paramref name="a"/>
        /// at offsets <paramref name="rows"/>, and rows 6 to 11 at the same offsets from <c>a + second</c>, into C rows
        /// <paramref name="cRows"/> from <paramref name="c"/> and from <paramref name="d"/>. Six chains alone wait on the
        /// FMA latency at every step; twelve keep both pipes busier. Each element gets the same fused multiply-adds in
        /// the same order as in the 6-row tile.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void Tile12x1<TOps, TVec, TLayout>(float* c, float* d, in RowOffsets cRows, float* a, in RowOffsets rows, nint second,
                                                          TLayout layout, int p0, float* b, int ldb, int kc, bool load, float* bias, Activation fused, float alpha)
            where TOps : struct, IVectorOps<TVec>
            where TVec : unmanaged
            where TLayout : struct, IOperandA
        {
            float* c0 = c, c1 = c + cRows.R1, c2 = c + cRows.R2, c3 = c + cRows.R3, c4 = c + cRows.R4, c5 = c + cRows.R5;
            float* d0 = d, d1 = d + cRows.R1, d2 = d + cRows.R2, d3 = d + cRows.R3, d4 = d + cRows.R4, d5 = d + cRows.R5;
            TVec s0, s1, s2, s3, s4, s5, t0, t1, t2, t3, t4, t5;
            if (load)
            {
                s0 = TOps.Load(c0); s1 = TOps.Load(c1); s2 = TOps.Load(c2); s3 = TOps.Load(c3); s4 = TOps.Load(c4); s5 = TOps.Load(c5);
                t0 = TOps.Load(d0); t1 = TOps.Load(d1); t2 = TOps.Load(d2); t3 = TOps.Load(d3); t4 = TOps.Load(d4); t5 = TOps.Load(d5);
            }
            else
            {
                TVec b0 = bias == null ? TOps.Zero : TOps.Load(bias);
                s0 = b0; s1 = b0; s2 = b0; s3 = b0; s4 = b0; s5 = b0;
                t0 = b0; t1 = b0; t2 = b0; t3 = b0; t4 = b0; t5 = b0;
            }

            nint r1 = rows.R1, r2 = rows.R2, r3 = rows.R3, r4 = rows.R4, r5 = rows.R5, bStride = ldb;
            for (nint p = p0, end = p0 + kc; p < end; p++)
            {
                float* ap = a + layout.Column(p), aq = ap + second;
                TVec b0 = TOps.Load(b);
                s0 = TOps.MultiplyAdd(TOps.Broadcast(ap[0]), b0, s0);
                s1 = TOps.MultiplyAdd(TOps.Broadcast(ap[r1]), b0, s1);
                s2 = TOps.MultiplyAdd(TOps.Broadcast(ap[r2]), b0, s2);
                s3 = TOps.MultiplyAdd(TOps.Broadcast(ap[r3]), b0, s3);
                s4 = TOps.MultiplyAdd(TOps.Broadcast(ap[r4]), b0, s4);
                s5 = TOps.MultiplyAdd(TOps.Broadcast(ap[r5]), b0, s5);
                t0 = TOps.MultiplyAdd(TOps.Broadcast(aq[0]), b0, t0);
                t1 = TOps.MultiplyAdd(TOps.Broadcast(aq[r1]), b0, t1);
                t2 = TOps.MultiplyAdd(TOps.Broadcast(aq[r2]), b0, t2);
                t3 = TOps.MultiplyAdd(TOps.Broadcast(aq[r3]), b0, t3);
                t4 = TOps.MultiplyAdd(TOps.Broadcast(aq[r4]), b0, t4);
                t5 = TOps.MultiplyAdd(TOps.Broadcast(aq[r5]), b0, t5);
                b += bStride;
            }

            if (fused != Activation.Linear)
            {
                bool relu = fused == Activation.Relu;
                TVec slope = TOps.Broadcast(alpha);
                s0 = Rectify<TOps, TVec>(s0, slope, relu); s1 = Rectify<TOps, TVec>(s1, slope, relu); s2 = Rectify<TOps, TVec>(s2, slope, relu);
                s3 = Rectify<TOps, TVec>(s3, slope, relu); s4 = Rectify<TOps, TVec>(s4, slope, relu); s5 = Rectify<TOps, TVec>(s5, slope, relu);
                t0 = Rectify<TOps, TVec>(t0, slope, relu); t1 = Rectify<TOps, TVec>(t1, slope, relu); t2 = Rectify<TOps, TVec>(t2, slope, relu);
                t3 = Rectify<TOps, TVec>(t3, slope, relu); t4 = Rectify<TOps, TVec>(t4, slope, relu); t5 = Rectify<TOps, TVec>(t5, slope, relu);
            }

            TOps.Store(c0, s0); TOps.Store(c1, s1); TOps.Store(c2, s2); TOps.Store(c3, s3); TOps.Store(c4, s4); TOps.Store(c5, s5);
            TOps.Store(d0, t0); TOps.Store(d1, t1); TOps.Store(d2, t2); TOps.Store(d3, t3); TOps.Store(d4, t4); TOps.Store(d5, t5);
        }

        /// <summary>
        /// One row of C over nc columns, streaming B four rows at a time (the GEMV shape): the C row stays in L1 and
        /// each B row is read once, contiguously.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void RowStream<TOps, TVec, TLayout>(float* c, float* a, TLayout layout, float* b, int ldb, int kc, int nc,
                                                           bool load, float* bias, Activation activation, float alpha)
            where TOps : struct, IVectorOps<TVec>
            where TVec : unmanaged
            where TLayout : struct, IOperandA
        {
            int w = TOps.Count;
            if (!load)
            {
                for (int j = 0; j < nc; j += w)
                {
                    TOps.Store(c + j, bias == null ? TOps.Zero : TOps.Load(bias + j));
                }
            }

            int p = 0;
            for (; p + 4 <= kc; p += 4)
            {
                TVec a0 = TOps.Broadcast(a[layout.Column(p)]);
                TVec a1 = TOps.Broadcast(a[layout.Column(p + 1)]);
                TVec a2 = TOps.Broadcast(a[layout.Column(p + 2)]);
                TVec a3 = TOps.Broadcast(a[layout.Column(p + 3)]);
                float* b1 = b + ldb, b2 = b1 + ldb, b3 = b2 + ldb;
                AddRows<TOps, TVec>(c, nc, a0, b, a1, b1, a2, b2, a3, b3);
                b += 4 * (long)ldb;
            }
            for (; p < kc; p++)
            {
                AddRow<TOps, TVec>(c, nc, TOps.Broadcast(a[layout.Column(p)]), b);
                b += ldb;
            }

            if (activation != Activation.Linear)
            {
                VectorMath.ActivateRange<TOps, TVec>(c, c, nc, activation, alpha);
            }
        }

        /// <summary>
        /// Fewer rows than a tile against row-major B, one row stream each (B read once per row), unless they are better
        /// tiled: then nothing is done and false returned. One row is always streamed. Contiguous rows of A have their
        /// zeros counted once: 2 to 5 of them are streamed when, zeros skipped, they read at most 1.25 times B's rows in
        /// all, and a row with enough zeros skips the rows of B facing them (<see cref="SkipZeroRows{TOps, TVec}"/>).
        /// Rows of any other layout count as dense, so 2 to 5 of them are tiled. The tiles read B once (packed) but compute
        /// six rows: fc1 at batch 5 streamed its 12.8 MB kernel from L3 five times (the CNN's forward 2.59 ms against
        /// 1.37 ms at batch 6); the MLP's first layer on noise streams 3 rows in 20.6 us and tiles them in 11.0, on
        /// digits (82 % zeros) streams 5 in 8.8 us against 16.0.
        /// </summary>
        private static bool StreamRows<TOps, TVec, TLayout>(float* c, int ldc, float* a, TLayout layout, float* b, int ldb, int m, int k, int n,
                                                            float* bias, bool accumulate, Activation activation, float alpha)
            where TOps : struct, IVectorOps<TVec>
            where TVec : unmanaged
            where TLayout : struct, IOperandA
        {
            if (typeof(TLayout) != typeof(StridedA) || layout.Column(1) != 1)
            {
                if (m > 1)
                {
                    return false;
                }
                RowStream<TOps, TVec, TLayout>(c, a, layout, b, ldb, k, n, accumulate, bias, activation, alpha);
                return true;
            }
            int counted = k - k % SkipBlock;
            RowZeros zeros = default;
            long read = 0;
            for (int i = 0; i < m; i++)
            {
                zeros[i] = CountZeros(a + layout.Row(i), counted);
                read += k - zeros[i];
            }
            if (m > 1 && 4 * read > 5L * k)
            {
                return false;
            }
            for (int i = 0; i < m; i++)
            {
                float* ci = c + (long)i * ldc, ai = a + layout.Row(i);
                if (WorthSkipping(zeros[i], counted, n))
                {
                    SkipZeroRows<TOps, TVec>(ci, ai, b, ldb, k, n, accumulate, bias, activation, alpha);
                }
                else
                {
                    RowStream<TOps, TVec, TLayout>(ci, ai, layout, b, ldb, k, n, accumulate, bias, activation, alpha);
                }
            }
            return true;
        }

        /// <summary>The zero counts of up to 5 streamed rows of A.</summary>
        [InlineArray(TileRows)]
        private struct RowZeros
        {
            private long element;
        }

        // Elements of a contiguous A row per zero test of RowStream: one 64-bit mask.
        private const int SkipBlock = 64;

        // A block takes the sparse form when the floats of B it skips (zeros x nc) reach this many per row it still
        // reads: each such row costs a bit scan and an address computation more than in the dense form. About a tenth of
        // the block zero for the MLP's 256 columns, two thirds for a 16-column layer; fc1 at batch 1 (1024 columns,
        // about a quarter of its input zero after the pooled ReLU) takes it everywhere.
        private const int SkipGain = 32;

        /// <summary>
        /// <see cref="RowStream{TOps, TVec, TLayout}"/> for a contiguous row of A with enough exact zeros (after a ReLU,
        /// or the blank pixels of a digit; <see cref="WorthSkipping"/>): block by block of 64 elements, reading only the
        /// rows of B whose A element is not zero where enough of the block is zero (<see cref="IsSparse(ulong, int)"/>),
        /// else all 64 (<see cref="SparseRows{TOps, TVec}"/> either way).
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void SkipZeroRows<TOps, TVec>(float* c, float* a, float* b, int ldb, int kc, int nc,
                                                     bool load, float* bias, Activation activation, float alpha)
            where TOps : struct, IVectorOps<TVec>
            where TVec : unmanaged
        {
            int w = TOps.Count;
            if (!load)
            {
                for (int j = 0; j < nc; j += w)
                {
                    TOps.Store(c + j, bias == null ? TOps.Zero : TOps.Load(bias + j));
                }
            }

            int block = 0;
            for (; block + SkipBlock <= kc; block += SkipBlock, b += (long)SkipBlock * ldb)
            {
                ulong live = NonZeroMask(a + block);
                SparseRows<TOps, TVec>(c, a + block, b, ldb, IsSparse(live, nc) ? live : ulong.MaxValue, nc);
            }
            if (block < kc)
            {
                // The last kc % 64 elements: their non-zero ones, in order.
                ulong live = 0;
                for (int p = block; p < kc; p++)
                {
                    live |= (a[p] != 0f ? 1UL : 0UL) << (p - block);
                }
                SparseRows<TOps, TVec>(c, a + block, b, ldb, live, nc);
            }

            if (activation != Activation.Linear)
            {
                VectorMath.ActivateRange<TOps, TVec>(c, c, nc, activation, alpha);
            }
        }

        /// <summary>
        /// Whether a block whose non-zero elements are the bits of <paramref name="live"/> takes the sparse form over
        /// <paramref name="nc"/> columns: when the floats of B it skips (zeros x nc) reach <see cref="SkipGain"/> per row
        /// it still reads.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static bool IsSparse(ulong live, int nc)
        {
            int count = System.Numerics.BitOperations.PopCount(live);
            return (SkipBlock - count) * (long)nc >= SkipGain * (long)count;
        }

        /// <summary>
        /// Whether <paramref name="count"/> elements (a multiple of 64) of which <paramref name="zeros"/> are zero are, as
        /// a whole, sparse enough for the sparse form over <paramref name="nc"/> columns: then
        /// <see cref="SkipZeroRows{TOps, TVec}"/> decides block by block.
        /// </summary>
        private static bool WorthSkipping(long zeros, int count, int nc) => zeros > 0 && zeros * nc >= SkipGain * (count - zeros);

        /// <summary>
        /// How many of <c>a[0 .. count)</c> (count a multiple of 64) are zero: one compare and one subtraction per vector,
        /// so that a row with few zeros costs its stream almost nothing more.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static long CountZeros(float* a, int count)
        {
            if (Vector512.IsHardwareAccelerated)
            {
                Vector512<int> sum = Vector512<int>.Zero;
                for (int i = 0; i < count; i += 16)
                {
                    sum -= Vector512.Equals(Vector512.Load(a + i), Vector512<float>.Zero).AsInt32();
                }
                return Vector512.Sum(sum);
            }
            if (Vector256.IsHardwareAccelerated)
            {
                Vector256<int> sum = Vector256<int>.Zero;
                for (int i = 0; i < count; i += 8)
                {
                    sum -= Vector256.Equals(Vector256.Load(a + i), Vector256<float>.Zero).AsInt32();
                }
                return Vector256.Sum(sum);
            }
            Vector128<int> total = Vector128<int>.Zero;
            for (int i = 0; i < count; i += 4)
            {
                total -= Vector128.Equals(Vector128.Load(a + i), Vector128<float>.Zero).AsInt32();
            }
            return Vector128.Sum(total);
        }

        /// <summary>
        /// The rows of B whose bit is set in <paramref name="live"/> (ascending, from the block's first row
        /// <paramref name="b"/>) added into one row of C, four at a time. Each element gets the block's fused multiply-adds in
        /// the dense order, less those whose A element is exactly zero, which would add exactly zero: the same value
        /// (a zero result may differ in sign; against an infinite or NaN weight such a term would have made it NaN).
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void SparseRows<TOps, TVec>(float* c, float* a, float* b, int ldb, ulong live, int nc)
            where TOps : struct, IVectorOps<TVec>
            where TVec : unmanaged
        {
            int count = System.Numerics.BitOperations.PopCount(live);
            for (; count >= 4; count -= 4)
            {
                int p0 = System.Numerics.BitOperations.TrailingZeroCount(live); live &= live - 1;
                int p1 = System.Numerics.BitOperations.TrailingZeroCount(live); live &= live - 1;
                int p2 = System.Numerics.BitOperations.TrailingZeroCount(live); live &= live - 1;
                int p3 = System.Numerics.BitOperations.TrailingZeroCount(live); live &= live - 1;
                TVec a0 = TOps.Broadcast(a[p0]), a1 = TOps.Broadcast(a[p1]), a2 = TOps.Broadcast(a[p2]), a3 = TOps.Broadcast(a[p3]);
                AddRows<TOps, TVec>(c, nc, a0, b + (long)p0 * ldb, a1, b + (long)p1 * ldb, a2, b + (long)p2 * ldb, a3, b + (long)p3 * ldb);
            }
            for (; count > 0; count--)
            {
                int p0 = System.Numerics.BitOperations.TrailingZeroCount(live); live &= live - 1;
                AddRow<TOps, TVec>(c, nc, TOps.Broadcast(a[p0]), b + (long)p0 * ldb);
            }
        }

        /// <summary>c[0 .. nc) += a0 b0 + a1 b1 + a2 b2 + a3 b3, four fused multiply-adds per element in that order.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void AddRows<TOps, TVec>(float* c, int nc, TVec a0, float* b0, TVec a1, float* b1, TVec a2, float* b2, TVec a3, float* b3)
            where TOps : struct, IVectorOps<TVec>
            where TVec : unmanaged
        {
            for (int j = 0; j < nc; j += TOps.Count)
            {
                TVec s = TOps.Load(c + j);
                s = TOps.MultiplyAdd(a0, TOps.Load(b0 + j), s);
                s = TOps.MultiplyAdd(a1, TOps.Load(b1 + j), s);
                s = TOps.MultiplyAdd(a2, TOps.Load(b2 + j), s);
                s = TOps.MultiplyAdd(a3, TOps.Load(b3 + j), s);
                TOps.Store(c + j, s);
            }
        }

        /// <summary>c[0 .. nc) += a0 b0, one fused multiply-add per element.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void AddRow<TOps, TVec>(float* c, int nc, TVec a0, float* b0)
            where TOps : struct, IVectorOps<TVec>
            where TVec : unmanaged
        {
            for (int j = 0; j < nc; j += TOps.Count)
            {
                TOps.Store(c + j, TOps.MultiplyAdd(a0, TOps.Load(b0 + j), TOps.Load(c + j)));
            }
        }

        /// <summary>Bit i set where <c>a[i]</c>, i in [0, 64), is not zero (NaN included).</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static ulong NonZeroMask(float* a)
        {
            ulong zero = 0;
            if (Vector512.IsHardwareAccelerated)
            {
                for (int i = 0; i < SkipBlock; i += 16)
                {
                    zero |= Vector512.Equals(Vector512.Load(a + i), Vector512<float>.Zero).ExtractMostSignificantBits() << i;
                }
            }
            else if (Vector256.IsHardwareAccelerated)
            {
                for (int i = 0; i < SkipBlock; i += 8)
                {
                    zero |= (ulong)Vector256.Equals(Vector256.Load(a + i), Vector256<float>.Zero).ExtractMostSignificantBits() << i;
                }
            }
            else
            {
                for (int i = 0; i < SkipBlock; i += 4)
                {
                    zero |= (ulong)Vector128.Equals(Vector128.Load(a + i), Vector128<float>.Zero).ExtractMostSignificantBits() << i;
                }
            }
            return ~zero;
        }

        /// <summary>
        /// <see cref="RowStream{TOps, TVec, TLayout}"/> over a row's last <paramref name="count"/> (1 to 15) columns, as
        /// one masked 8-wide chain or two side by side: each element gets the same fused multiply-adds in the same order
        /// as on the 8-, 4- and 1-wide streams it replaces, which ran one after another, and a first prediction compiles
        /// this one method instead of those three. (Masked loads never touch the columns past the row's end.)
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        [SkipLocalsInit]
        private static void RowStreamTail<TLayout>(float* c, float* a, TLayout layout, float* b, int ldb, int kc, int count,
                                                   bool load, float* bias, Activation activation, float alpha)
            where TLayout : struct, IOperandA
        {
            TailMasks(count, out Vector256<float> maskLow, out Vector256<float> maskHigh);
            float* start = load ? c : bias;
            Vector256<float> low = start == null ? Vector256<float>.Zero : Avx.MaskLoad(start, maskLow);
            Vector256<float> high = start == null || count <= 8 ? Vector256<float>.Zero : Avx.MaskLoad(start + 8, maskHigh);
            if (count <= 8)
            {
                for (int p = 0; p < kc; p++, b += ldb)
                {
                    low = Fma.MultiplyAdd(Vector256.Create(a[layout.Column(p)]), Avx.MaskLoad(b, maskLow), low);
                }
            }
            else
            {
                for (int p = 0; p < kc; p++, b += ldb)
                {
                    Vector256<float> ap = Vector256.Create(a[layout.Column(p)]);
                    low = Fma.MultiplyAdd(ap, Avx.LoadVector256(b), low);
                    high = Fma.MultiplyAdd(ap, Avx.MaskLoad(b + 8, maskHigh), high);
                }
            }
            if (activation != Activation.Linear)
            {
                float* row = stackalloc float[MaxVector];
                low.Store(row);
                high.Store(row + 8);
                VectorMath.ActivateRange<Ops512, Vector512<float>>(row, row, MaxVector, activation, alpha);
                low = Vector256.Load(row);
                high = Vector256.Load(row + 8);
            }
            Avx.MaskStore(c, maskLow, low);
            if (count > 8)
            {
                Avx.MaskStore(c + 8, maskHigh, high);
            }
        }

        /// <summary>
        /// C[i, j] = (load ? C[i, j] : 0) + dot(A row i, B row j) over k elements, k a multiple of <c>TOps.Count</c>.
        /// B is walked in blocks of rows that fit L2 while every row of A passes over them; tiles are 4 rows of A by
        /// 2 rows of B (8 accumulators), edges 1 by 4 and 1 by 1.
        /// </summary>
        private static void DotCore<TOps, TVec>(float* c, int ldc, float* a, int lda, float* b, int ldb, int m, int k, int n, bool load)
            where TOps : struct, IVectorOps<TVec>
            where TVec : unmanaged
        {
            int blockRows = Math.Max(4, (int)Math.Min(n, DotBlockBytes / (4L * k)) & ~3);
            int fullRows = m & ~3;
            for (int j0 = 0; j0 < n; j0 += blockRows)
            {
                int jEnd = Math.Min(n, j0 + blockRows);
                for (int i = 0; i < fullRows; i += 4)
                {
                    int j = j0;
                    for (; j + 2 <= jEnd; j += 2)
                    {
                        Dot4x2<TOps, TVec>(c + (long)i * ldc + j, ldc, a + (long)i * lda, lda, b + (long)j * ldb, ldb, k, load);
                    }
                    if (j < jEnd)
                    {
                        for (int r = 0; r < 4; r++)
                        {
                            float* cij = c + (long)(i + r) * ldc + j;
                            *cij = (load ? *cij : 0f) + Dot1x1<TOps, TVec>(a + (long)(i + r) * lda, b + (long)j * ldb, k);
                        }
                    }
                }
                for (int i = fullRows; i < m; i++)
                {
                    float* ai = a + (long)i * lda;
                    int j = j0;
                    for (; j + 4 <= jEnd; j += 4)
                    {
                        Dot1x4<TOps, TVec>(c + (long)i * ldc + j, ai, b + (long)j * ldb, ldb, k, load);
                    }
                    for (; j < jEnd; j++)
                    {
                        float* cij = c + (long)i * ldc + j;
                        *cij = (load ? *cij : 0f) + Dot1x1<TOps, TVec>(ai, b + (long)j * ldb, k);
                    }
                }
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void Dot4x2<TOps, TVec>(float* c, int ldc, float* a, int lda, float* b, int ldb, int k, bool load)
            where TOps : struct, IVectorOps<TVec>
            where TVec : unmanaged
        {
            int w = TOps.Count;
            float* a0 = a, a1 = a0 + lda, a2 = a1 + lda, a3 = a2 + lda;
            float* b0 = b, b1 = b0 + ldb;
            TVec s00 = TOps.Zero, s01 = TOps.Zero, s10 = TOps.Zero, s11 = TOps.Zero;
            TVec s20 = TOps.Zero, s21 = TOps.Zero, s30 = TOps.Zero, s31 = TOps.Zero;
            for (int p = 0; p < k; p += w)
            {
                TVec v0 = TOps.Load(b0 + p), v1 = TOps.Load(b1 + p);
                TVec u = TOps.Load(a0 + p);
                s00 = TOps.MultiplyAdd(u, v0, s00); s01 = TOps.MultiplyAdd(u, v1, s01);
                u = TOps.Load(a1 + p);
                s10 = TOps.MultiplyAdd(u, v0, s10); s11 = TOps.MultiplyAdd(u, v1, s11);
                u = TOps.Load(a2 + p);
                s20 = TOps.MultiplyAdd(u, v0, s20); s21 = TOps.MultiplyAdd(u, v1, s21);
                u = TOps.Load(a3 + p);
                s30 = TOps.MultiplyAdd(u, v0, s30); s31 = TOps.MultiplyAdd(u, v1, s31);
            }
            float* c0 = c, c1 = c0 + ldc, c2 = c1 + ldc, c3 = c2 + ldc;
            c0[0] = (load ? c0[0] : 0f) + TOps.Sum(s00); c0[1] = (load ? c0[1] : 0f) + TOps.Sum(s01);
            c1[0] = (load ? c1[0] : 0f) + TOps.Sum(s10); c1[1] = (load ? c1[1] : 0f) + TOps.Sum(s11);
            c2[0] = (load ? c2[0] : 0f) + TOps.Sum(s20); c2[1] = (load ? c2[1] : 0f) + TOps.Sum(s21);
            c3[0] = (load ? c3[0] : 0f) + TOps.Sum(s30); c3[1] = (load ? c3[1] : 0f) + TOps.Sum(s31);
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void Dot1x4<TOps, TVec>(float* c, float* a, float* b, int ldb, int k, bool load)
            where TOps : struct, IVectorOps<TVec>
            where TVec : unmanaged
        {
            int w = TOps.Count;
            float* b0 = b, b1 = b0 + ldb, b2 = b1 + ldb, b3 = b2 + ldb;
            TVec s0 = TOps.Zero, s1 = TOps.Zero, s2 = TOps.Zero, s3 = TOps.Zero;
            for (int p = 0; p < k; p += w)
            {
                TVec u = TOps.Load(a + p);
                s0 = TOps.MultiplyAdd(u, TOps.Load(b0 + p), s0);
                s1 = TOps.MultiplyAdd(u, TOps.Load(b1 + p), s1);
                s2 = TOps.MultiplyAdd(u, TOps.Load(b2 + p), s2);
                s3 = TOps.MultiplyAdd(u, TOps.Load(b3 + p), s3);
            }
            c[0] = (load ? c[0] : 0f) + TOps.Sum(s0);
            c[1] = (load ? c[1] : 0f) + TOps.Sum(s1);
            c[2] = (load ? c[2] : 0f) + TOps.Sum(s2);
            c[3] = (load ? c[3] : 0f) + TOps.Sum(s3);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static float Dot1x1<TOps, TVec>(float* a, float* b, int k)
            where TOps : struct, IVectorOps<TVec>
            where TVec : unmanaged
        {
            int w = TOps.Count;
            TVec s = TOps.Zero;
            for (int p = 0; p < k; p += w)
            {
                s = TOps.MultiplyAdd(TOps.Load(a + p), TOps.Load(b + p), s);
            }
            return TOps.Sum(s);
        }
    }
}
