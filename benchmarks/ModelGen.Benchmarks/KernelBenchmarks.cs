// Kernel micro-benchmarks at the tutorial CNN's shapes (batch 64), in GFLOP/s and as a share of an FMA peak measured
// in the same run by independent Vector512 FMA chains held in registers; and the time one core takes only to read the
// kernels that a batch-1 prediction streams, the floor under that prediction whatever its arithmetic.
using System;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using BenchmarkDotNet.Attributes;
using ModelGen.Kernels;

namespace ModelGen.Benchmarks;

/// <summary>GEMM and Conv2D kernels next to the single-core FMA peak.</summary>
[MemoryDiagnoser]
public class KernelBenchmarks
{
    // Peak: 16 chains x 16 lanes x 2 FLOPs x PeakSteps. 16 chains cover 4 cycles of FMA latency on 2 (or 4) pipes.
    private const int PeakSteps = 1 << 16;
    private const double PeakFlops = 16.0 * 16 * 2 * PeakSteps;

    // fc1 at batch 64: [64 x 3136] x [3136 x 1024].
    private const int Fm = 64, Fk = 3136, Fn = 1024;
    private const double FcFlops = 2.0 * Fm * Fk * Fn;

    // The kernels a batch-1 prediction reads whole: the MLP's first layer (784 x 256, 784 KiB: stays in L2 between
    // reads) and fc1 (3136 x 1024, 12.25 MiB: streams from L3).
    private const int MlpKernelFloats = 784 * 256, Fc1KernelFloats = Fk * Fn;

    // The tutorial convolutions at batch 64; conv2's backward computes dKernel and dx (2 GEMMs of its forward size).
    private const int ConvBatch = 64;
    private const double Conv1Flops = 2.0 * ConvBatch * 28 * 28 * 32 * 25;
    private const double Conv2Flops = 2.0 * ConvBatch * 14 * 14 * 64 * 800;

    private static readonly Conv2DGeometry Conv1 = new(28, 28, 1, 28, 28, 32, 5, 5, 1, 1, 2, 2);
    private static readonly Conv2DGeometry Conv2 = new(14, 14, 32, 14, 14, 64, 5, 5, 1, 1, 2, 2);

    // Every operand starts on a 64-byte boundary, as in a generated model's arenas: a float[] starts wherever the GC put
    // it, and rows that straddle cache lines made some rows (fc1's input gradient) read up to a third slower, varying
    // from run to run with the arrays' placement.
    private AlignedBuffer fcX = null!, fcW = null!, fcY = null!, fcDy = null!, fcDx = null!, fcDw = null!;
    private AlignedBuffer x1 = null!, k1 = null!, b1 = null!, y1 = null!, dk1 = null!, db1 = null!;
    private AlignedBuffer x2 = null!, k2 = null!, b2 = null!, y2 = null!, dx2 = null!, dk2 = null!, db2 = null!;
    private AlignedBuffer columns = null!;
    private AlignedBuffer mlpKernel = null!;

    /// <summary>Fills every operand with deterministic data.</summary>
    [GlobalSetup]
    public void Setup()
    {
        fcX = Data.AlignedUniform(Fm * Fk, 1); fcW = Data.AlignedUniform(Fk * Fn, 2); fcY = new AlignedBuffer(Fm * Fn);
        fcDy = Data.AlignedUniform(Fm * Fn, 3); fcDx = new AlignedBuffer(Fm * Fk); fcDw = new AlignedBuffer(Fk * Fn);
        x1 = Data.AlignedUniform(ConvBatch * 28 * 28, 4); k1 = Data.AlignedUniform(25 * 32, 5); b1 = Data.AlignedUniform(32, 6);
        y1 = new AlignedBuffer(ConvBatch * 28 * 28 * 32); dk1 = new AlignedBuffer(k1.Length); db1 = new AlignedBuffer(32);
        x2 = Data.AlignedUniform(ConvBatch * 14 * 14 * 32, 7); k2 = Data.AlignedUniform(800 * 64, 8); b2 = Data.AlignedUniform(64, 9);
        y2 = new AlignedBuffer(ConvBatch * 14 * 14 * 64); dx2 = new AlignedBuffer(x2.Length); dk2 = new AlignedBuffer(k2.Length);
        db2 = new AlignedBuffer(64);
        columns = new AlignedBuffer(Math.Max(Conv1.ColumnsLength, Conv2.ColumnsLength));
        mlpKernel = Data.AlignedUniform(MlpKernelFloats, 10);
    }

