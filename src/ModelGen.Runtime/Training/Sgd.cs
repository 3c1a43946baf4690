// Plain stochastic gradient descent, TensorFlow 1.x's GradientDescentOptimizer.
using System;
using System.Numerics;
using System.Runtime.InteropServices;

namespace ModelGen
{
    /// <summary>
    /// Stochastic gradient descent, as TensorFlow 1.x's <c>tf.train.GradientDescentOptimizer</c>:
    /// <c>p -= lr * g</c>. It has no slots.
    /// </summary>
    public sealed class Sgd : Optimizer
    {
        /// <summary>Creates the optimizer.</summary>
        /// <param name="learningRate">The base learning rate, positive (0.01 by default).</param>
        public Sgd(double learningRate = 0.01)
            : base(learningRate)
        {
        }

        /// <inheritdoc/>
        private protected override bool UpdateIsElementwise => true;

        /// <inheritdoc/>
        protected override unsafe void UpdateRange(Span<float> parameters, ReadOnlySpan<float> gradients, int offset, double learningRate, long step)
        {
            float lr = (float)learningRate;
            int i = 0;
            if (Vector.IsHardwareAccelerated)
            {
                Span<Vector<float>> p = MemoryMarshal.Cast<float, Vector<float>>(parameters);
                ReadOnlySpan<Vector<float>> g = MemoryMarshal.Cast<float, Vector<float>>(gradients);
                fixed (float* pp = parameters, pg = gradients)
                {
                    for (int v = 0; v < p.Length; v++)
                    {
                        if (IsLineStart(v)) PrefetchAhead(v * Vector<float>.Count, pp, pg);
                        p[v] -= lr * g[v];
                    }
                }
                i = p.Length * Vector<float>.Count;
            }
            for (; i < parameters.Length; i++)
                parameters[i] -= lr * gradients[i];
        }
    }
}
