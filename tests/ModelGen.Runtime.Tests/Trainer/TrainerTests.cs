// Trainer.Fit on a hand-written softmax regression: learning, batching, validation cadence, plateau, early stopping,
// checkpoints, progress, cancellation, divergence and the allocation-free step loop.
using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;
using ModelGen;
using ModelGen.Checkpoints;
using ModelGen.Data;

namespace ModelGen.Runtime.Tests.Trainers
{
    public sealed class TrainerTests : IDisposable
    {
        private const int Features = 4, Classes = 3, Batch = 16;
        // 300 samples in batches of 16: 18 full batches and a short one of 12.
        private const int TrainCount = 300, StepsPerEpoch = 19;

        private readonly Dataset train = SoftmaxRegression.Blobs(TrainCount, Features, Classes, seed: 1);
        private readonly Dataset validation = SoftmaxRegression.Blobs(150, Features, Classes, seed: 2);
        private readonly string folder = Directory.CreateTempSubdirectory("modelgen-trainer-").FullName;

        public void Dispose() => Directory.Delete(folder, recursive: true);

        private static SoftmaxRegression NewModel() => new(Features, Classes, Batch);

        /// <summary>Fits and returns the results with a copy of the parameters after each epoch.</summary>
        private static (IReadOnlyList<EpochResult> Results, List<float[]> Snapshots) FitWithSnapshots(
            SoftmaxRegression model, Optimizer optimizer, Dataset train, Dataset? validation, TrainerOptions options)
        {
            var snapshots = new List<float[]>();
            var results = ModelGen.Trainer.Fit(model, optimizer, train, validation, options,
                epochs: new Report<EpochResult>(_ => snapshots.Add(model.Parameters.ToArray())));
            return (results, snapshots);
        }

        [Fact]
        public void SeparableBlobs_LossFallsAndValidationAccuracyNearsOne()
        {
            var model = NewModel();
            var results = ModelGen.Trainer.Fit(model, new Sgd(0.5), train, validation, new TrainerOptions { Epochs = 5, TrainAccuracyEvery = 1 });

            Assert.Equal(new[] { 1, 2, 3, 4, 5 }, results.Select(r => r.Epoch));
            for (int i = 1; i < results.Count; i++)
                Assert.True(results[i].ValidationLoss < results[i - 1].ValidationLoss, $"validation loss rose at epoch {i + 1}: {results[i - 1].ValidationLoss} -> {results[i].ValidationLoss}");
            Assert.True(results[^1].TrainLoss < results[0].TrainLoss, $"train loss {results[0].TrainLoss} -> {results[^1].TrainLoss}");
            Assert.True(results[0].TrainLoss < Math.Log(Classes), "the first epoch's mean loss is below chance level (ln 3)");
            Assert.True(results[^1].ValidationAccuracy >= 0.95, $"validation accuracy {results[^1].ValidationAccuracy}");
            Assert.True(results[^1].TrainAccuracy >= 0.9, $"train accuracy {results[^1].TrainAccuracy}");
            Assert.All(results, r => Assert.True(r.SamplesPerSecond > 0 && r.Duration > TimeSpan.Zero && r.LearningRate == 0.5));
        }

        [Fact]
        public void CountNotAMultipleOfBatchSize_LastBatchIsShort()
        {
            var model = NewModel();
            ModelGen.Trainer.Fit(model, new Sgd(0.1), train, null, new TrainerOptions { Epochs = 2 });

            int[] expectedEpoch = Enumerable.Repeat(Batch, StepsPerEpoch - 1).Append(TrainCount - (StepsPerEpoch - 1) * Batch).ToArray();
            Assert.Equal(expectedEpoch.Concat(expectedEpoch), model.BatchSizes.ToArray());
        }

        [Fact]
        public void ValidationGetsWorse_EarlyStoppingStopsAndRestoresBest()
        {
            // Shifted labels: the better the model fits the training set, the worse its validation loss, so epoch 1 is best.
            var worsening = SoftmaxRegression.ShiftLabels(validation, Classes);
            var early = new EarlyStopping(patience: 2);
            var model = NewModel();
            var (results, snapshots) = FitWithSnapshots(model, new Sgd(0.5), train, worsening,
                new TrainerOptions { Epochs = 10, EarlyStopping = early });

            Assert.Equal(3, results.Count);
            Assert.Equal(0, early.BestEpoch);
            Assert.Equal(snapshots[0], model.Parameters.ToArray());
            Assert.NotEqual(snapshots[2], model.Parameters.ToArray());
        }

