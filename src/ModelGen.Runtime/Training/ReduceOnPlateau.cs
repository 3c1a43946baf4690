// Performance scheduling: cut the learning rate when the validation loss stops improving.
using System;

namespace ModelGen
{
    /// <summary>
    /// Performance scheduling, as Keras's <c>ReduceLROnPlateau</c> (without cooldown): call <see cref="Report"/> once
    /// per epoch with the validation loss. A loss below <c>BestLoss - minDelta</c> is an improvement; after
    /// <c>patience</c> reports in a row without one, <see cref="Multiplier"/> is multiplied by <c>factor</c> and the
    /// count starts again. The rate is <c>base * Multiplier</c>, never below <c>minRate</c> (nor above
    /// <c>base</c> because of it). The step count is ignored.
    /// </summary>
    public sealed class ReduceOnPlateau : LearningRateSchedule
    {
        /// <summary>Creates the schedule.</summary>
        /// <param name="factor">The factor applied at each plateau, in (0, 1).</param>
        /// <param name="patience">The reports in a row without improvement that make a plateau, at least 1.</param>
        /// <param name="minDelta">The smallest decrease of the loss that counts as an improvement, not negative.</param>
        /// <param name="minRate">The lowest rate, not negative.</param>
        public ReduceOnPlateau(double factor = 0.1, int patience = 10, double minDelta = 1e-4, double minRate = 0)
        {
            if (!(factor > 0 && factor < 1)) throw new ArgumentOutOfRangeException(nameof(factor), factor, "factor must be in (0, 1).");
            if (patience < 1) throw new ArgumentOutOfRangeException(nameof(patience), patience, "patience must be at least 1.");
            if (!(minDelta >= 0) || double.IsInfinity(minDelta))
                throw new ArgumentOutOfRangeException(nameof(minDelta), minDelta, "minDelta must be finite and not negative.");
            if (!(minRate >= 0) || double.IsInfinity(minRate))
                throw new ArgumentOutOfRangeException(nameof(minRate), minRate, "minRate must be finite and not negative.");
            Factor = factor;
            Patience = patience;
            MinDelta = minDelta;
            MinRate = minRate;
        }

        /// <summary>The factor applied at each plateau.</summary>
        public double Factor { get; }

        /// <summary>The reports in a row without improvement that make a plateau.</summary>
        public int Patience { get; }

        /// <summary>The smallest decrease of the loss that counts as an improvement.</summary>
        public double MinDelta { get; }

        /// <summary>The lowest rate.</summary>
        public double MinRate { get; }

        /// <summary>The factor on the base rate: 1, times <see cref="Factor"/> per plateau so far.</summary>
        public double Multiplier { get; private set; } = 1;

        /// <summary>The lowest loss reported so far (positive infinity before the first finite one).</summary>
        public double BestLoss { get; private set; } = double.PositiveInfinity;

        /// <summary>The reports in a row without improvement since the last improvement or reduction.</summary>
        public int Wait { get; private set; }

        /// <summary>The number of reductions so far.</summary>
        public int Reductions { get; private set; }

        /// <summary>
        /// Records one epoch's validation loss and returns whether the rate was reduced. A NaN loss never improves.
        /// </summary>
        public bool Report(double validationLoss)
        {
            if (validationLoss < BestLoss - MinDelta)
            {
                BestLoss = validationLoss;
                Wait = 0;
                return false;
            }
            Wait++;
            if (Wait < Patience) return false;
            Multiplier *= Factor;
            Reductions++;
            Wait = 0;
            return true;
        }

        /// <inheritdoc/>
        public override double Rate(double baseRate, long step)
        {
            RequireStep(step);
            return Math.Max(baseRate * Multiplier, Math.Min(MinRate, baseRate));
        }
    }
}
