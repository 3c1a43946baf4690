// Batch normalization over the last axis of a [rows x channels] view (rows = batch*H*W in NHWC), vectorized across
// channels: each block of channels is reduced over all rows in registers, then normalized in a second sweep. Large
// views split their channels between the worker pool's threads in groups of 16.
using System;

namespace ModelGen.Kernels
{
    /// <summary>Batch normalization (Ioffe and Szegedy), with Keras' conventions for the moving statistics.</summary>
    public static unsafe class BatchNorm
    {
        /// <summary>
        /// Inference: <c>y = gamma (x - movingMean) / sqrt(movingVariance + epsilon) + beta</c> per channel. An empty
        /// <paramref name="gamma"/> means 1 (Keras <c>scale=False</c>), an empty <paramref name="beta"/> means 0 (<c>center=False</c>).
        /// <paramref name="y"/> may be the same memory as <paramref name="x"/>.
        /// </summary>
        /// <exception cref="ArgumentException">A span's length does not match the sizes.</exception>
        /// <exception cref="ArgumentOutOfRangeException">A size is not positive or <paramref name="epsilon"/> is negative.</exception>
        public static void Inference(Span<float> y, ReadOnlySpan<float> x, ReadOnlySpan<float> gamma, ReadOnlySpan<float> beta,
                                     ReadOnlySpan<float> movingMean, ReadOnlySpan<float> movingVariance, int rows, int channels, float epsilon) =>
            Inference(y, x, gamma, beta, movingMean, movingVariance, rows, channels, epsilon, Simd.Best);

        /// <summary>
        /// Training: normalizes with the batch mean and the biased batch variance (divided by <paramref name="rows"/>),
        /// caches <c>xhat</c> in <paramref name="normalized"/> and <c>1 / sqrt(var + epsilon)</c> in
        /// <paramref name="inverseStd"/> for <see cref="Backward(Span{float}, Span{float}, Span{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, int, int)"/>,
        /// writes <c>y = gamma xhat + beta</c>, and updates <c>moving = moving * momentum + batch * (1 - momentum)</c> with the
        /// biased variance, as Keras' <c>BatchNormalization</c> (momentum 0.99 there, 0.999 in <c>tf.contrib.layers.batch_norm</c>).
        /// </summary>
        /// <exception cref="ArgumentException">A span's length does not match the sizes.</exception>
        /// <exception cref="ArgumentOutOfRangeException">A size is not positive, <paramref name="momentum"/> is outside [0, 1] or
        /// <paramref name="epsilon"/> is negative.</exception>
        public static void TrainingForward(Span<float> y, Span<float> normalized, Span<float> inverseStd, Span<float> movingMean,
                                           Span<float> movingVariance, ReadOnlySpan<float> x, ReadOnlySpan<float> gamma, ReadOnlySpan<float> beta,
                                           int rows, int channels, float momentum, float epsilon) =>
            TrainingForward(y, normalized, inverseStd, movingMean, movingVariance, x, gamma, beta, rows, channels, momentum, epsilon, Simd.Best);

        /// <summary>
        /// Gradients through a training-mode batch norm: <c>dGamma += sum(dy xhat)</c>, <c>dBeta += sum(dy)</c> (each skipped
        /// when empty), and (skipped when dx is empty) <c>dx = gamma invStd / N (N dy - sum(dy) - xhat sum(dy xhat))</c>, N = rows, overwritten.
        /// An empty <paramref name="gamma"/> means 1.
        /// </summary>
        /// <exception cref="ArgumentException">A span's length does not match the sizes.</exception>
        /// <exception cref="ArgumentOutOfRangeException">A size is not positive.</exception>
        public static void Backward(Span<float> dx, Span<float> dGamma, Span<float> dBeta, ReadOnlySpan<float> dy, ReadOnlySpan<float> normalized,
                                    ReadOnlySpan<float> inverseStd, ReadOnlySpan<float> gamma, int rows, int channels) =>
            Backward(dx, dGamma, dBeta, dy, normalized, inverseStd, gamma, rows, channels, Simd.Best);