        [Fact]
        public void RestoreBestWeightsOff_KeepsLastEpoch()
        {
            var worsening = SoftmaxRegression.ShiftLabels(validation, Classes);
            var model = NewModel();
            var (results, snapshots) = FitWithSnapshots(model, new Sgd(0.5), train, worsening,
                new TrainerOptions { Epochs = 10, EarlyStopping = new EarlyStopping(patience: 2), RestoreBestWeights = false });

            Assert.Equal(3, results.Count);
            Assert.Equal(snapshots[2], model.Parameters.ToArray());
        }

        [Fact]
        public void ValidationGetsWorse_CheckpointHoldsBestEpoch()
        {
            string path = Path.Combine(folder, "best.safetensors");
            var worsening = SoftmaxRegression.ShiftLabels(validation, Classes);
            var model = NewModel();
            var (_, snapshots) = FitWithSnapshots(model, new Sgd(0.5), train, worsening,
                new TrainerOptions { Epochs = 3, CheckpointPath = path });

            IReadOnlyDictionary<string, string> metadata = Checkpoint.ReadMetadata(path);
            Assert.Equal("1", metadata["trainer.epoch"]);
            Assert.Equal(StepsPerEpoch.ToString(), metadata["modelgen.step"]);
            var restored = NewModel();
            Checkpoint.Load(restored, path);
            Assert.Equal(snapshots[0], restored.Parameters.ToArray());
            Assert.Equal(new[] { path }, Directory.GetFiles(folder)); // no temporary file left behind
        }

        [Fact]
        public void CheckpointEveryEpoch_HoldsLastEpoch()
        {
            string path = Path.Combine(folder, "last.safetensors");
            var worsening = SoftmaxRegression.ShiftLabels(validation, Classes);
            var model = NewModel();
            ModelGen.Trainer.Fit(model, new Sgd(0.5), train, worsening,
                new TrainerOptions { Epochs = 3, CheckpointPath = path, CheckpointEveryEpoch = true });

            Assert.Equal("3", Checkpoint.ReadMetadata(path)["trainer.epoch"]);
            var restored = NewModel();
            Checkpoint.Load(restored, path);
            Assert.Equal(model.Parameters.ToArray(), restored.Parameters.ToArray());
        }

        [Fact]
        public void ProgressIntervalZero_ReportsEveryStepInOrder()
        {
            var reports = new List<TrainingProgress>();
            ModelGen.Trainer.Fit(NewModel(), new Sgd(0.5), train, validation,
                new TrainerOptions { Epochs = 2, ProgressInterval = TimeSpan.Zero }, new Report<TrainingProgress>(reports.Add));

            Assert.Equal(2 * StepsPerEpoch, reports.Count);
            for (int i = 0; i < reports.Count; i++)
            {
                TrainingProgress p = reports[i];
                Assert.Equal((i / StepsPerEpoch + 1, 2, i % StepsPerEpoch + 1, StepsPerEpoch), (p.Epoch, p.Epochs, p.Step, p.StepsPerEpoch));
                Assert.True(double.IsFinite(p.Loss) && p.Loss > 0 && p.SamplesPerSecond > 0, $"report {i}: {p}");
                if (i > 0) Assert.True(p.Elapsed >= reports[i - 1].Elapsed);
            }
            Assert.Equal(TimeSpan.Zero, reports[^1].Remaining);
            Assert.True(reports[0].Remaining > TimeSpan.Zero);
        }

        [Fact]
        public void DefaultProgressInterval_ReportsAtMostTenTimesASecondAndEveryEpochEnd()
        {
            // Batches of 1: 300 steps per epoch, far more than the reports allowed in the few milliseconds they take.
            var model = new SoftmaxRegression(Features, Classes, batchSize: 1);
            var reports = new List<TrainingProgress>();
            var watch = System.Diagnostics.Stopwatch.StartNew();
            ModelGen.Trainer.Fit(model, new Sgd(0.1), train, null, new TrainerOptions { Epochs = 3 }, new Report<TrainingProgress>(reports.Add));
            double seconds = watch.Elapsed.TotalSeconds;

            Assert.True(reports.Count <= 3 + seconds * 10 + 1, $"{reports.Count} reports in {seconds:F3} s");
            Assert.Equal(new[] { 1, 2, 3 }, reports.Where(r => r.Step == r.StepsPerEpoch).Select(r => r.Epoch));
        }

