// What the MNIST sample apps share: the command line, MNIST (or its synthetic stand-in), the training run and its report.
using System;
using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Threading;
using ModelGen;
using ModelGen.Checkpoints;
using ModelGen.Data;
using Spectre.Console;

namespace ModelGen.Samples
{
    /// <summary>The values of the common options.</summary>
    internal sealed record SampleSettings(string? DataDirectory, int Epochs, int Seed, int? Limit, string? SavePath, string? CsvPath, string? PlotPath, int Threads);

    /// <summary>The data a sample trains on: TensorFlow's 55,000 train / 5,000 validation / 10,000 test MNIST split, or synthetic digits.</summary>
    internal sealed record SampleData(Dataset Train, Dataset Validation, Dataset Test, string Description, bool Synthetic);

    /// <summary>The figure a sample is compared with: the tutorial, its test accuracy (NaN: none published), and how long it trained.</summary>
    internal sealed record Tutorial(string Name, double Accuracy, string Training);

    /// <summary>The common options (<c>--data --epochs --seed --limit --save --csv --plot --threads</c>) on a root command an app can extend.</summary>
    internal sealed class SampleCommand
    {
        public readonly Option<string?> Data = new("--data") { Description = "The folder of the four MNIST files (default: ../shared/data/mnist beside the repository, then ./data/mnist)" };
        public readonly Option<int> Epochs;
        public readonly Option<int> Seed = new("--seed") { Description = "Seeds the order of the training batches (the initial weights come from the model's [Model(Seed)])", DefaultValueFactory = _ => 1 };
        public readonly Option<int?> Limit = new("--limit") { Description = "Train on the first N training images only, for quick runs" };
        public readonly Option<string?> Save = new("--save") { Description = "Save the trained model's variables to this safetensors file" };
        public readonly Option<string?> Csv = new("--csv") { Description = "Write the epoch curve to this CSV file" };
        public readonly Option<string?> Plot = new("--plot") { Description = "Draw the epoch curve (loss and accuracy) to this PNG file" };
        public readonly Option<int> Threads = new("--threads") { Description = "Kernel threads (results are bitwise the same for any count)", DefaultValueFactory = _ => 1 };

        public SampleCommand(string description, int defaultEpochs)
        {
            Epochs = new("--epochs") { Description = $"The number of passes over the training set (default {defaultEpochs})", DefaultValueFactory = _ => defaultEpochs };
            Root = new RootCommand(description) { Data, Epochs, Seed, Limit, Save, Csv, Plot, Threads };
            Epochs.Validators.Add(r => { if (r.GetValueOrDefault<int>() < 1) r.AddError("--epochs must be at least 1."); });
            Limit.Validators.Add(r => { if (r.GetValueOrDefault<int?>() is < 1) r.AddError("--limit must be at least 1."); });
            Threads.Validators.Add(r =>
            {
                int most = Environment.ProcessorCount * 4; // what Parallelism.ThreadCount accepts
                if (r.GetValueOrDefault<int>() < 1 || r.GetValueOrDefault<int>() > most) r.AddError($"--threads must be between 1 and {most}.");
            });
        }

        public RootCommand Root { get; }

        public SampleSettings Read(ParseResult result) => new(
            result.GetValue(Data), result.GetValue(Epochs), result.GetValue(Seed), result.GetValue(Limit), result.GetValue(Save), result.GetValue(Csv), result.GetValue(Plot), result.GetValue(Threads));
    }

    internal static class SampleHost
    {
        /// <summary>The synthetic stand-in's sizes when MNIST is missing: SyntheticTrain digits split into train and validation, plus a test set.</summary>
        private const int SyntheticTrain = 12_000, SyntheticValidation = 1_000, SyntheticTest = 2_000;

