// The generic training loop: batches, TrainStep, progress, validation, plateau, early stopping and checkpoints for any model.
using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Threading;
using ModelGen.Checkpoints;
using ModelGen.Data;

namespace ModelGen
{
    /// <summary>
    /// Trains any generated classifier (<see cref="ITrainableModel{TLabel}"/> of class indices) on a <see cref="Dataset"/>,
    /// as a TensorFlow 1.x tutorial's loop over <c>mnist.train.next_batch</c> does, without reflection: the model type is
    /// a constrained generic.
    /// </summary>
    public static class Trainer
    {
        /// <summary>
        /// Trains <paramref name="model"/> for <see cref="TrainerOptions.Epochs"/> epochs. Each epoch visits every training
        /// sample once in batches of <see cref="IModel.BatchSize"/> (the last one short when the count does not divide),
        /// calling <see cref="ITrainableModel{TLabel}.TrainStep"/> on each; then it validates with
        /// <see cref="ITrainableModel{TLabel}.Evaluate"/> on kernels packed once (<see cref="IModel.PackWeights"/>), reports the monitored loss to the plateau schedule and to early
        /// stopping, saves the checkpoint, and reports the <see cref="EpochResult"/>. After the first step the loop
        /// allocates nothing per step besides what <paramref name="progress"/> does. Reports are made on the calling thread;
        /// a <see cref="Progress{T}"/> forwards them to its synchronization context.
        /// </summary>
        /// <param name="model">The model; its parameters are updated in place.</param>
        /// <param name="optimizer">The optimizer, with its learning rate and schedule; one per model.</param>
        /// <param name="train">The training set; its samples must have <see cref="IModel.InputLength"/> floats and labels in [0, OutputLength).</param>
        /// <param name="validation">The validation set, or null to monitor the training loss instead.</param>
        /// <param name="options">How to train.</param>
        /// <param name="progress">Receives a <see cref="TrainingProgress"/> at most every <see cref="TrainerOptions.ProgressInterval"/>, and after each epoch's last step.</param>
        /// <param name="epochs">Receives each <see cref="EpochResult"/> as soon as its epoch ends.</param>
        /// <param name="cancellationToken">Checked before every step; when cancelled, Fit throws <see cref="OperationCanceledException"/> and leaves the model as its last step left it (best weights are not restored).</param>
        /// <returns>One result per epoch run.</returns>
        /// <exception cref="ArgumentException">A dataset does not fit the model, or the optimizer already has another schedule than <see cref="TrainerOptions.Plateau"/>.</exception>
        /// <exception cref="InvalidOperationException">A training loss was NaN or infinite; the message names the epoch and step.</exception>
        /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
        public static IReadOnlyList<EpochResult> Fit<TModel>(
            TModel model, Optimizer optimizer, Dataset train, Dataset? validation, TrainerOptions options,
            IProgress<TrainingProgress>? progress = null, IProgress<EpochResult>? epochs = null,
            CancellationToken cancellationToken = default)
            where TModel : ITrainableModel<int>
        {
            ArgumentNullException.ThrowIfNull(model);
            ArgumentNullException.ThrowIfNull(optimizer);
            ArgumentNullException.ThrowIfNull(train);
            ArgumentNullException.ThrowIfNull(options);
            CheckModel(model, model.LabelLength);
            CheckDataset(model, train, nameof(train));
            if (validation is not null) CheckDataset(model, validation, nameof(validation));
            CheckOptions(options, optimizer);
            if (options.Plateau is not null) optimizer.Schedule = options.Plateau;

            int batchSize = model.BatchSize;
            int outputLength = model.OutputLength;
            var batches = new Batcher(train, batchSize, options.Seed, options.Shuffle);
            int steps = batches.BatchesPerEpoch;
            long totalSteps = (long)steps * options.Epochs;
            int accuracyEvery = options.TrainAccuracyEvery;
            float[] outputs = accuracyEvery > 0 ? new float[batchSize * outputLength] : Array.Empty<float>();
            long reportTicks = (long)(options.ProgressInterval.TotalSeconds * Stopwatch.Frequency);
            var results = new List<EpochResult>(options.Epochs);
            double bestMonitored = double.PositiveInfinity;
            long runStart = Stopwatch.GetTimestamp();

            for (int epoch = 1; epoch <= options.Epochs; epoch++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                long epochStart = Stopwatch.GetTimestamp();
                long lastReport = epochStart;
                double lossSum = 0, rate = optimizer.CurrentLearningRate;
                long samples = 0, measured = 0, correct = 0;
                int step = 0;

                batches.StartEpoch();
                while (batches.TryNext(out int n))
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    step++;
                    rate = optimizer.CurrentLearningRate;
                    float loss = model.TrainStep(batches.Inputs, batches.Labels, optimizer);
                    if (!float.IsFinite(loss))
                        throw new InvalidOperationException(
                            $"The training loss is {loss.ToString(CultureInfo.InvariantCulture)} at epoch {epoch}, step {step} of {steps} " +
                            $"(learning rate {rate.ToString("G4", CultureInfo.InvariantCulture)}): training diverged. Lower the learning rate or clip the gradients (Optimizer.ClipNorm).");
                    lossSum += (double)loss * n;
                    samples += n;

                    if (accuracyEvery > 0 && (step - 1) % accuracyEvery == 0)
                    {
                        Span<float> y = outputs.AsSpan(0, n * outputLength);
                        model.Forward(batches.Inputs, y);
                        correct += CountCorrect(y, batches.Labels, outputLength);
                        measured += n;
                    }

                    if (progress is not null)
                    {
                        long now = Stopwatch.GetTimestamp();
                        if (step == steps || now - lastReport >= reportTicks)
                        {
                            lastReport = now;
                            long done = (long)(epoch - 1) * steps + step;
                            TimeSpan elapsed = Stopwatch.GetElapsedTime(runStart, now);
                            progress.Report(new TrainingProgress(
                                epoch, options.Epochs, step, steps,
                                lossSum / samples, measured > 0 ? (double)correct / measured : double.NaN,
                                samples / Math.Max(Stopwatch.GetElapsedTime(epochStart, now).TotalSeconds, 1e-9),
                                elapsed, TimeSpan.FromTicks((long)(elapsed.Ticks * ((double)(totalSteps - done) / done)))));
                        }
                    }
                }

                double trainSeconds = Stopwatch.GetElapsedTime(epochStart).TotalSeconds;
                double trainLoss = lossSum / samples;
                double trainAccuracy = measured > 0 ? (double)correct / measured : double.NaN;

                // Validate every EvaluateEvery epochs and after the last; without a validation set, the training loss is monitored.
                double validationLoss = double.NaN, validationAccuracy = double.NaN, monitored = double.NaN;
                bool validated = epoch % options.EvaluateEvery == 0 || epoch == options.Epochs;
                if (validation is null)
                {
                    monitored = trainLoss;
                    validated = true;
                }
                else if (validated)
                {
                    // The weights hold still until the next step: pack the kernels once for the whole validation set
                    // instead of once per batch (the next step drops the packed copy again).
                    model.PackWeights();
                    Evaluation evaluation = model.Evaluate(validation.Inputs, validation.Labels);
                    validationLoss = evaluation.Loss;
                    validationAccuracy = evaluation.Accuracy;
                    monitored = validationLoss;
                }

                bool stop = false, improved = false;
                if (validated)
                {
                    options.Plateau?.Report(monitored);
                    improved = monitored < bestMonitored;
                    if (improved) bestMonitored = monitored;
                    if (options.EarlyStopping is { } early) stop = early.Report(monitored, model.Parameters);
                }
                if (options.CheckpointPath is { } path && (options.CheckpointEveryEpoch || improved))
                    SaveCheckpoint(model, path, optimizer, epoch, monitored, options);

                var result = new EpochResult(epoch, trainLoss, trainAccuracy, validationLoss, validationAccuracy,
                    samples / Math.Max(trainSeconds, 1e-9), Stopwatch.GetElapsedTime(epochStart), rate);
                results.Add(result);
                epochs?.Report(result);
                if (stop) break;
            }