        [Fact]
        public void CancelledDuringEpoch_ThrowsAndRunsNoFurtherStep()
        {
            var model = NewModel();
            using var cancel = new CancellationTokenSource();
            var progress = new Report<TrainingProgress>(p =>
            {
                if (p.Epoch == 2 && p.Step == 5) cancel.Cancel();
            });

            Assert.Throws<OperationCanceledException>(() => ModelGen.Trainer.Fit(model, new Sgd(0.1), train, validation,
                new TrainerOptions { ProgressInterval = TimeSpan.Zero }, progress, cancellationToken: cancel.Token));
            Assert.Equal(StepsPerEpoch + 5, model.Steps);
        }

        [Fact]
        public void CancelledBeforeStart_RunsNoStep()
        {
            var model = NewModel();
            Assert.Throws<OperationCanceledException>(() => ModelGen.Trainer.Fit(model, new Sgd(0.1), train, null,
                new TrainerOptions(), cancellationToken: new CancellationToken(canceled: true)));
            Assert.Equal(0, model.Steps);
        }

        [Fact]
        public void NaNLoss_ThrowsNamingEpochAndStep()
        {
            var model = NewModel();
            model.NaNAtStep = StepsPerEpoch + 3;
            var e = Assert.Throws<InvalidOperationException>(() => ModelGen.Trainer.Fit(model, new Sgd(0.1), train, validation, new TrainerOptions()));
            Assert.Contains("epoch 2, step 3 of 19", e.Message);
            Assert.Contains("NaN", e.Message);
            Assert.Equal(StepsPerEpoch + 3, model.Steps);
        }

        [Fact]
        public void StepsAfterTheFirst_AllocateNothing()
        {
            // Every report records the bytes this thread has allocated so far; between two reports lie whole steps
            // (batching, TrainStep, the accuracy forward pass, the progress value), which must allocate nothing. The
            // runtime may allocate once in a while on its own (a tier-1 recompile landing), so one of the epochs after
            // the first must be clean from its second step to its last (as tests/Shared/Allocations.cs explains).
            const int epochs = 4;
            long[] allocated = new long[epochs * StepsPerEpoch];
            int count = 0;
            var progress = new Report<TrainingProgress>(_ => allocated[count++] = GC.GetAllocatedBytesForCurrentThread());
            ModelGen.Trainer.Fit(NewModel(), new Adam(0.01), train, validation,
                new TrainerOptions { Epochs = epochs, ProgressInterval = TimeSpan.Zero, TrainAccuracyEvery = 1 }, progress);

            Assert.Equal(allocated.Length, count);
            long fewest = long.MaxValue;
            for (int epoch = 1; epoch < epochs; epoch++)
                fewest = Math.Min(fewest, allocated[(epoch + 1) * StepsPerEpoch - 1] - allocated[epoch * StepsPerEpoch + 1]);
            Assert.Equal(0, fewest);
        }

        [Fact]
        public void Plateau_InstalledAsScheduleAndCutsRateAfterWorseEpoch()
        {
            var worsening = SoftmaxRegression.ShiftLabels(validation, Classes);
            var plateau = new ReduceOnPlateau(factor: 0.5, patience: 1, minDelta: 0);
            var optimizer = new Sgd(0.2);
            var results = ModelGen.Trainer.Fit(NewModel(), optimizer, train, worsening, new TrainerOptions { Epochs = 4, Plateau = plateau });

            Assert.Same(plateau, optimizer.Schedule);
            // Epoch 1 sets the best; epochs 2 and 3 are worse, and each cut applies from the next epoch.
            Assert.Equal(new[] { 0.2, 0.2, 0.1, 0.05 }, results.Select(r => Math.Round(r.LearningRate, 12)));
            Assert.Equal(3, plateau.Reductions);
        }

        [Fact]
        public void Plateau_OptimizerHasAnotherSchedule_Throws()
        {
            var optimizer = new Sgd(0.2) { Schedule = new ExponentialDecay(100, 0.9) };
            var e = Assert.Throws<ArgumentException>(() => ModelGen.Trainer.Fit(NewModel(), optimizer, train, validation,
                new TrainerOptions { Plateau = new ReduceOnPlateau() }));
            Assert.Equal("options", e.ParamName);
            Assert.Contains("ExponentialDecay", e.Message);
        }

