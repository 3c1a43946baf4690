// Column sums of a row-major matrix (bias gradients), vectorized across columns with four rows in flight.
using System;

namespace ModelGen.Kernels
{
    internal static unsafe class Reduce
    {
        /// <summary>
        /// <c>sums[j] += sum_r matrix[r * cols + j]</c> for a [rows x cols] matrix. A large matrix is split between
        /// threads by columns (16-column boundaries), each column summed by one thread in the single-thread order.
        /// </summary>
        internal static void AddColumnSums(SimdWidth width, float* sums, float* matrix, int rows, int cols)
        {
            var kernel = new ColumnSumKernel { Sums = sums, Matrix = matrix, Rows = rows, Cols = cols };
            int parts = Math.Min(ParallelChain.Parts((long)rows * cols, ParallelChain.ElementsPerPart), cols / ParallelChain.ColumnAlignment);
            ParallelChain.RunParts(ref kernel, width, cols, ParallelChain.ColumnAlignment, parts);
        }

        private struct ColumnSumKernel : IVectorKernel
        {
            public float* Sums, Matrix;
            public int Rows, Cols;

            public void Run<TOps, TVec>(int start, int count)
                where TOps : struct, IVectorOps<TVec>
                where TVec : unmanaged
            {
                // One pass over the rows per pair of vectors of columns (a 32-channel bias gradient in one pass, not one per
                // vector). Every column has four partial sums over rows r mod 4, added as (0 + 1) + (2 + 3), in pairs and
                // alone alike, so a column's sum does not depend on how the columns were split between threads; the
                // partial sums break the add latency chain and keep rounding errors from growing with the rows.
                int w = TOps.Count, end = start + count, j = start;
                for (; j + 2 * w <= end; j += 2 * w) Sum2<TOps, TVec>(j);
                for (; j < end; j += w) Sum1<TOps, TVec>(j);
            }

            private readonly void Sum2<TOps, TVec>(int j)
                where TOps : struct, IVectorOps<TVec>
                where TVec : unmanaged
            {
                int w = TOps.Count, rows = Rows;
                long stride = Cols;
                TVec a0 = TOps.Zero, a1 = TOps.Zero, b0 = TOps.Zero, b1 = TOps.Zero;
                TVec c0 = TOps.Zero, c1 = TOps.Zero, d0 = TOps.Zero, d1 = TOps.Zero;
                float* p = Matrix + j;
                int r = 0;
                for (; r + 4 <= rows; r += 4, p += 4 * stride)
                {
                    a0 = TOps.Add(a0, TOps.Load(p)); a1 = TOps.Add(a1, TOps.Load(p + w));
                    b0 = TOps.Add(b0, TOps.Load(p + stride)); b1 = TOps.Add(b1, TOps.Load(p + stride + w));
                    c0 = TOps.Add(c0, TOps.Load(p + 2 * stride)); c1 = TOps.Add(c1, TOps.Load(p + 2 * stride + w));
                    d0 = TOps.Add(d0, TOps.Load(p + 3 * stride)); d1 = TOps.Add(d1, TOps.Load(p + 3 * stride + w));
                }
                for (; r < rows; r++, p += stride)
                {
                    a0 = TOps.Add(a0, TOps.Load(p)); a1 = TOps.Add(a1, TOps.Load(p + w));
                }
                float* sums = Sums + j;
                TOps.Store(sums, TOps.Add(TOps.Load(sums), TOps.Add(TOps.Add(a0, b0), TOps.Add(c0, d0))));
                TOps.Store(sums + w, TOps.Add(TOps.Load(sums + w), TOps.Add(TOps.Add(a1, b1), TOps.Add(c1, d1))));
            }

            private readonly void Sum1<TOps, TVec>(int j)
                where TOps : struct, IVectorOps<TVec>
                where TVec : unmanaged
            {
                int rows = Rows;
                long stride = Cols;
                TVec s0 = TOps.Zero, s1 = TOps.Zero, s2 = TOps.Zero, s3 = TOps.Zero;
                float* p = Matrix + j;
                int r = 0;
                for (; r + 4 <= rows; r += 4, p += 4 * stride)
                {
                    s0 = TOps.Add(s0, TOps.Load(p));
                    s1 = TOps.Add(s1, TOps.Load(p + stride));
                    s2 = TOps.Add(s2, TOps.Load(p + 2 * stride));
                    s3 = TOps.Add(s3, TOps.Load(p + 3 * stride));
                }
                for (; r < rows; r++, p += stride)
                {
                    s0 = TOps.Add(s0, TOps.Load(p));
                }
                TOps.Store(Sums + j, TOps.Add(TOps.Load(Sums + j), TOps.Add(TOps.Add(s0, s1), TOps.Add(s2, s3))));
            }
        }
    }
}
