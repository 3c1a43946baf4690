// SGD with momentum and optionally Nesterov's look-ahead, TensorFlow 1.x's MomentumOptimizer.
using System;
using System.Numerics;
using System.Runtime.InteropServices;

namespace ModelGen
{
    /// <summary>
    /// Momentum, as TensorFlow 1.x's <c>tf.train.MomentumOptimizer</c> (one slot, "momentum", starting at zero):
    /// <code>
    /// accum = momentum * accum + g
    /// p    -= lr * accum                          (classic)
    /// p    -= lr * g + lr * momentum * accum      (use_nesterov = true; accum already updated)
    /// </code>
    /// Note TensorFlow's form: the learning rate multiplies the accumulated gradient, not the other way round, so
    /// changing the rate mid-training rescales the whole velocity.
    /// </summary>
    public sealed class Momentum : Optimizer
    {
        /// <summary>Creates the optimizer.</summary>
        /// <param name="learningRate">The base learning rate, positive.</param>
        /// <param name="momentum">The momentum coefficient, in [0, 1) (0.9 by default).</param>
        /// <param name="useNesterov">Whether to use Nesterov's accelerated gradient (TensorFlow's <c>use_nesterov</c>).</param>
        public Momentum(double learningRate, double momentum = 0.9, bool useNesterov = false)
            : base(learningRate, "momentum")
        {
            Require(momentum, nameof(momentum), 0, true, 1, false);
            Coefficient = momentum;
            UseNesterov = useNesterov;
        }

        /// <summary>The momentum coefficient (TensorFlow's <c>momentum</c>).</summary>
        public double Coefficient { get; }

        /// <summary>Whether the update uses Nesterov's look-ahead.</summary>
        public bool UseNesterov { get; }

        /// <inheritdoc/>
        private protected override bool UpdateIsElementwise => true;

        /// <inheritdoc/>
        protected override unsafe void UpdateRange(Span<float> parameters, ReadOnlySpan<float> gradients, int offset, double learningRate, long step)
        {
            Span<float> accum = GetSlot(0).Slice(offset, parameters.Length);
            float lr = (float)learningRate, mu = (float)Coefficient;
            float lrMu = (float)(learningRate * Coefficient);
            bool nesterov = UseNesterov;
            int i = 0;
            if (Vector.IsHardwareAccelerated)
            {
                Span<Vector<float>> p = MemoryMarshal.Cast<float, Vector<float>>(parameters);
                ReadOnlySpan<Vector<float>> g = MemoryMarshal.Cast<float, Vector<float>>(gradients);
                Span<Vector<float>> a = MemoryMarshal.Cast<float, Vector<float>>(accum);
                fixed (float* pp = parameters, pg = gradients, pa = accum)
                {
                    for (int v = 0; v < p.Length; v++)
                    {
                        if (IsLineStart(v)) PrefetchAhead(v * Vector<float>.Count, pp, pg, pa);
                        Vector<float> av = FlushSubnormal(mu * a[v] + g[v]);
                        a[v] = av;
                        p[v] -= nesterov ? lr * g[v] + lrMu * av : lr * av;
                    }
                }
                i = p.Length * Vector<float>.Count;
            }
            for (; i < parameters.Length; i++)
            {
                float av = FlushSubnormal(mu * accum[i] + gradients[i]);
                accum[i] = av;
                parameters[i] -= nesterov ? lr * gradients[i] + lrMu * av : lr * av;
            }
        }
    }
}