            if (options.EarlyStopping is { BestEpoch: >= 0 } best && options.RestoreBestWeights)
                best.RestoreBest(model.Parameters);
            return results;
        }

        /// <summary>The samples whose largest output (the first one on ties, as <c>tf.argmax</c>) is at the label.</summary>
        private static int CountCorrect(ReadOnlySpan<float> outputs, ReadOnlySpan<int> labels, int classes)
        {
            int correct = 0;
            for (int i = 0; i < labels.Length; i++)
            {
                ReadOnlySpan<float> row = outputs.Slice(i * classes, classes);
                int arg = 0;
                for (int k = 1; k < classes; k++)
                    if (row[k] > row[arg]) arg = k;
                if (arg == labels[i]) correct++;
            }
            return correct;
        }

        private static void SaveCheckpoint<TModel>(TModel model, string path, Optimizer optimizer, int epoch, double monitored, TrainerOptions options)
            where TModel : ITrainableModel<int>
        {
            var metadata = new Dictionary<string, string>
            {
                ["trainer.epoch"] = epoch.ToString(CultureInfo.InvariantCulture),
                ["trainer.loss"] = monitored.ToString("R", CultureInfo.InvariantCulture),
            };
            int bad = NumericalGuard.FirstNonFinite(model.Parameters);
            if (bad >= 0 && !options.AllowNonFiniteCheckpoints)
                throw new InvalidOperationException(
                    $"Epoch {epoch}: the model holds a non-finite value ({model.Parameters[bad]} at arena offset {bad}), so no checkpoint was written to {path} (the previous one is intact). Set TrainerOptions.AllowNonFiniteCheckpoints to write it anyway.");
            Checkpoint.Save(model, path, new CheckpointOptions { Step = optimizer.Iterations, Metadata = metadata, Optimizer = optimizer });
        }

