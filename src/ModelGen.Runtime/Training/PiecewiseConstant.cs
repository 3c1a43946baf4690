// A piecewise-constant learning rate, tf.train.piecewise_constant.
using System;

namespace ModelGen
{
    /// <summary>
    /// A rate that is constant between step boundaries, as <c>tf.train.piecewise_constant</c>: <c>values[0]</c> while
    /// <c>step &lt;= boundaries[0]</c>, <c>values[i]</c> while <c>boundaries[i - 1] &lt; step &lt;= boundaries[i]</c>,
    /// and the last value after the last boundary. As in TensorFlow the values are the rates themselves: the
    /// optimizer's base <see cref="Optimizer.LearningRate"/> is ignored.
    /// </summary>
    public sealed class PiecewiseConstant : LearningRateSchedule
    {
        private readonly long[] boundaries;
        private readonly double[] values;

        /// <summary>Creates the schedule (the arrays are copied).</summary>
        /// <param name="boundaries">The steps where the rate changes, strictly increasing.</param>
        /// <param name="values">The rates, one more than <paramref name="boundaries"/>, each positive and finite.</param>
        public PiecewiseConstant(long[] boundaries, double[] values)
        {
            ArgumentNullException.ThrowIfNull(boundaries);
            ArgumentNullException.ThrowIfNull(values);
            if (values.Length != boundaries.Length + 1)
                throw new ArgumentException(
                    $"values needs one more element than boundaries: it has {values.Length} and boundaries has {boundaries.Length}.", nameof(values));
            for (int i = 1; i < boundaries.Length; i++)
            {
                if (boundaries[i] <= boundaries[i - 1])
                    throw new ArgumentException(
                        $"boundaries must be strictly increasing, but boundaries[{i}] = {boundaries[i]} follows {boundaries[i - 1]}.", nameof(boundaries));
            }
            for (int i = 0; i < values.Length; i++)
            {
                if (!(values[i] > 0) || double.IsInfinity(values[i]))
                    throw new ArgumentOutOfRangeException(nameof(values), values[i], $"values[{i}] must be a positive, finite rate.");
            }
            this.boundaries = (long[])boundaries.Clone();
            this.values = (double[])values.Clone();
        }

        /// <summary>The steps where the rate changes.</summary>
        public ReadOnlySpan<long> Boundaries => boundaries;

        /// <summary>The rates, one per interval.</summary>
        public ReadOnlySpan<double> Values => values;

        /// <inheritdoc/>
        public override double Rate(double baseRate, long step)
        {
            RequireStep(step);
            int i = 0;
            while (i < boundaries.Length && step > boundaries[i]) i++;
            return values[i];
        }
    }
}