        internal static void Inference(Span<float> y, ReadOnlySpan<float> x, ReadOnlySpan<float> gamma, ReadOnlySpan<float> beta,
                                       ReadOnlySpan<float> movingMean, ReadOnlySpan<float> movingVariance, int rows, int channels, float epsilon,
                                       SimdWidth width)
        {
            CheckSizes(rows, channels);
            CheckEpsilon(epsilon);
            long length = (long)rows * channels;
            Check.Length(y.Length, length, nameof(y));
            Check.Length(x.Length, length, nameof(x));
            Check.LengthOrEmpty(gamma.Length, channels, nameof(gamma));
            Check.LengthOrEmpty(beta.Length, channels, nameof(beta));
            Check.Length(movingMean.Length, channels, nameof(movingMean));
            Check.Length(movingVariance.Length, channels, nameof(movingVariance));
            fixed (float* py = y, px = x, pg = gamma, pb = beta, pm = movingMean, pv = movingVariance)
            {
                var kernel = new Kernel
                {
                    Mode = Mode.Inference, Y = py, X = px, Gamma = gamma.IsEmpty ? null : pg, Beta = beta.IsEmpty ? null : pb,
                    Mean = pm, Variance = pv, Rows = rows, Channels = channels, Epsilon = epsilon,
                };
                RunChannels(ref kernel, width, rows, channels);
            }
        }

        internal static void TrainingForward(Span<float> y, Span<float> normalized, Span<float> inverseStd, Span<float> movingMean,
                                             Span<float> movingVariance, ReadOnlySpan<float> x, ReadOnlySpan<float> gamma, ReadOnlySpan<float> beta,
                                             int rows, int channels, float momentum, float epsilon, SimdWidth width)
        {
            CheckSizes(rows, channels);
            CheckEpsilon(epsilon);
            if (!(momentum >= 0f && momentum <= 1f))
            {
                throw new ArgumentOutOfRangeException(nameof(momentum), momentum, $"momentum must be in [0, 1], but is {momentum}.");
            }
            long length = (long)rows * channels;
            Check.Length(y.Length, length, nameof(y));
            Check.Length(normalized.Length, length, nameof(normalized));
            Check.Length(inverseStd.Length, channels, nameof(inverseStd));
            Check.Length(movingMean.Length, channels, nameof(movingMean));
            Check.Length(movingVariance.Length, channels, nameof(movingVariance));
            Check.Length(x.Length, length, nameof(x));
            Check.LengthOrEmpty(gamma.Length, channels, nameof(gamma));
            Check.LengthOrEmpty(beta.Length, channels, nameof(beta));
            fixed (float* py = y, pn = normalized, ps = inverseStd, pm = movingMean, pv = movingVariance, px = x, pg = gamma, pb = beta)
            {
                var kernel = new Kernel
                {
                    Mode = Mode.Training, Y = py, Normalized = pn, InverseStd = ps, Mean = pm, Variance = pv, X = px,
                    Gamma = gamma.IsEmpty ? null : pg, Beta = beta.IsEmpty ? null : pb, Rows = rows, Channels = channels,
                    Momentum = momentum, Epsilon = epsilon,
                };
                RunChannels(ref kernel, width, rows, channels);
            }
        }

        internal static void Backward(Span<float> dx, Span<float> dGamma, Span<float> dBeta, ReadOnlySpan<float> dy, ReadOnlySpan<float> normalized,
                                      ReadOnlySpan<float> inverseStd, ReadOnlySpan<float> gamma, int rows, int channels, SimdWidth width)
        {
            CheckSizes(rows, channels);
            long length = (long)rows * channels;
            Check.LengthOrEmpty(dx.Length, length, nameof(dx));
            Check.LengthOrEmpty(dGamma.Length, channels, nameof(dGamma));
            Check.LengthOrEmpty(dBeta.Length, channels, nameof(dBeta));
            Check.Length(dy.Length, length, nameof(dy));
            Check.Length(normalized.Length, length, nameof(normalized));
            Check.Length(inverseStd.Length, channels, nameof(inverseStd));
            Check.LengthOrEmpty(gamma.Length, channels, nameof(gamma));
            fixed (float* pdx = dx, pdg = dGamma, pdb = dBeta, pdy = dy, pn = normalized, ps = inverseStd, pg = gamma)
            {
                var kernel = new Kernel
                {
                    Mode = Mode.Backward, Y = dx.IsEmpty ? null : pdx, DGamma = dGamma.IsEmpty ? null : pdg, DBeta = dBeta.IsEmpty ? null : pdb,
                    X = pdy, Normalized = pn, InverseStd = ps, Gamma = gamma.IsEmpty ? null : pg, Rows = rows, Channels = channels,
                };
                RunChannels(ref kernel, width, rows, channels);
            }
        }