        private static void CheckModel(IModel model, int labelLength)
        {
            if (model.BatchSize < 1)
                throw new ArgumentException($"The model's BatchSize is {model.BatchSize}; it must be at least 1.", nameof(model));
            if (model.OutputLength < 2)
                throw new ArgumentException($"The model has {model.OutputLength} output(s); a classifier needs at least 2 classes.", nameof(model));
            if (labelLength != 1)
                throw new ArgumentException($"The model takes {labelLength} labels per sample; the trainer feeds one class index per sample.", nameof(model));
        }

        private static void CheckDataset(IModel model, Dataset data, string name)
        {
            if (data.InputLength != model.InputLength)
                throw new ArgumentException(
                    $"The {name} set's samples have {data.InputLength} floats but the model's input has {model.InputLength}.", name);
            if (data.Count == 0) throw new ArgumentException($"The {name} set holds no samples.", name);
            int[] labels = data.Labels;
            for (int i = 0; i < labels.Length; i++)
            {
                if ((uint)labels[i] >= (uint)model.OutputLength)
                    throw new ArgumentException(
                        $"Label {i} of the {name} set is {labels[i]}, outside the model's {model.OutputLength} classes [0, {model.OutputLength - 1}].", name);
            }
        }

        private static void CheckOptions(TrainerOptions options, Optimizer optimizer)
        {
            if (options.Plateau is { } plateau && optimizer.Schedule is { } schedule && !ReferenceEquals(schedule, plateau))
                throw new ArgumentException(
                    $"options.Plateau needs the optimizer's learning-rate schedule, but the optimizer already has a {schedule.GetType().Name}: use one or the other.",
                    nameof(options));
            if (options.EarlyStopping is { Epochs: > 0 } early)
                throw new ArgumentException(
                    $"options.EarlyStopping has already seen {early.Epochs} report(s): use a new EarlyStopping for each Fit.", nameof(options));
            if (options.CheckpointPath is { } path && path.Length == 0)
                throw new ArgumentException("options.CheckpointPath is empty: give a file path or null.", nameof(options));
        }
    }
}
