// What Trainer.Fit reports: a progress value during an epoch and one result per epoch.
using System;

namespace ModelGen
{
    /// <summary>Where a <see cref="Trainer.Fit"/> run stands, reported during each epoch.</summary>
    /// <param name="Epoch">The current epoch, 1-based.</param>
    /// <param name="Epochs">The number of epochs asked for.</param>
    /// <param name="Step">The batches done in this epoch, 1-based.</param>
    /// <param name="StepsPerEpoch">The batches per epoch (the last one may be short).</param>
    /// <param name="Loss">The mean training loss over this epoch's samples so far (as TrainStep returns it: regularization included).</param>
    /// <param name="Accuracy">The running training accuracy of this epoch (see <see cref="TrainerOptions.TrainAccuracyEvery"/>); NaN when not measured.</param>
    /// <param name="SamplesPerSecond">Training samples per second in this epoch so far.</param>
    /// <param name="Elapsed">The time since the run started.</param>
    /// <param name="Remaining">An estimate of the time left for all epochs, from the mean time per step so far (validation included).</param>
    public readonly record struct TrainingProgress(
        int Epoch, int Epochs, int Step, int StepsPerEpoch, double Loss, double Accuracy,
        double SamplesPerSecond, TimeSpan Elapsed, TimeSpan Remaining);

    /// <summary>The outcome of one epoch of <see cref="Trainer.Fit"/>.</summary>
    /// <param name="Epoch">The epoch, 1-based.</param>
    /// <param name="TrainLoss">The mean training loss over the epoch's samples, as TrainStep returned it (training mode, regularization included).</param>
    /// <param name="TrainAccuracy">The running training accuracy at the end of the epoch (see <see cref="TrainerOptions.TrainAccuracyEvery"/>); NaN when not measured.</param>
    /// <param name="ValidationLoss">The mean validation loss after the epoch (inference mode, no regularization); NaN when not validated.</param>
    /// <param name="ValidationAccuracy">The validation accuracy after the epoch; NaN when not validated.</param>
    /// <param name="SamplesPerSecond">Training samples per second over the epoch's training steps (validation excluded).</param>
    /// <param name="Duration">The epoch's wall time, validation and checkpoint included.</param>
    /// <param name="LearningRate">The learning rate of the epoch's last update (after its schedule).</param>
    public readonly record struct EpochResult(
        int Epoch, double TrainLoss, double TrainAccuracy, double ValidationLoss, double ValidationAccuracy,
        double SamplesPerSecond, TimeSpan Duration, double LearningRate);
}