        /// <summary>
        /// Runs <paramref name="kernel"/> over all channels: on the calling thread, or, with
        /// <see cref="Parallelism.Current"/> above 1 and a large [rows x channels] view, as groups of 16 channels
        /// split between threads. Each channel's statistics and outputs are computed by one thread, with the vector width
        /// and summation order of the one-thread call, so results are bitwise identical for every thread count.
        /// </summary>
        private static void RunChannels(ref Kernel kernel, SimdWidth width, int rows, int channels)
        {
            int parts = Math.Min(ParallelChain.Parts((long)rows * channels, ParallelChain.ElementsPerPart), channels / ParallelChain.ColumnAlignment);
            ParallelChain.RunParts(ref kernel, width, channels, ParallelChain.ColumnAlignment, parts);
        }

        private static void CheckSizes(int rows, int channels)
        {
            Check.Positive(rows, nameof(rows));
            Check.Positive(channels, nameof(channels));
        }

        private static void CheckEpsilon(float epsilon)
        {
            if (!(epsilon >= 0f) || float.IsInfinity(epsilon))
            {
                throw new ArgumentOutOfRangeException(nameof(epsilon), epsilon, $"epsilon must be finite and non-negative, but is {epsilon}.");
            }
        }

        private enum Mode
        {
            Inference,
            Training,
            Backward,
        }

        /// <summary>All three passes over a range of channels. In Backward, <c>Y</c> is dx and <c>X</c> is dy.</summary>
        private struct Kernel : IVectorKernel
        {
            public Mode Mode;
            public float* Y, X, Normalized, InverseStd, Mean, Variance, Gamma, Beta, DGamma, DBeta;
            public int Rows, Channels;
            public float Momentum, Epsilon;

