// Writes a training run's epoch curve as CSV, for spreadsheets, pandas or gnuplot.
using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Text;

namespace ModelGen
{
    /// <summary>The epoch curve of a <see cref="Trainer.Fit"/> run as CSV.</summary>
    public static class TrainingLog
    {
        /// <summary>The header line <see cref="WriteCsv(TextWriter, IEnumerable{EpochResult})"/> writes.</summary>
        public const string CsvHeader =
            "epoch,train_loss,train_accuracy,validation_loss,validation_accuracy,samples_per_second,duration_seconds,learning_rate";

        /// <summary>
        /// Writes <paramref name="results"/> to <paramref name="path"/> as CSV (see <see cref="WriteCsv(TextWriter, IEnumerable{EpochResult})"/>),
        /// atomically: to a temporary file in the same folder, then renamed over the path.
        /// </summary>
        public static void WriteCsv(string path, IEnumerable<EpochResult> results)
        {
            ArgumentException.ThrowIfNullOrEmpty(path);
            ArgumentNullException.ThrowIfNull(results);
            string full = Path.GetFullPath(path);
            string folder = Path.GetDirectoryName(full) ?? throw new ArgumentException($"'{path}' names no file.", nameof(path));
            if (!Directory.Exists(folder)) throw new DirectoryNotFoundException($"Cannot write the CSV '{path}': the folder '{folder}' does not exist.");
            string temporary = Path.Combine(folder, "." + Path.GetFileName(full) + "." + Guid.NewGuid().ToString("N").Substring(0, 12) + ".tmp");
            try
            {
                using (var writer = new StreamWriter(temporary, append: false, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false)))
                    WriteCsv(writer, results);
                File.Move(temporary, full, overwrite: true);
            }
            catch
            {
                try { File.Delete(temporary); } catch (IOException) { } catch (UnauthorizedAccessException) { }
                throw;
            }
        }

        /// <summary>
        /// Writes <see cref="CsvHeader"/> and one line per epoch: numbers in the invariant culture with full precision, the
        /// duration in seconds, and an empty field for a value that was not measured (NaN), which pandas reads as NaN.
        /// </summary>
        public static void WriteCsv(TextWriter writer, IEnumerable<EpochResult> results)
        {
            ArgumentNullException.ThrowIfNull(writer);
            ArgumentNullException.ThrowIfNull(results);
            writer.Write(CsvHeader);
            writer.Write('\n');
            foreach (EpochResult r in results)
            {
                writer.Write(r.Epoch.ToString(CultureInfo.InvariantCulture));
                foreach (double value in new[] { r.TrainLoss, r.TrainAccuracy, r.ValidationLoss, r.ValidationAccuracy, r.SamplesPerSecond, r.Duration.TotalSeconds, r.LearningRate })
                {
                    writer.Write(',');
                    if (!double.IsNaN(value)) writer.Write(value.ToString("R", CultureInfo.InvariantCulture));
                }
                writer.Write('\n');
            }
        }
    }
}
