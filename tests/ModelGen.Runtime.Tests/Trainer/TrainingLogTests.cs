// TrainingLog.WriteCsv: the header, invariant numbers that parse back exactly, empty fields for values not measured.
using System;
using System.Globalization;
using System.IO;
using System.Linq;
using ModelGen;

namespace ModelGen.Runtime.Tests.Trainers
{
    public sealed class TrainingLogTests
    {
        private static readonly EpochResult[] Results =
        {
            new(1, 0.6931471805599453, 0.8125, double.NaN, double.NaN, 12345.678, TimeSpan.FromMilliseconds(1500), 1e-4),
            new(2, 0.25, double.NaN, 0.3, 0.9123, 23456.5, TimeSpan.FromSeconds(2.25), 5e-5),
        };

        [Fact]
        public void CommaDecimalCulture_WritesInvariantNumbersThatParseBack()
        {
            CultureInfo previous = CultureInfo.CurrentCulture;
            CultureInfo.CurrentCulture = CultureInfo.GetCultureInfo("de-DE");
            string path = Path.Combine(Path.GetTempPath(), "modelgen-log-" + Guid.NewGuid().ToString("N") + ".csv");
            try
            {
                TrainingLog.WriteCsv(path, Results);
                string[] lines = File.ReadAllText(path).Split('\n', StringSplitOptions.RemoveEmptyEntries);

                Assert.Equal(TrainingLog.CsvHeader, lines[0]);
                Assert.Equal(Results.Length + 1, lines.Length);
                for (int i = 0; i < Results.Length; i++)
                {
                    string[] fields = lines[i + 1].Split(',');
                    EpochResult r = Results[i];
                    double[] expected = { r.Epoch, r.TrainLoss, r.TrainAccuracy, r.ValidationLoss, r.ValidationAccuracy, r.SamplesPerSecond, r.Duration.TotalSeconds, r.LearningRate };
                    Assert.Equal(expected.Length, fields.Length);
                    for (int f = 0; f < fields.Length; f++)
                    {
                        if (double.IsNaN(expected[f])) Assert.Equal("", fields[f]);
                        else Assert.Equal(expected[f], double.Parse(fields[f], CultureInfo.InvariantCulture));
                    }
                }
            }
            finally
            {
                CultureInfo.CurrentCulture = previous;
                File.Delete(path);
            }
        }

        [Fact]
        public void MissingFolder_ThrowsNamingIt()
        {
            string path = Path.Combine(Path.GetTempPath(), "modelgen-missing-" + Guid.NewGuid().ToString("N"), "log.csv");
            var e = Assert.Throws<DirectoryNotFoundException>(() => TrainingLog.WriteCsv(path, Results));
            Assert.Contains(Path.GetDirectoryName(path)!, e.Message);
        }

        [Fact]
        public void NoResults_WritesHeaderOnly()
        {
            var writer = new StringWriter();
            TrainingLog.WriteCsv(writer, Array.Empty<EpochResult>());
            Assert.Equal(TrainingLog.CsvHeader + "\n", writer.ToString());
            Assert.DoesNotContain(';', writer.ToString());
            Assert.Single(writer.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).ToArray());
        }
    }
}