        /// <summary>
        /// MNIST split as TensorFlow 1.x's <c>read_data_sets</c> does (the first 5,000 training images to validate, the other
        /// 55,000 to train, the 10,000 test images to test); when the files are missing, says where it looked and what to
        /// put there, and generates synthetic digits instead, so the command always runs.
        /// </summary>
        public static SampleData LoadData(SampleSettings settings)
        {
            SampleData data;
            try
            {
                var watch = Stopwatch.StartNew();
                (Dataset train, Dataset test) = Mnist.Load(settings.DataDirectory);
                // TensorFlow's read_data_sets validates on the first 5,000 training images and trains on the other 55,000.
                (Dataset validation, Dataset rest) = train.Split(5_000);
                data = new SampleData(rest, validation, test, $"MNIST from {Mnist.FindDirectory(settings.DataDirectory)} (loaded in {watch.Elapsed.TotalSeconds:F1} s)", false);
            }
            catch (FileNotFoundException e)
            {
                Say(e.Message);
                Say("In these apps, --data DIR names the folder.");
                Say($"Training on {SyntheticTrain - SyntheticValidation:N0} synthetic digits instead (SyntheticDigits: MNIST-shaped, but not MNIST, so the tutorial's figure does not apply).");
                (Dataset train, Dataset validation) = SyntheticDigits.Generate(SyntheticTrain, seed: 1).Split(SyntheticTrain - SyntheticValidation);
                data = new SampleData(train, validation, SyntheticDigits.Generate(SyntheticTest, seed: 2), "synthetic digits", true);
            }
            if (settings.Limit is int limit && limit < data.Train.Count)
                data = data with { Train = data.Train.Slice(0, limit) };
            Say($"Data: {data.Description}: {data.Train.Count:N0} train, {data.Validation.Count:N0} validation, {data.Test.Count:N0} test images.");
            return data;
        }

        /// <summary>
        /// Trains <paramref name="model"/> with a live progress bar (a plain line every few seconds when the output is not a
        /// terminal), prints each epoch, then the test accuracy beside the tutorial's and the total time; saves the model
        /// and the CSV when asked. Ctrl+C stops training and still tests and saves what was learned.
        /// </summary>
        public static int Train<TModel>(TModel model, Optimizer optimizer, SampleSettings settings, SampleData data, Tutorial tutorial, TrainerOptions? baseOptions = null)
            where TModel : ITrainableModel<int>
        {
            long parameters = 0;
            foreach (VariableInfo v in model.Variables) parameters += v.Length;
            ModelGen.Kernels.Parallelism.ThreadCount = settings.Threads;
            Say($"Model: {typeof(TModel).Name}, {parameters:N0} parameters, batch size {model.BatchSize}; optimizer {optimizer.GetType().Name}, learning rate {Number(optimizer.LearningRate)}; {settings.Epochs} epoch(s), {settings.Threads} thread(s).");

            var options = new TrainerOptions
            {
                Epochs = settings.Epochs,
                Seed = settings.Seed,
                Plateau = baseOptions?.Plateau,
                EarlyStopping = baseOptions?.EarlyStopping,
                TrainAccuracyEvery = baseOptions?.TrainAccuracyEvery ?? 10,
            };
            var results = new System.Collections.Generic.List<EpochResult>();
            var epochs = new SyncProgress<EpochResult>(r =>
            {
                results.Add(r);
                Say($"epoch {r.Epoch,3}/{settings.Epochs}  loss {r.TrainLoss:F4}  acc {Percent(r.TrainAccuracy)}  val loss {r.ValidationLoss:F4}  val acc {Percent(r.ValidationAccuracy)}  {r.SamplesPerSecond,7:N0} samples/s  {r.Duration.TotalSeconds,6:F1} s  lr {Number(r.LearningRate)}");
            });

            using var cancel = new CancellationTokenSource();
            ConsoleCancelEventHandler onCancel = (_, e) => { e.Cancel = true; cancel.Cancel(); };
            Console.CancelKeyPress += onCancel;
            var total = Stopwatch.StartNew();
            try
            {
                if (AnsiConsole.Profile.Capabilities.Interactive)
                {
                    AnsiConsole.Progress().AutoClear(true).HideCompleted(true)
                        .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn())
                        .Start(context =>
                        {
                            ProgressTask task = context.AddTask("starting", maxValue: 1);
                            var progress = new SyncProgress<TrainingProgress>(p =>
                            {
                                task.MaxValue = p.StepsPerEpoch;
                                task.Value = p.Step;
                                task.Description = Markup.Escape(ProgressLine(p));
                            });
                            Trainer.Fit(model, optimizer, data.Train, data.Validation, options, progress, epochs, cancel.Token);
                        });
                }
                else
                {
                    long lastPrint = Stopwatch.GetTimestamp();
                    var progress = new SyncProgress<TrainingProgress>(p =>
                    {
                        if (p.Step == p.StepsPerEpoch || Stopwatch.GetElapsedTime(lastPrint).TotalSeconds < 10) return;
                        lastPrint = Stopwatch.GetTimestamp();
                        Say("  " + ProgressLine(p));
                    });
                    Trainer.Fit(model, optimizer, data.Train, data.Validation, options, progress, epochs, cancel.Token);
                }
            }
            catch (OperationCanceledException)
            {
                Say($"Stopped by Ctrl+C after {results.Count} complete epoch(s); testing the model as it is.");
            }
            finally
            {
                Console.CancelKeyPress -= onCancel;
            }