        [Fact]
        public void UsedEarlyStopping_Throws()
        {
            var early = new EarlyStopping(3);
            early.Report(1.0, new float[15]);
            var e = Assert.Throws<ArgumentException>(() => ModelGen.Trainer.Fit(NewModel(), new Sgd(0.1), train, null,
                new TrainerOptions { EarlyStopping = early }));
            Assert.Contains("EarlyStopping", e.Message);
        }

        [Fact]
        public void DatasetOfOtherInputLength_ThrowsNamingIt()
        {
            var wide = SoftmaxRegression.Blobs(20, Features + 1, Classes, seed: 3);
            var e = Assert.Throws<ArgumentException>(() => ModelGen.Trainer.Fit(NewModel(), new Sgd(0.1), train, wide, new TrainerOptions()));
            Assert.Equal("validation", e.ParamName);
            Assert.Contains("5 floats", e.Message);
        }

        [Fact]
        public void LabelOutsideClasses_ThrowsNamingIt()
        {
            var bad = new Dataset(new float[3 * Features], new[] { 0, 1, Classes }, Features);
            var e = Assert.Throws<ArgumentException>(() => ModelGen.Trainer.Fit(NewModel(), new Sgd(0.1), bad, null, new TrainerOptions()));
            Assert.Equal("train", e.ParamName);
            Assert.Contains("Label 2", e.Message);
        }

        [Fact]
        public void BadOptionValues_ThrowNamingTheProperty()
        {
            Assert.Equal("Epochs", Assert.Throws<ArgumentOutOfRangeException>(() => new TrainerOptions { Epochs = 0 }).ParamName);
            Assert.Equal("EvaluateEvery", Assert.Throws<ArgumentOutOfRangeException>(() => new TrainerOptions { EvaluateEvery = 0 }).ParamName);
            Assert.Equal("TrainAccuracyEvery", Assert.Throws<ArgumentOutOfRangeException>(() => new TrainerOptions { TrainAccuracyEvery = -1 }).ParamName);
            Assert.Equal("ProgressInterval", Assert.Throws<ArgumentOutOfRangeException>(() => new TrainerOptions { ProgressInterval = TimeSpan.FromTicks(-1) }).ParamName);
        }

        [Fact]
        public void SameSeed_SameRun_OtherSeedOtherOrder()
        {
            float[] Run(int seed, bool shuffle)
            {
                var model = NewModel();
                ModelGen.Trainer.Fit(model, new Sgd(0.5), train, null, new TrainerOptions { Epochs = 2, Seed = seed, Shuffle = shuffle });
                return model.Parameters.ToArray();
            }

            Assert.Equal(Run(7, true), Run(7, true));
            Assert.NotEqual(Run(7, true), Run(8, true));
            Assert.Equal(Run(7, false), Run(8, false));
        }

        [Fact]
        public void EvaluateEveryTwo_ValidatesEvenEpochsAndTheLast()
        {
            var results = ModelGen.Trainer.Fit(NewModel(), new Sgd(0.5), train, validation, new TrainerOptions { Epochs = 5, EvaluateEvery = 2 });

            Assert.Equal(new[] { false, true, false, true, true }, results.Select(r => double.IsFinite(r.ValidationLoss)));
            Assert.Equal(new[] { false, true, false, true, true }, results.Select(r => double.IsFinite(r.ValidationAccuracy)));
        }

        [Fact]
        public void NoValidationSet_EarlyStoppingWatchesTrainingLoss()
        {
            var early = new EarlyStopping(patience: 1);
            var results = ModelGen.Trainer.Fit(NewModel(), new Sgd(0.5), train, null, new TrainerOptions { Epochs = 4, EarlyStopping = early });

            Assert.Equal(4, results.Count); // the training loss keeps falling on separable data
            Assert.All(results, r => Assert.True(double.IsNaN(r.ValidationLoss)));
            Assert.Equal(results[early.BestEpoch].TrainLoss, early.BestLoss);
        }

        [Fact]
        public void TrainAccuracyOff_ReportsNaN()
        {
            var results = ModelGen.Trainer.Fit(NewModel(), new Sgd(0.5), train, null, new TrainerOptions { Epochs = 1, TrainAccuracyEvery = 0 });
            Assert.True(double.IsNaN(results[0].TrainAccuracy));
        }
    }
}
