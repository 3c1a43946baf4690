// The learning-rate schedule contract that Optimizer.CurrentLearningRate calls each step.
using System;

namespace ModelGen
{
    /// <summary>
    /// Maps an optimizer's base learning rate and its step count (TensorFlow's <c>global_step</c>, the number of
    /// updates applied so far) to the rate of the next update. Implementations must not allocate in <see cref="Rate"/>.
    /// </summary>
    public abstract class LearningRateSchedule
    {
        /// <summary>The learning rate for the update that follows <paramref name="step"/> updates.</summary>
        /// <param name="baseRate">The optimizer's <see cref="Optimizer.LearningRate"/>.</param>
        /// <param name="step">The number of updates applied so far, not negative.</param>
        public abstract double Rate(double baseRate, long step);

        /// <summary>Throws when <paramref name="step"/> is negative.</summary>
        private protected static void RequireStep(long step)
        {
            if (step < 0) throw new ArgumentOutOfRangeException(nameof(step), step, "The step cannot be negative.");
        }
    }
}