            // The weights are final: pack the kernels once for the whole test set instead of once per batch.
            model.PackWeights();
            Evaluation test = model.Evaluate(data.Test.Inputs, data.Test.Labels);
            string reference = double.IsNaN(tutorial.Accuracy) ? $"; {tutorial.Name}."
                : data.Synthetic ? $" (synthetic digits: the {Percent(tutorial.Accuracy).Trim()} of {tutorial.Name} on MNIST does not apply)."
                : $"; {tutorial.Name}: {Percent(tutorial.Accuracy).Trim()} after {tutorial.Training}.";
            Say($"Test: loss {test.Loss:F4}, accuracy {Percent(test.Accuracy).Trim()} on {test.Count:N0} images{reference}");
            Say($"Total time: {total.Elapsed.TotalSeconds:F1} s.");

            if (settings.SavePath is { } save)
            {
                Checkpoint.Save(model, save, new CheckpointOptions { Step = optimizer.Iterations });
                Say($"Saved the model to {Path.GetFullPath(save)}.");
            }
            if (settings.CsvPath is { } csv)
            {
                TrainingLog.WriteCsv(csv, results);
                Say($"Wrote the epoch curve to {Path.GetFullPath(csv)}.");
            }
            if (settings.PlotPath is { } plot)
            {
                CurvePlot.Write(plot, results);
                Say($"Drew the epoch curve to {Path.GetFullPath(plot)} (left: loss, right: accuracy; blue training, orange validation).");
            }
            return 0;
        }

        private static string ProgressLine(TrainingProgress p) =>
            $"epoch {p.Epoch}/{p.Epochs} step {p.Step}/{p.StepsPerEpoch}  loss {p.Loss:F4}  acc {Percent(p.Accuracy)}  {p.SamplesPerSecond:N0} samples/s  eta {Duration(p.Remaining)}";

        private static string Percent(double fraction) => double.IsNaN(fraction) ? "   -   " : (100 * fraction).ToString("F2", CultureInfo.InvariantCulture).PadLeft(6) + " %";

        private static string Number(double value) => value.ToString("G4", CultureInfo.InvariantCulture);

        private static string Duration(TimeSpan time) => time.TotalHours >= 1 ? time.ToString(@"h\:mm\:ss", CultureInfo.InvariantCulture) : time.ToString(@"m\:ss", CultureInfo.InvariantCulture);

        /// <summary>
        /// Writes a line: through Spectre on a terminal (so it lands above the live progress bar, without markup parsing),
        /// straight to the console otherwise (Spectre would wrap it at 80 columns).
        /// </summary>
        public static void Say(string line)
        {
            if (AnsiConsole.Profile.Capabilities.Interactive) AnsiConsole.WriteLine(line);
            else Console.WriteLine(line);
        }

        /// <summary>Runs an app's root command, with the culture fixed so that every number prints the same everywhere.</summary>
        public static int Run(RootCommand root, string[] args)
        {
            CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
            return root.Parse(args).Invoke();
        }
    }

    /// <summary>An IProgress that runs its action on the reporting thread: the trainer's reports arrive in order, at once.</summary>
    internal sealed class SyncProgress<T> : IProgress<T>
    {
        private readonly Action<T> action;

        public SyncProgress(Action<T> action) => this.action = action;

        public void Report(T value) => action(value);
    }
}
