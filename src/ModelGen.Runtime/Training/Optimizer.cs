// The contract between generated TrainStep methods and the optimizers.
using System;

namespace ModelGen
{
    /// <summary>Updates a model's parameter arena from its gradient arena, one step per call.</summary>
    public abstract class Optimizer
    {
        /// <summary>
        /// Applies one update to every range in <paramref name="trainable"/> of <paramref name="parameters"/>, using
        /// <paramref name="gradients"/> of the same layout (which it may clip in place).
        /// </summary>
        public abstract void Apply(Span<float> parameters, Span<float> gradients, ReadOnlySpan<ParameterRange> trainable);
    }
}
