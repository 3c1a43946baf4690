// Splits a vector kernel's index range between the worker pool's threads: fixed contiguous parts whose boundaries are
// multiples of 64 (or 16 for column reductions), so every element goes through the same vector width and the same
// arithmetic as in the single-thread Simd.Chain, and results are bitwise identical for every thread count.
using System;

namespace ModelGen.Kernels
{
    internal static unsafe class ParallelChain
    {
        /// <summary>
        /// Part boundaries of element-wise work: 64 floats (256 bytes, four cache lines), a multiple of every vector
        /// width, so each part but the last runs only the widest path and two threads never write one cache line.
        /// </summary>
        internal const int ElementAlignment = 64;

        /// <summary>
        /// Part boundaries of column reductions: 16 floats (one Vector512, one cache line). Finer than
        /// <see cref="ElementAlignment"/> because a bias has as few as 32 or 64 columns.
        /// </summary>
        internal const int ColumnAlignment = 16;

        /// <summary>
        /// The fewest elements per part of a streaming kernel (a few loads and one store per element), so work is split
        /// from 32,768 elements (about 5 us on one core). Measured with Relu backward on the 2-core machine: a hand-off
        /// costs about 1 us, two threads break even near 16,384 elements and give 1.37x at 32,768 and 1.65x at 65,536
        /// (see docs/performance.md).
        /// </summary>
        internal const int ElementsPerPart = 1 << 14;

        /// <summary>
        /// How many parts <paramref name="length"/> units of work split into: 1 when <see cref="Parallelism.Current"/>
        /// is 1 or the work is below two parts of <paramref name="minPerPart"/>, else at most one per thread.
        /// </summary>
        internal static int Parts(long length, long minPerPart)
        {
            int threads = Parallelism.Current;
            if (threads == 1 || length < 2 * minPerPart)
            {
                return 1;
            }
            return (int)Math.Min(threads, length / minPerPart);
        }

        /// <summary>
        /// The size of each part but the last when [0, <paramref name="length"/>) is split into <paramref name="parts"/>:
        /// rounded up to a multiple of <paramref name="alignment"/>. Returns the part count that size gives, which can be
        /// smaller than asked (never an empty part).
        /// </summary>
        internal static int PartSize(int length, int parts, int alignment, out int actualParts)
        {
            int size = (int)(((long)length + parts - 1) / parts);
            size = (int)(((long)size + alignment - 1) / alignment * alignment);
            actualParts = (int)(((long)length + size - 1) / size);
            return size;
        }

        /// <summary>
        /// How an element-wise pass over <paramref name="length"/> floats splits: the part count (1: run it whole on the
        /// calling thread) and, when above 1, <paramref name="size"/>, the floats in each part but the last (a multiple
        /// of <see cref="ElementAlignment"/>).
        /// </summary>
        internal static int ElementParts(int length, out int size)
        {
            size = length;
            int parts = Parts(length, ElementsPerPart);
            if (parts > 1)
            {
                size = PartSize(length, parts, ElementAlignment, out parts);
            }
            return parts;
        }

        /// <summary>
        /// Runs <paramref name="kernel"/> over [0, <paramref name="length"/>) as <see cref="Simd.Chain{TKernel}"/> does,
        /// split between threads when <see cref="Parallelism.Current"/> is above 1 and the range holds at least two
        /// parts of <paramref name="minPerPart"/> indices. The kernel must be element-wise in its index (each index's
        /// result depends on that index only, like an element-wise map or a column sum) and keep no results in its fields.
        /// </summary>
        internal static void Run<TKernel>(ref TKernel kernel, SimdWidth width, int length, int alignment, int minPerPart)
            where TKernel : unmanaged, IVectorKernel =>
            RunParts(ref kernel, width, length, alignment, Parts(length, minPerPart));

        /// <summary>
        /// Runs <paramref name="kernel"/> over [0, <paramref name="length"/>) in at most <paramref name="parts"/> parts
        /// whose boundaries are multiples of <paramref name="alignment"/> (a multiple of 16), on the calling thread when
        /// that leaves one part.
        /// </summary>
        internal static void RunParts<TKernel>(ref TKernel kernel, SimdWidth width, int length, int alignment, int parts)
            where TKernel : unmanaged, IVectorKernel
        {
            if (parts > 1)
            {
                int size = PartSize(length, parts, alignment, out parts);
                if (parts > 1)
                {
                    var job = new Job<TKernel> { Kernel = kernel, Width = width, Length = length, Size = size };
                    Parallelism.Run(&RunPart<TKernel>, &job, parts);
                    return;
                }
            }
            Simd.Chain(ref kernel, width, length);
        }

        /// <summary>
        /// Runs <paramref name="kernel"/> over [<paramref name="start"/>, <paramref name="end"/>) with the widths
        /// <see cref="Simd.Chain{TKernel}"/> would give that range: the longest multiple of 16 first, and so on. With
        /// <paramref name="start"/> a multiple of 16, each index gets the width it gets in the whole-range chain.
        /// </summary>
        internal static void ChainRange<TKernel>(ref TKernel kernel, SimdWidth width, int start, int end)
            where TKernel : struct, IVectorKernel
        {
            int count;
            if (width >= SimdWidth.V512 && (count = (end - start) & ~15) > 0)
            {
                kernel.Run<Ops512, System.Runtime.Intrinsics.Vector512<float>>(start, count);
                start += count;
            }
            if (width >= SimdWidth.V256 && (count = (end - start) & ~7) > 0)
            {
                kernel.Run<Ops256, System.Runtime.Intrinsics.Vector256<float>>(start, count);
                start += count;
            }
            if (width >= SimdWidth.V128 && (count = (end - start) & ~3) > 0)
            {
                kernel.Run<Ops128, System.Runtime.Intrinsics.Vector128<float>>(start, count);
                start += count;
            }
            if (start < end)
            {
                kernel.Run<OpsScalar, float>(start, end - start);
            }
        }

        /// <summary>A kernel split into parts of <c>Size</c> indices, on the caller's stack.</summary>
        private struct Job<TKernel>
            where TKernel : unmanaged, IVectorKernel
        {
            public TKernel Kernel;
            public SimdWidth Width;
            public int Length, Size;
        }

        /// <summary>Part <paramref name="part"/>: indices [part * Size, min(Length, (part + 1) * Size)).</summary>
        private static void RunPart<TKernel>(void* context, int part)
            where TKernel : unmanaged, IVectorKernel
        {
            ref Job<TKernel> job = ref *(Job<TKernel>*)context;
            TKernel kernel = job.Kernel;
            int start = part * job.Size;
            ChainRange(ref kernel, job.Width, start, Math.Min(job.Length, start + job.Size));
        }
    }
}
