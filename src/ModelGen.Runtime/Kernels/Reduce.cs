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
                int w = TOps.Count;
                long stride = Cols;
                for (int j = start; j < start + count; j += w)
                {
                    // Four partial sums break the add latency chain and keep rounding errors from growing with rows.
                    TVec s0 = TOps.Zero, s1 = TOps.Zero, s2 = TOps.Zero, s3 = TOps.Zero;
                    float* p = Matrix + j;
                    int r = 0;
                    for (; r + 4 <= Rows; r += 4)
                    {
                        s0 = TOps.Add(s0, TOps.Load(p));
                        s1 = TOps.Add(s1, TOps.Load(p + stride));
                        s2 = TOps.Add(s2, TOps.Load(p + 2 * stride));
                        s3 = TOps.Add(s3, TOps.Load(p + 3 * stride));
                        p += 4 * stride;
                    }
                    for (; r < Rows; r++)
                    {
                        s0 = TOps.Add(s0, TOps.Load(p));
                        p += stride;
                    }
                    TVec total = TOps.Add(TOps.Add(s0, s1), TOps.Add(s2, s3));
                    TOps.Store(Sums + j, TOps.Add(TOps.Load(Sums + j), total));
                }
            }
        }
    }
}
