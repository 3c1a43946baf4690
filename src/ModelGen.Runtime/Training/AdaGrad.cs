// AdaGrad, TensorFlow 1.x's AdagradOptimizer.
using System;
using System.Numerics;
using System.Runtime.InteropServices;

namespace ModelGen
{
    /// <summary>
    /// AdaGrad, as TensorFlow 1.x's <c>tf.train.AdagradOptimizer</c> (one slot, "accumulator", starting at
    /// <c>initialAccumulator</c>):
    /// <code>
    /// acc += g * g
    /// p   -= lr * g / sqrt(acc)
    /// </code>
    /// </summary>
    public sealed class AdaGrad : Optimizer
    {
        /// <summary>Creates the optimizer.</summary>
        /// <param name="learningRate">The base learning rate, positive.</param>
        /// <param name="initialAccumulator">The accumulator's starting value, positive (TensorFlow's <c>initial_accumulator_value</c>, 0.1 by default).</param>
        public AdaGrad(double learningRate, double initialAccumulator = 0.1)
            : base(learningRate, "accumulator")
        {
            Require(initialAccumulator, nameof(initialAccumulator), 0, false, double.PositiveInfinity, false);
            InitialAccumulator = initialAccumulator;
        }

        /// <summary>The accumulator's starting value.</summary>
        public double InitialAccumulator { get; }

        /// <inheritdoc/>
        protected override float InitialSlotValue(int index) => (float)InitialAccumulator;

        /// <inheritdoc/>
        private protected override bool UpdateIsElementwise => true;

        /// <inheritdoc/>
        protected override unsafe void UpdateRange(Span<float> parameters, ReadOnlySpan<float> gradients, int offset, double learningRate, long step)
        {
            Span<float> acc = GetSlot(0).Slice(offset, parameters.Length);
            float lr = (float)learningRate, tiny = SquareThreshold(1);
            int i = 0;
            if (Vector.IsHardwareAccelerated)
            {
                Span<Vector<float>> p = MemoryMarshal.Cast<float, Vector<float>>(parameters);
                ReadOnlySpan<Vector<float>> g = MemoryMarshal.Cast<float, Vector<float>>(gradients);
                Span<Vector<float>> a = MemoryMarshal.Cast<float, Vector<float>>(acc);
                var tinyV = new Vector<float>(tiny);
                fixed (float* pp = parameters, pg = gradients, pa = acc)
                {
                    for (int v = 0; v < p.Length; v++)
                    {
                        if (IsLineStart(v)) PrefetchAhead(v * Vector<float>.Count, pp, pg, pa);
                        Vector<float> gv = g[v], gs = ZeroBelow(gv, tinyV);
                        Vector<float> av = a[v] + gs * gs;
                        a[v] = av;
                        p[v] -= lr * gv / Vector.SquareRoot(av);
                    }
                }
                i = p.Length * Vector<float>.Count;
            }
            for (; i < parameters.Length; i++)
            {
                float gv = gradients[i], gs = ZeroBelow(gv, tiny);
                float av = acc[i] + gs * gs;
                acc[i] = av;
                parameters[i] -= lr * gv / MathF.Sqrt(av);
            }
        }
    }
}
