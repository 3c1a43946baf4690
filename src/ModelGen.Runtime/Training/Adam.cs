// Adam, TensorFlow 1.x's AdamOptimizer, with the bias correction folded into the step size.
using System;
using System.Numerics;
using System.Runtime.InteropServices;

namespace ModelGen
{
    /// <summary>
    /// Adam, as TensorFlow 1.x's <c>tf.train.AdamOptimizer</c>. Two slots, "m" and "v", starting at zero; at step
    /// <c>t</c> (1 for the first update):
    /// <code>
    /// lr_t = lr * sqrt(1 - beta2^t) / (1 - beta1^t)
    /// m    = beta1 * m + (1 - beta1) * g
    /// v    = beta2 * v + (1 - beta2) * g * g
    /// p   -= lr_t * m / (sqrt(v) + epsilon)
    /// </code>
    /// As in TensorFlow 1.x, epsilon is added after the bias correction is folded into <c>lr_t</c> (the paper's
    /// "epsilon hat"), so the same epsilon gives the same numbers as the tutorials. <c>t</c> is
    /// <see cref="Optimizer.Iterations"/> + 1.
    /// </summary>
    public sealed class Adam : Optimizer
    {
        /// <summary>Creates the optimizer with TensorFlow 1.x's defaults.</summary>
        /// <param name="learningRate">The base learning rate, positive (0.001 by default).</param>
        /// <param name="beta1">The first moment's decay, in [0, 1) (0.9 by default).</param>
        /// <param name="beta2">The second moment's decay, in [0, 1) (0.999 by default).</param>
        /// <param name="epsilon">Added to the root of the second moment, positive (1e-8 by default).</param>
        public Adam(double learningRate = 0.001, double beta1 = 0.9, double beta2 = 0.999, double epsilon = 1e-8)
            : base(learningRate, "m", "v")
        {
            Require(beta1, nameof(beta1), 0, true, 1, false);
            Require(beta2, nameof(beta2), 0, true, 1, false);
            Require(epsilon, nameof(epsilon), 0, false, double.PositiveInfinity, false);
            Beta1 = beta1;
            Beta2 = beta2;
            Epsilon = epsilon;
        }

        /// <summary>The first moment's decay.</summary>
        public double Beta1 { get; }

        /// <summary>The second moment's decay.</summary>
        public double Beta2 { get; }

        /// <summary>The constant added to the root of the second moment.</summary>
        public double Epsilon { get; }

        /// <inheritdoc/>
        private protected override bool UpdateIsElementwise => true;

        /// <inheritdoc/>
        protected override unsafe void UpdateRange(Span<float> parameters, ReadOnlySpan<float> gradients, int offset, double learningRate, long step)
        {
            Span<float> mSlot = GetSlot(0).Slice(offset, parameters.Length);
            Span<float> vSlot = GetSlot(1).Slice(offset, parameters.Length);
            float lrT = (float)(learningRate * Math.Sqrt(1 - Math.Pow(Beta2, step)) / (1 - Math.Pow(Beta1, step)));
            float b1 = (float)Beta1, oneMinusB1 = (float)(1 - Beta1);
            float b2 = (float)Beta2, oneMinusB2 = (float)(1 - Beta2);
            float eps = (float)Epsilon, tiny = SquareThreshold(1 - Beta2);
            int i = 0;
            if (Vector.IsHardwareAccelerated)
            {
                Span<Vector<float>> p = MemoryMarshal.Cast<float, Vector<float>>(parameters);
                ReadOnlySpan<Vector<float>> g = MemoryMarshal.Cast<float, Vector<float>>(gradients);
                Span<Vector<float>> m = MemoryMarshal.Cast<float, Vector<float>>(mSlot);
                Span<Vector<float>> s = MemoryMarshal.Cast<float, Vector<float>>(vSlot);
                var epsV = new Vector<float>(eps);
                var tinyV = new Vector<float>(tiny);
                fixed (float* pp = parameters, pg = gradients, pm = mSlot, pv = vSlot)
                {
                    for (int k = 0; k < p.Length; k++)
                    {
                        if (IsLineStart(k)) PrefetchAhead(k * Vector<float>.Count, pp, pg, pm, pv);
                        Vector<float> gv = g[k], gs = ZeroBelow(gv, tinyV);
                        Vector<float> mv = FlushSubnormal(b1 * m[k] + oneMinusB1 * gv);
                        Vector<float> vv = FlushSubnormal(b2 * s[k] + oneMinusB2 * (gs * gs));
                        m[k] = mv;
                        s[k] = vv;
                        p[k] -= lrT * mv / (Vector.SquareRoot(vv) + epsV);
                    }
                }
                i = p.Length * Vector<float>.Count;
            }
            for (; i < parameters.Length; i++)
            {
                float gv = gradients[i], gs = ZeroBelow(gv, tiny);
                float mv = FlushSubnormal(b1 * mSlot[i] + oneMinusB1 * gv);
                float vv = FlushSubnormal(b2 * vSlot[i] + oneMinusB2 * (gs * gs));
                mSlot[i] = mv;
                vSlot[i] = vv;
                parameters[i] -= lrT * mv / (MathF.Sqrt(vv) + eps);
            }
        }
    }
}
