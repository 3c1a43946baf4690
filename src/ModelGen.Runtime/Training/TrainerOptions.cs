// The settings of one Trainer.Fit run: epochs, shuffling, validation cadence, plateau and early stopping, checkpoints.
using System;

namespace ModelGen
{
    /// <summary>
    /// How <see cref="Trainer.Fit"/> trains. Every property checks its value when set and names itself when it is wrong.
    /// The learning rate and its schedule belong to the <see cref="Optimizer"/>; <see cref="Plateau"/> is the one schedule
    /// the trainer drives, because it needs the validation loss.
    /// </summary>
    public sealed class TrainerOptions
    {
        private readonly int epochs = 10;
        private readonly int evaluateEvery = 1;
        private readonly int trainAccuracyEvery = 10;
        private readonly TimeSpan progressInterval = TimeSpan.FromMilliseconds(100);

        /// <summary>The number of passes over the training set, at least 1 (default 10). Early stopping may end sooner.</summary>
        public int Epochs
        {
            get => epochs;
            init
            {
                if (value < 1) throw new ArgumentOutOfRangeException(nameof(Epochs), value, "Epochs must be at least 1.");
                epochs = value;
            }
        }

        /// <summary>Seeds the order in which the training samples are visited (the model's own seed sets its initial weights). Default 0.</summary>
        public int Seed { get; init; }

        /// <summary>
        /// Whether each epoch visits the training samples in a new random order (default true), as TensorFlow 1.x's
        /// <c>DataSet.next_batch</c> does; otherwise in the dataset's order.
        /// </summary>
        public bool Shuffle { get; init; } = true;

        /// <summary>
        /// Validate every this many epochs (and always after the last), at least 1 (default 1). Epochs without a validation
        /// pass report <see cref="double.NaN"/> as their validation loss and accuracy, and do not count for
        /// <see cref="Plateau"/>, <see cref="EarlyStopping"/> or best-only checkpoints: their patience counts validations.
        /// </summary>
        public int EvaluateEvery
        {
            get => evaluateEvery;
            init
            {
                if (value < 1) throw new ArgumentOutOfRangeException(nameof(EvaluateEvery), value, "EvaluateEvery must be at least 1.");
                evaluateEvery = value;
            }
        }

        /// <summary>
        /// Performance scheduling: the trainer reports the monitored loss (see <see cref="EarlyStopping"/>) to it after each
        /// validation. When the optimizer has no <see cref="Optimizer.Schedule"/>, the trainer installs this one there (and
        /// leaves it installed); an optimizer with another schedule is an error, as the two cannot be combined.
        /// </summary>
        public ReduceOnPlateau? Plateau { get; init; }

        /// <summary>
        /// Early stopping on the monitored loss: the validation loss, or the epoch's mean training loss when there is no
        /// validation set (as Keras's <c>EarlyStopping(monitor='val_loss')</c> falls back to nothing, this is our choice).
        /// It must be new (no reports yet): its patience is counted from this run's first validation.
        /// </summary>
        public EarlyStopping? EarlyStopping { get; init; }

        /// <summary>
        /// With <see cref="EarlyStopping"/>, whether the best parameters are put back when training ends, whether it stopped
        /// early or ran all its epochs (Keras's <c>restore_best_weights=True</c>). Default true.
        /// </summary>
        public bool RestoreBestWeights { get; init; } = true;

        /// <summary>
        /// Where to save the model (safetensors, through <see cref="Checkpoints.Checkpoint.Save(IModel, string, Checkpoints.CheckpointOptions?)"/>,
        /// atomically) during training: after each validation whose monitored loss is the lowest so far (strictly), or
        /// after every epoch with <see cref="CheckpointEveryEpoch"/>. Null (the default) saves nothing. The file's metadata
        /// holds <c>modelgen.step</c> (the optimizer's iterations), <c>trainer.epoch</c> (1-based) and <c>trainer.loss</c>
        /// (the monitored loss, <c>NaN</c> for an epoch without validation), and the optimizer's state, so that a run resumes with
        /// <c>Load(path, new LoadOptions { Optimizer = optimizer })</c>.
        /// </summary>
        public string? CheckpointPath { get; init; }

        /// <summary>Save <see cref="CheckpointPath"/> after every epoch instead of only when the monitored loss improves. Default false.</summary>
        public bool CheckpointEveryEpoch { get; init; }

        /// <summary>
        /// Write checkpoints even when the parameters hold NaN or infinity. Default false: such a checkpoint is refused with an
        /// <see cref="InvalidOperationException"/> and the previous file stays as it was.
        /// </summary>
        public bool AllowNonFiniteCheckpoints { get; init; }

        /// <summary>
        /// The running training accuracy is measured on every this many batches (the first of an epoch included): the batch
        /// just trained on is classified in inference mode with the updated weights, as the TensorFlow MNIST tutorials
        /// print "training accuracy" on the current batch. A forward pass costs about a third of a training step, so the
        /// default 10 adds about 3 %. 1 measures every batch; 0 turns it off (the accuracy is then <see cref="double.NaN"/>).
        /// </summary>
        public int TrainAccuracyEvery
        {
            get => trainAccuracyEvery;
            init
            {
                if (value < 0) throw new ArgumentOutOfRangeException(nameof(TrainAccuracyEvery), value, "TrainAccuracyEvery must be 0 (off) or positive.");
                trainAccuracyEvery = value;
            }
        }

        /// <summary>
        /// The least time between two <see cref="TrainingProgress"/> reports (default 100 ms, so at most about 10 a second);
        /// the last step of every epoch is always reported. <see cref="TimeSpan.Zero"/> reports every step.
        /// </summary>
        public TimeSpan ProgressInterval
        {
            get => progressInterval;
            init
            {
                if (value < TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(ProgressInterval), value, "ProgressInterval cannot be negative.");
                progressInterval = value;
            }
        }
    }
}
