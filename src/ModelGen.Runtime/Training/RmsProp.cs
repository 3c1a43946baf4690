// RMSProp with optional momentum, TensorFlow 1.x's RMSPropOptimizer (uncentered).
using System;
using System.Numerics;
using System.Runtime.InteropServices;

namespace ModelGen
{
    /// <summary>
    /// RMSProp, as TensorFlow 1.x's <c>tf.train.RMSPropOptimizer</c> with <c>centered = false</c>. Two slots: "ms",
    /// the mean square, which starts at <b>one</b> as in TensorFlow 1.x (not zero), and "mom", starting at zero:
    /// <code>
    /// ms  = decay * ms + (1 - decay) * g * g
    /// mom = momentum * mom + lr * g / sqrt(ms + epsilon)
    /// p  -= mom
    /// </code>
    /// </summary>
    public sealed class RmsProp : Optimizer
    {
        /// <summary>Creates the optimizer with TensorFlow 1.x's defaults.</summary>
        /// <param name="learningRate">The base learning rate, positive (0.001 by default).</param>
        /// <param name="decay">The mean square's discount, in [0, 1) (TensorFlow's <c>decay</c>, 0.9).</param>
        /// <param name="momentum">The momentum coefficient, in [0, 1) (0 by default).</param>
        /// <param name="epsilon">Added to the mean square under the root, positive (1e-10 by default, as TensorFlow 1.x).</param>
        public RmsProp(double learningRate = 0.001, double decay = 0.9, double momentum = 0.0, double epsilon = 1e-10)
            : base(learningRate, "ms", "mom")
        {
            Require(decay, nameof(decay), 0, true, 1, false);
            Require(momentum, nameof(momentum), 0, true, 1, false);
            Require(epsilon, nameof(epsilon), 0, false, double.PositiveInfinity, false);
            Decay = decay;
            Momentum = momentum;
            Epsilon = epsilon;
        }

        /// <summary>The mean square's discount (TensorFlow's <c>decay</c>, Keras's <c>rho</c>).</summary>
        public double Decay { get; }

        /// <summary>The momentum coefficient.</summary>
        public double Momentum { get; }

        /// <summary>The constant added to the mean square under the root.</summary>
        public double Epsilon { get; }

        /// <inheritdoc/>
        protected override float InitialSlotValue(int index) => index == 0 ? 1f : 0f;

        /// <inheritdoc/>
        private protected override bool UpdateIsElementwise => true;

        /// <inheritdoc/>
        protected override unsafe void UpdateRange(Span<float> parameters, ReadOnlySpan<float> gradients, int offset, double learningRate, long step)
        {
            Span<float> ms = GetSlot(0).Slice(offset, parameters.Length);
            Span<float> mom = GetSlot(1).Slice(offset, parameters.Length);
            float lr = (float)learningRate, rho = (float)Decay, oneMinusRho = (float)(1 - Decay);
            float mu = (float)Momentum, eps = (float)Epsilon, tiny = SquareThreshold(1 - Decay);
            int i = 0;
            if (Vector.IsHardwareAccelerated)
            {
                Span<Vector<float>> p = MemoryMarshal.Cast<float, Vector<float>>(parameters);
                ReadOnlySpan<Vector<float>> g = MemoryMarshal.Cast<float, Vector<float>>(gradients);
                Span<Vector<float>> s = MemoryMarshal.Cast<float, Vector<float>>(ms);
                Span<Vector<float>> m = MemoryMarshal.Cast<float, Vector<float>>(mom);
                var epsV = new Vector<float>(eps);
                var tinyV = new Vector<float>(tiny);
                fixed (float* pp = parameters, pg = gradients, ps = ms, pm = mom)
                {
                    for (int v = 0; v < p.Length; v++)
                    {
                        if (IsLineStart(v)) PrefetchAhead(v * Vector<float>.Count, pp, pg, ps, pm);
                        Vector<float> gv = g[v], gs = ZeroBelow(gv, tinyV);
                        Vector<float> sv = FlushSubnormal(rho * s[v] + oneMinusRho * (gs * gs));
                        Vector<float> mv = FlushSubnormal(mu * m[v] + lr * gv / Vector.SquareRoot(sv + epsV));
                        s[v] = sv;
                        m[v] = mv;
                        p[v] -= mv;
                    }
                }
                i = p.Length * Vector<float>.Count;
            }
            for (; i < parameters.Length; i++)
            {
                float gv = gradients[i], gs = ZeroBelow(gv, tiny);
                float sv = FlushSubnormal(rho * ms[i] + oneMinusRho * (gs * gs));
                float mv = FlushSubnormal(mu * mom[i] + lr * gv / MathF.Sqrt(sv + eps));
                ms[i] = sv;
                mom[i] = mv;
                parameters[i] -= mv;
            }
        }
    }
}
