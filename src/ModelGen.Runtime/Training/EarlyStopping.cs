// Early stopping: watch the validation loss, keep a copy of the best parameters, say when to stop.
using System;

namespace ModelGen
{
    /// <summary>
    /// Early stopping, as Keras's <c>EarlyStopping(restore_best_weights=True)</c>: call <see cref="Report"/> once per
    /// epoch with the validation loss and the parameter arena. A loss below <c>BestLoss - minDelta</c> is an
    /// improvement and its parameters are copied (into a buffer allocated on the first report); after
    /// <c>patience</c> reports in a row without one, training should stop, and <see cref="RestoreBest"/> puts the
    /// best parameters back.
    /// </summary>
    public sealed class EarlyStopping
    {
        private float[]? best;

        /// <summary>Creates the monitor.</summary>
        /// <param name="patience">The reports in a row without improvement after which training should stop, at least 1.</param>
        /// <param name="minDelta">The smallest decrease of the loss that counts as an improvement, not negative.</param>
        public EarlyStopping(int patience, double minDelta = 0)
        {
            if (patience < 1) throw new ArgumentOutOfRangeException(nameof(patience), patience, "patience must be at least 1.");
            if (!(minDelta >= 0) || double.IsInfinity(minDelta))
                throw new ArgumentOutOfRangeException(nameof(minDelta), minDelta, "minDelta must be finite and not negative.");
            Patience = patience;
            MinDelta = minDelta;
        }

        /// <summary>The reports in a row without improvement after which training should stop.</summary>
        public int Patience { get; }

        /// <summary>The smallest decrease of the loss that counts as an improvement.</summary>
        public double MinDelta { get; }

        /// <summary>The lowest loss reported so far (positive infinity before the first finite one).</summary>
        public double BestLoss { get; private set; } = double.PositiveInfinity;

        /// <summary>The 0-based index of the report with the best loss, or -1 before the first finite one.</summary>
        public int BestEpoch { get; private set; } = -1;

        /// <summary>The number of reports so far.</summary>
        public int Epochs { get; private set; }

        /// <summary>The reports in a row without improvement.</summary>
        public int Wait { get; private set; }

        /// <summary>Whether <see cref="Patience"/> reports in a row have passed without improvement.</summary>
        public bool ShouldStop => Wait >= Patience;

        /// <summary>
        /// Records one epoch's validation loss; when it is the best so far, copies <paramref name="parameters"/>.
        /// Returns <see cref="ShouldStop"/>. A NaN loss never improves.
        /// </summary>
        /// <param name="validationLoss">The epoch's validation loss.</param>
        /// <param name="parameters">The parameter arena; the same length at every report.</param>
        public bool Report(double validationLoss, ReadOnlySpan<float> parameters)
        {
            if (best is not null && best.Length != parameters.Length)
                throw new ArgumentException(
                    $"The parameter arena has {parameters.Length} floats but earlier reports had {best.Length}.", nameof(parameters));
            int epoch = Epochs++;
            if (validationLoss < BestLoss - MinDelta)
            {
                best ??= new float[parameters.Length];
                parameters.CopyTo(best);
                BestLoss = validationLoss;
                BestEpoch = epoch;
                Wait = 0;
            }
            else
            {
                Wait++;
            }
            return ShouldStop;
        }

        /// <summary>Copies the best parameters reported so far into <paramref name="parameters"/>.</summary>
        /// <exception cref="InvalidOperationException">No report has improved on infinity yet.</exception>
        public void RestoreBest(Span<float> parameters)
        {
            if (best is null)
                throw new InvalidOperationException("EarlyStopping has no best parameters to restore: no report with a finite loss yet.");
            if (parameters.Length != best.Length)
                throw new ArgumentException(
                    $"The parameter arena has {parameters.Length} floats but the best parameters have {best.Length}.", nameof(parameters));
            best.CopyTo(parameters);
        }
    }
}