            public void Run<TOps, TVec>(int start, int count)
                where TOps : struct, IVectorOps<TVec>
                where TVec : unmanaged
            {
                int w = TOps.Count;
                for (int c = start; c < start + count; c += w)
                {
                    TVec gamma = Gamma == null ? TOps.Broadcast(1f) : TOps.Load(Gamma + c);
                    TVec beta = Beta == null ? TOps.Zero : TOps.Load(Beta + c);
                    switch (Mode)
                    {
                        case Mode.Inference:
                            {
                                TVec mean = TOps.Load(Mean + c);
                                TVec scale = TOps.Divide(gamma, TOps.Sqrt(TOps.Add(TOps.Load(Variance + c), TOps.Broadcast(Epsilon))));
                                for (long i = c, end = (long)Rows * Channels; i < end; i += Channels)
                                {
                                    TOps.Store(Y + i, TOps.MultiplyAdd(TOps.Subtract(TOps.Load(X + i), mean), scale, beta));
                                }
                                break;
                            }
                        case Mode.Training:
                            {
                                TVec n = TOps.Broadcast(Rows);
                                TVec mean = TOps.Divide(SumRows<TOps, TVec>(X + c, TOps.Zero, false), n);
                                TVec variance = TOps.Divide(SumRows<TOps, TVec>(X + c, mean, true), n);
                                TVec inverseStd = TOps.Divide(TOps.Broadcast(1f), TOps.Sqrt(TOps.Add(variance, TOps.Broadcast(Epsilon))));
                                TOps.Store(InverseStd + c, inverseStd);
                                for (long i = c, end = (long)Rows * Channels; i < end; i += Channels)
                                {
                                    TVec xhat = TOps.Multiply(TOps.Subtract(TOps.Load(X + i), mean), inverseStd);
                                    TOps.Store(Normalized + i, xhat);
                                    TOps.Store(Y + i, TOps.MultiplyAdd(xhat, gamma, beta));
                                }
                                TVec keep = TOps.Broadcast(Momentum), take = TOps.Broadcast(1f - Momentum);
                                TOps.Store(Mean + c, TOps.MultiplyAdd(TOps.Load(Mean + c), keep, TOps.Multiply(mean, take)));
                                TOps.Store(Variance + c, TOps.MultiplyAdd(TOps.Load(Variance + c), keep, TOps.Multiply(variance, take)));
                                break;
                            }
                        default:
                            {
                                TVec sumDy = TOps.Zero, sumDyXhat = TOps.Zero;
                                for (long i = c, end = (long)Rows * Channels; i < end; i += Channels)
                                {
                                    TVec dy = TOps.Load(X + i);
                                    sumDy = TOps.Add(sumDy, dy);
                                    sumDyXhat = TOps.MultiplyAdd(dy, TOps.Load(Normalized + i), sumDyXhat);
                                }
                                if (DGamma != null) TOps.Store(DGamma + c, TOps.Add(TOps.Load(DGamma + c), sumDyXhat));
                                if (DBeta != null) TOps.Store(DBeta + c, TOps.Add(TOps.Load(DBeta + c), sumDy));
                                if (Y == null) break; // no input delta wanted (the layer is the lowest trainable one)
                                TVec n = TOps.Broadcast(Rows);
                                TVec factor = TOps.Divide(TOps.Multiply(gamma, TOps.Load(InverseStd + c)), n);
                                for (long i = c, end = (long)Rows * Channels; i < end; i += Channels)
                                {
                                    TVec t = TOps.Subtract(TOps.Multiply(n, TOps.Load(X + i)), sumDy);
                                    t = TOps.Subtract(t, TOps.Multiply(TOps.Load(Normalized + i), sumDyXhat));
                                    TOps.Store(Y + i, TOps.Multiply(factor, t));
                                }
                                break;
                            }
                    }
                }
            }

            /// <summary>Sum over rows of x (or of (x - center)^2 when squared), four partial sums in flight.</summary>
            private readonly TVec SumRows<TOps, TVec>(float* x, TVec center, bool squared)
                where TOps : struct, IVectorOps<TVec>
                where TVec : unmanaged
            {
                TVec s0 = TOps.Zero, s1 = TOps.Zero, s2 = TOps.Zero, s3 = TOps.Zero;
                long stride = Channels;
                int r = 0;
                for (; r + 4 <= Rows; r += 4, x += 4 * stride)
                {
                    TVec v0 = TOps.Subtract(TOps.Load(x), center), v1 = TOps.Subtract(TOps.Load(x + stride), center);
                    TVec v2 = TOps.Subtract(TOps.Load(x + 2 * stride), center), v3 = TOps.Subtract(TOps.Load(x + 3 * stride), center);
                    if (squared)
                    {
                        s0 = TOps.MultiplyAdd(v0, v0, s0); s1 = TOps.MultiplyAdd(v1, v1, s1);
                        s2 = TOps.MultiplyAdd(v2, v2, s2); s3 = TOps.MultiplyAdd(v3, v3, s3);
                    }
                    else
                    {
                        s0 = TOps.Add(s0, v0); s1 = TOps.Add(s1, v1); s2 = TOps.Add(s2, v2); s3 = TOps.Add(s3, v3);
                    }
                }
                for (; r < Rows; r++, x += stride)
                {
                    TVec v = TOps.Subtract(TOps.Load(x), center);
                    s0 = squared ? TOps.MultiplyAdd(v, v, s0) : TOps.Add(s0, v);
                }
                return TOps.Add(TOps.Add(s0, s1), TOps.Add(s2, s3));
            }
        }
    }
}
