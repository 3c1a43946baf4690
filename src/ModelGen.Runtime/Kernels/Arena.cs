// Whole-arena passes of a training step that have no kernel of their own: clearing the gradient arena before the
// backward pass accumulates into it, split between the worker pool's threads when it is large.
using System;

namespace ModelGen.Kernels
{
    /// <summary>Operations on a whole arena (a model's gradients or activations), split between threads when large.</summary>
    public static unsafe class Arena
    {
        /// <summary>
        /// Sets every element of <paramref name="values"/> to +0, as <see cref="Span{T}.Clear"/>; with more
        /// than one thread in force on the calling thread (<see cref="Parallelism.Use"/>, else
        /// <see cref="Parallelism.ThreadCount"/>) and at least 32,768 floats, as fixed 64-float-aligned parts on
        /// the worker pool. Generated models clear their gradient arena with it before each backward pass.
        /// </summary>
        /// <param name="values">The floats to clear, any length (an empty span does nothing).</param>
        public static void Clear(Span<float> values)
        {
            int parts = ParallelChain.ElementParts(values.Length, out int size);
            if (parts <= 1)
            {
                values.Clear();
                return;
            }
            fixed (float* p = values)
            {
                var job = new ClearJob { Values = p, Length = values.Length, Size = size };
                Parallelism.Run(&ClearPart, &job, parts);
            }
        }

        /// <summary>A split clear, on the caller's stack.</summary>
        private struct ClearJob
        {
            public float* Values;
            public int Length, Size;
        }

        /// <summary>Part <paramref name="part"/>: indices [part * Size, min(Length, (part + 1) * Size)).</summary>
        private static void ClearPart(void* context, int part)
        {
            ref ClearJob job = ref *(ClearJob*)context;
            int start = part * job.Size;
            new Span<float>(job.Values + start, Math.Min(job.Size, job.Length - start)).Clear();
        }
    }
}