    /// <summary>The FP32 FMA peak of one core: 16 independent Vector512 FMA chains, no memory traffic.</summary>
    [Benchmark, Flops(PeakFlops)]
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public float FmaPeak()
    {
        Vector512<float> m = Vector512.Create(0.9999f), c = Vector512.Create(1e-4f);
        Vector512<float> a0 = Vector512.Create(0.10f), a1 = Vector512.Create(0.11f), a2 = Vector512.Create(0.12f), a3 = Vector512.Create(0.13f);
        Vector512<float> a4 = Vector512.Create(0.14f), a5 = Vector512.Create(0.15f), a6 = Vector512.Create(0.16f), a7 = Vector512.Create(0.17f);
        Vector512<float> a8 = Vector512.Create(0.18f), a9 = Vector512.Create(0.19f), aa = Vector512.Create(0.20f), ab = Vector512.Create(0.21f);
        Vector512<float> ac = Vector512.Create(0.22f), ad = Vector512.Create(0.23f), ae = Vector512.Create(0.24f), af = Vector512.Create(0.25f);
        for (int i = 0; i < PeakSteps; i++)
        {
            a0 = Vector512.FusedMultiplyAdd(a0, m, c); a1 = Vector512.FusedMultiplyAdd(a1, m, c);
            a2 = Vector512.FusedMultiplyAdd(a2, m, c); a3 = Vector512.FusedMultiplyAdd(a3, m, c);
            a4 = Vector512.FusedMultiplyAdd(a4, m, c); a5 = Vector512.FusedMultiplyAdd(a5, m, c);
            a6 = Vector512.FusedMultiplyAdd(a6, m, c); a7 = Vector512.FusedMultiplyAdd(a7, m, c);
            a8 = Vector512.FusedMultiplyAdd(a8, m, c); a9 = Vector512.FusedMultiplyAdd(a9, m, c);
            aa = Vector512.FusedMultiplyAdd(aa, m, c); ab = Vector512.FusedMultiplyAdd(ab, m, c);
            ac = Vector512.FusedMultiplyAdd(ac, m, c); ad = Vector512.FusedMultiplyAdd(ad, m, c);
            ae = Vector512.FusedMultiplyAdd(ae, m, c); af = Vector512.FusedMultiplyAdd(af, m, c);
        }
        Vector512<float> sum = ((a0 + a1) + (a2 + a3)) + ((a4 + a5) + (a6 + a7)) + ((a8 + a9) + (aa + ab)) + ((ac + ad) + (ae + af));
        return Vector512.Sum(sum);
    }

    /// <summary>
    /// Reads the MLP's first-layer kernel once (802,816 bytes, from L2 when run back to back): the least time a batch-1
    /// prediction on an input without zeros can take, as it reads every weight of that layer.
    /// </summary>
    [Benchmark, Bytes(MlpKernelFloats * sizeof(float))]
    public float ReadMlpKernel() => Read(mlpKernel.Span);

    /// <summary>Reads fc1's kernel once (12,845,056 bytes, from L3): the floor under the CNN's batch-1 fc1 product.</summary>
    [Benchmark, Bytes(Fc1KernelFloats * sizeof(float))]
    public float ReadFc1Kernel() => Read(fcW.Span);

    /// <summary>
    /// The sum of <paramref name="values"/> (a multiple of 128 floats, 64-byte aligned): eight independent Vector512
    /// chains of adds, enough to keep two loads per cycle in flight, so that memory, not arithmetic, sets the time.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe float Read(Span<float> values)
    {
        Vector512<float> s0 = default, s1 = default, s2 = default, s3 = default, s4 = default, s5 = default, s6 = default, s7 = default;
        fixed (float* start = values)
        {
            for (float* p = start, end = start + values.Length; p < end; p += 128)
            {
                s0 += Vector512.LoadAligned(p); s1 += Vector512.LoadAligned(p + 16);
                s2 += Vector512.LoadAligned(p + 32); s3 += Vector512.LoadAligned(p + 48);
                s4 += Vector512.LoadAligned(p + 64); s5 += Vector512.LoadAligned(p + 80);
                s6 += Vector512.LoadAligned(p + 96); s7 += Vector512.LoadAligned(p + 112);
            }
        }
        return Vector512.Sum(((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7)));
    }

    /// <summary>fc1 forward: C = A B, [64 x 3136] x [3136 x 1024].</summary>
    [Benchmark, Flops(FcFlops)]
    public void GemmFc1Forward() => Gemm.Multiply(fcY.Span, fcX.Span, fcW.Span, Fm, Fk, Fn, accumulate: false);

    /// <summary>fc1 input gradient: dX = dY W^T, [64 x 1024] x [1024 x 3136].</summary>
    [Benchmark, Flops(FcFlops)]
    public void GemmFc1InputGradient() => Gemm.MultiplyTransposedB(fcDx.Span, fcDy.Span, fcW.Span, Fm, Fn, Fk, accumulate: false);

    /// <summary>fc1 kernel gradient: dW = X^T dY, [3136 x 64] x [64 x 1024].</summary>
    [Benchmark, Flops(FcFlops)]
    public void GemmFc1KernelGradient() => Gemm.MultiplyTransposedA(fcDw.Span, fcX.Span, fcDy.Span, Fk, Fm, Fn, accumulate: false);

    /// <summary>conv1 forward (5x5, 1 -> 32 channels, 28x28 SAME, ReLU) on 64 samples.</summary>
    [Benchmark, Flops(Conv1Flops)]
    public void Conv1Forward() => Conv2D.Forward(y1.Span, columns.Span, x1.Span, k1.Span, b1.Span, ConvBatch, Conv1, Activation.Relu, 0f);

    /// <summary>conv1 backward as a first layer: dKernel and dBias only (no dx), on 64 samples.</summary>
    [Benchmark, Flops(Conv1Flops)]
    public void Conv1Backward() => Conv2D.Backward(Span<float>.Empty, dk1.Span, db1.Span, columns.Span, y1.Span, x1.Span, k1.Span, ConvBatch, Conv1);

    /// <summary>conv2 forward (5x5, 32 -> 64 channels, 14x14 SAME, ReLU) on 64 samples.</summary>
    [Benchmark, Flops(Conv2Flops)]
    public void Conv2Forward() => Conv2D.Forward(y2.Span, columns.Span, x2.Span, k2.Span, b2.Span, ConvBatch, Conv2, Activation.Relu, 0f);

    /// <summary>conv2 backward: dKernel, dBias and dx on 64 samples (two products of the forward's size).</summary>
    [Benchmark, Flops(2 * Conv2Flops)]
    public void Conv2Backward() => Conv2D.Backward(dx2.Span, dk2.Span, db2.Span, columns.Span, y2.Span, x2.Span, k2.Span, ConvBatch, Conv2);
}
