// Reference twin of Kernels.Gemm: the three products written straight from their definitions (double sums).
using System;

namespace ModelGen.Kernels.Reference
{
    internal static class Gemm
    {
        /// <summary>C[i, j] (+)= sum_p A[i, p] B[p, j]; A [m x k], B [k x n].</summary>
        internal static void Multiply(Span<float> c, ReadOnlySpan<float> a, ReadOnlySpan<float> b, int m, int k, int n, bool accumulate)
        {
            for (int i = 0; i < m; i++)
            {
                for (int j = 0; j < n; j++)
                {
                    double sum = accumulate ? c[i * n + j] : 0.0;
                    for (int p = 0; p < k; p++) sum += (double)a[i * k + p] * b[p * n + j];
                    c[i * n + j] = (float)sum;
                }
            }
        }

        /// <summary>C[i, j] (+)= sum_p A[i, p] B[j, p]; A [m x k], B [n x k].</summary>
        internal static void MultiplyTransposedB(Span<float> c, ReadOnlySpan<float> a, ReadOnlySpan<float> b, int m, int k, int n, bool accumulate)
        {
            for (int i = 0; i < m; i++)
            {
                for (int j = 0; j < n; j++)
                {
                    double sum = accumulate ? c[i * n + j] : 0.0;
                    for (int p = 0; p < k; p++) sum += (double)a[i * k + p] * b[j * k + p];
                    c[i * n + j] = (float)sum;
                }
            }
        }

        /// <summary>C[i, j] (+)= sum_p A[p, i] B[p, j]; A [k x m], B [k x n].</summary>
        internal static void MultiplyTransposedA(Span<float> c, ReadOnlySpan<float> a, ReadOnlySpan<float> b, int m, int k, int n, bool accumulate)
        {
            for (int i = 0; i < m; i++)
            {
                for (int j = 0; j < n; j++)
                {
                    double sum = accumulate ? c[i * n + j] : 0.0;
                    for (int p = 0; p < k; p++) sum += (double)a[p * m + i] * b[p * n + j];
                    c[i * n + j] = (float)sum;
                }
            }
        }
    }
}
