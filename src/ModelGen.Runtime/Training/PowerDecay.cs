// Power scheduling: the rate falls as a power of the step count.
using System;

namespace ModelGen
{
    /// <summary>
    /// Power scheduling, <c>rate = base / (1 + step / decaySteps) ^ power</c>: the rate halves after
    /// <c>decaySteps</c> steps when <c>power</c> is 1, then falls more slowly. With <c>power = 1</c> it equals
    /// <c>tf.train.inverse_time_decay</c> with <c>decay_rate = 1</c> (not staircase).
    /// </summary>
    public sealed class PowerDecay : LearningRateSchedule
    {
        /// <summary>Creates the schedule.</summary>
        /// <param name="decaySteps">The step scale, positive.</param>
        /// <param name="power">The exponent, positive and finite (1 by default).</param>
        public PowerDecay(long decaySteps, double power = 1)
        {
            if (decaySteps <= 0) throw new ArgumentOutOfRangeException(nameof(decaySteps), decaySteps, "decaySteps must be positive.");
            if (!(power > 0) || double.IsInfinity(power))
                throw new ArgumentOutOfRangeException(nameof(power), power, "power must be positive and finite.");
            DecaySteps = decaySteps;
            Power = power;
        }

        /// <summary>The step scale.</summary>
        public long DecaySteps { get; }

        /// <summary>The exponent.</summary>
        public double Power { get; }

        /// <inheritdoc/>
        public override double Rate(double baseRate, long step)
        {
            RequireStep(step);
            return baseRate / Math.Pow(1 + (double)step / DecaySteps, Power);
        }
    }
}
