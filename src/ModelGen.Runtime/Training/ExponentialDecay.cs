// Exponential learning-rate decay, tf.train.exponential_decay.
using System;

namespace ModelGen
{
    /// <summary>
    /// <c>rate = base * decayRate ^ (step / decaySteps)</c>, the exponent floored to an integer when
    /// <see cref="Staircase"/> is set, as <c>tf.train.exponential_decay</c>.
    /// </summary>
    public sealed class ExponentialDecay : LearningRateSchedule
    {
        /// <summary>Creates the schedule.</summary>
        /// <param name="decaySteps">The steps over which the rate is multiplied by <paramref name="decayRate"/> once, positive.</param>
        /// <param name="decayRate">The factor per <paramref name="decaySteps"/>, positive and finite (below 1 to decay).</param>
        /// <param name="staircase">Whether the rate drops in steps every <paramref name="decaySteps"/> instead of continuously.</param>
        public ExponentialDecay(long decaySteps, double decayRate, bool staircase = false)
        {
            if (decaySteps <= 0) throw new ArgumentOutOfRangeException(nameof(decaySteps), decaySteps, "decaySteps must be positive.");
            if (!(decayRate > 0) || double.IsInfinity(decayRate))
                throw new ArgumentOutOfRangeException(nameof(decayRate), decayRate, "decayRate must be positive and finite.");
            DecaySteps = decaySteps;
            DecayRate = decayRate;
            Staircase = staircase;
        }

        /// <summary>The steps over which the rate is multiplied by <see cref="DecayRate"/> once.</summary>
        public long DecaySteps { get; }

        /// <summary>The factor per <see cref="DecaySteps"/>.</summary>
        public double DecayRate { get; }

        /// <summary>Whether the exponent is floored, so the rate drops every <see cref="DecaySteps"/> steps.</summary>
        public bool Staircase { get; }

        /// <inheritdoc/>
        public override double Rate(double baseRate, long step)
        {
            RequireStep(step);
            double exponent = Staircase ? step / DecaySteps : (double)step / DecaySteps;
            return baseRate * Math.Pow(DecayRate, exponent);
        }
    }
}
