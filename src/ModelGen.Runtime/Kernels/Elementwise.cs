// Small vector loops shared by several kernels (row max, exp-sum, scale, dot, add), each chained across widths.
namespace ModelGen.Kernels
{
    internal static unsafe class Elementwise
    {
        /// <summary><c>destination[i] += source[i]</c>.</summary>
        internal static void AddInPlace(SimdWidth width, float* destination, float* source, int length)
        {
            var kernel = new AddKernel { Destination = destination, Source = source };
            Simd.Chain(ref kernel, width, length);
        }

        /// <summary>The largest of <c>x[0..length)</c>.</summary>
        internal static float Max(SimdWidth width, float* x, int length)
        {
            var kernel = new MaxKernel { X = x, Result = float.NegativeInfinity };
            Simd.Chain(ref kernel, width, length);
            return kernel.Result;
        }

        /// <summary><c>sum_i exp(x[i] - shift)</c>, also storing each term into <paramref name="y"/> unless it is null (y may be x).</summary>
        internal static float ExpSum(SimdWidth width, float* y, float* x, float shift, int length)
        {
            var kernel = new ExpSumKernel { Y = y, X = x, Shift = shift };
            Simd.Chain(ref kernel, width, length);
            return kernel.Result;
        }

        /// <summary><c>y[i] = x[i] * factor</c> (y may be x).</summary>
        internal static void Scale(SimdWidth width, float* y, float* x, float factor, int length)
        {
            var kernel = new ScaleKernel { Y = y, X = x, Factor = factor };
            Simd.Chain(ref kernel, width, length);
        }

        /// <summary><c>sum_i a[i] b[i]</c>.</summary>
        internal static float Dot(SimdWidth width, float* a, float* b, int length)
        {
            var kernel = new DotKernel { A = a, B = b };
            Simd.Chain(ref kernel, width, length);
            return kernel.Result;
        }

        /// <summary><c>y[i] = a[i] * b[i]</c> (y may be a or b), split between threads when large (see <see cref="ParallelChain"/>).</summary>
        internal static void Multiply(SimdWidth width, float* y, float* a, float* b, int length)
        {
            var kernel = new MultiplyKernel { Y = y, A = a, B = b };
            ParallelChain.Run(ref kernel, width, length, ParallelChain.ElementAlignment, ParallelChain.ElementsPerPart);
        }

        private struct MultiplyKernel : IVectorKernel
        {
            public float* Y, A, B;

            public void Run<TOps, TVec>(int start, int count)
                where TOps : struct, IVectorOps<TVec>
                where TVec : unmanaged
            {
                int w = TOps.Count;
                float* y = Y + start, a = A + start, b = B + start;
                for (int i = 0; i < count; i += w)
                {
                    TOps.Store(y + i, TOps.Multiply(TOps.Load(a + i), TOps.Load(b + i)));
                }
            }
        }

        private struct AddKernel : IVectorKernel
        {
            public float* Destination, Source;

            public void Run<TOps, TVec>(int start, int count)
                where TOps : struct, IVectorOps<TVec>
                where TVec : unmanaged
            {
                int w = TOps.Count;
                float* d = Destination + start, s = Source + start;
                for (int i = 0; i < count; i += w)
                {
                    TOps.Store(d + i, TOps.Add(TOps.Load(d + i), TOps.Load(s + i)));
                }
            }
        }

        private struct MaxKernel : IVectorKernel
        {
            public float* X;
            public float Result;

            public void Run<TOps, TVec>(int start, int count)
                where TOps : struct, IVectorOps<TVec>
                where TVec : unmanaged
            {
                int w = TOps.Count;
                float* x = X + start;
                TVec m = TOps.Load(x);
                for (int i = w; i < count; i += w)
                {
                    m = TOps.Max(m, TOps.Load(x + i));
                }
                float part = TOps.MaxAcross(m);
                Result = part > Result ? part : Result;
            }
        }

        private struct ExpSumKernel : IVectorKernel
        {
            public float* Y, X;
            public float Shift, Result;

            public void Run<TOps, TVec>(int start, int count)
                where TOps : struct, IVectorOps<TVec>
                where TVec : unmanaged
            {
                int w = TOps.Count;
                float* x = X + start;
                TVec shift = TOps.Broadcast(Shift);
                TVec sum = TOps.Zero;
                if (Y == null)
                {
                    for (int i = 0; i < count; i += w)
                    {
                        sum = TOps.Add(sum, VectorMath.Exp<TOps, TVec>(TOps.Subtract(TOps.Load(x + i), shift)));
                    }
                }
                else
                {
                    float* y = Y + start;
                    for (int i = 0; i < count; i += w)
                    {
                        TVec e = VectorMath.Exp<TOps, TVec>(TOps.Subtract(TOps.Load(x + i), shift));
                        TOps.Store(y + i, e);
                        sum = TOps.Add(sum, e);
                    }
                }
                Result += TOps.Sum(sum);
            }
        }

        private struct ScaleKernel : IVectorKernel
        {
            public float* Y, X;
            public float Factor;

            public void Run<TOps, TVec>(int start, int count)
                where TOps : struct, IVectorOps<TVec>
                where TVec : unmanaged
            {
                int w = TOps.Count;
                float* x = X + start, y = Y + start;
                TVec factor = TOps.Broadcast(Factor);
                for (int i = 0; i < count; i += w)
                {
                    TOps.Store(y + i, TOps.Multiply(TOps.Load(x + i), factor));
                }
            }
        }

        private struct DotKernel : IVectorKernel
        {
            public float* A, B;
            public float Result;

            public void Run<TOps, TVec>(int start, int count)
                where TOps : struct, IVectorOps<TVec>
                where TVec : unmanaged
            {
                int w = TOps.Count;
                float* a = A + start, b = B + start;
                TVec s = TOps.Zero;
                for (int i = 0; i < count; i += w)
                {
                    s = TOps.MultiplyAdd(TOps.Load(a + i), TOps.Load(b + i), s);
                }
                Result += TOps.Sum(s);
            }
        }
    }
}
