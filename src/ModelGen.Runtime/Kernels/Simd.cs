// Vector-width plumbing: each kernel body is written once, generic over a vector type, and the JIT specializes it
// for Vector512, Vector256, Vector128 and plain float; Chain runs a range with the widest path and its tail with narrower ones.
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace ModelGen.Kernels
{
    /// <summary>The widest vector path a kernel may use; the value is the number of floats per vector.</summary>
    internal enum SimdWidth
    {
        /// <summary>Plain float code (still register-blocked).</summary>
        Scalar = 1,

        /// <summary><see cref="Vector128{T}"/>, 4 floats.</summary>
        V128 = 4,

        /// <summary><see cref="Vector256{T}"/>, 8 floats.</summary>
        V256 = 8,

        /// <summary><see cref="Vector512{T}"/>, 16 floats.</summary>
        V512 = 16,
    }

    /// <summary>
    /// A kernel body over a range whose length is a multiple of <c>TOps.Count</c>. A struct, so that
    /// <see cref="Simd.Chain{TKernel}"/> calls an exact, specialized instantiation per width (no dispatch, no boxing).
    /// </summary>
    internal interface IVectorKernel
    {
        /// <summary>Processes elements [<paramref name="start"/>, <paramref name="start"/> + <paramref name="count"/>).</summary>
        void Run<TOps, TVec>(int start, int count)
            where TOps : struct, IVectorOps<TVec>
            where TVec : unmanaged;
    }

    /// <summary>Chooses the vector path and splits ranges between widths.</summary>
    internal static class Simd
    {
        /// <summary>The widest path the hardware accelerates (AVX-512 on Zen 4/5 and recent Xeons).</summary>
        internal static readonly SimdWidth Best =
            Vector512.IsHardwareAccelerated ? SimdWidth.V512 :
            Vector256.IsHardwareAccelerated ? SimdWidth.V256 :
            Vector128.IsHardwareAccelerated ? SimdWidth.V128 : SimdWidth.Scalar;

        /// <summary>
        /// Runs <paramref name="kernel"/> over [0, <paramref name="length"/>): the longest prefix that is a multiple of
        /// 16 with Vector512 (when <paramref name="width"/> allows), then what is left in multiples of 8, then 4, then
        /// the last 0-3 elements as floats. A tail therefore costs at most three narrower passes, never a scalar loop of 15.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        internal static void Chain<TKernel>(ref TKernel kernel, SimdWidth width, int length)
            where TKernel : struct, IVectorKernel
        {
            int start = 0, count;
            if (width >= SimdWidth.V512 && (count = length & ~15) > 0)
            {
                kernel.Run<Ops512, Vector512<float>>(start, count);
                start += count;
            }
            if (width >= SimdWidth.V256 && (count = (length - start) & ~7) > 0)
            {
                kernel.Run<Ops256, Vector256<float>>(start, count);
                start += count;
            }
            if (width >= SimdWidth.V128 && (count = (length - start) & ~3) > 0)
            {
                kernel.Run<Ops128, Vector128<float>>(start, count);
                start += count;
            }
            if (start < length)
            {
                kernel.Run<OpsScalar, float>(start, length - start);
            }
        }
    }
}
