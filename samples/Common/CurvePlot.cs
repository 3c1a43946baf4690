// Draws the epoch curve (training and validation loss on the left half, accuracies on the right) as a PNG with no
// dependency: a small RGB canvas and straight lines, written by Png.
using System;
using System.Collections.Generic;
using ModelGen;

namespace ModelGen.Samples
{
    internal static class CurvePlot
    {
        private const int Width = 800, Height = 360, Margin = 30;

        private static readonly (byte R, byte G, byte B) Train = (31, 119, 180), Validation = (255, 127, 14), Axis = (120, 120, 120);

        /// <summary>Writes loss (left panel) and accuracy (right panel) per epoch; blue is training, orange validation.</summary>
        public static void Write(string path, IReadOnlyList<EpochResult> results)
        {
            var pixels = new byte[Width * Height * 3];
            Array.Fill(pixels, (byte)255);
            int panel = Width / 2;
            DrawPanel(pixels, 0, panel, results, r => r.TrainLoss, r => r.ValidationLoss);
            DrawPanel(pixels, panel, panel, results, r => r.TrainAccuracy, r => r.ValidationAccuracy);
            Png.Write(path, Width, Height, 3, pixels);
        }

        private static void DrawPanel(byte[] pixels, int left, int width, IReadOnlyList<EpochResult> results, Func<EpochResult, double> train, Func<EpochResult, double> validation)
        {
            int x0 = left + Margin, x1 = left + width - Margin, y0 = Height - Margin, y1 = Margin;
            Line(pixels, x0, y0, x1, y0, Axis);
            Line(pixels, x0, y0, x0, y1, Axis);
            double min = double.MaxValue, max = double.MinValue;
            foreach (EpochResult r in results)
                foreach (double v in new[] { train(r), validation(r) })
                    if (double.IsFinite(v)) { min = Math.Min(min, v); max = Math.Max(max, v); }
            if (min > max) return;
            if (max - min < 1e-12) { min -= 0.5; max += 0.5; }
            int X(int i) => results.Count == 1 ? (x0 + x1) / 2 : x0 + (x1 - x0) * i / (results.Count - 1);
            int Y(double v) => y0 - (int)Math.Round((y0 - y1) * (v - min) / (max - min));
            foreach (var (series, color) in new[] { (train, Train), (validation, Validation) })
            {
                for (int i = 0; i < results.Count; i++)
                {
                    double v = series(results[i]);
                    if (!double.IsFinite(v)) continue;
                    Dot(pixels, X(i), Y(v), color);
                    if (i > 0 && double.IsFinite(series(results[i - 1])))
                        Line(pixels, X(i - 1), Y(series(results[i - 1])), X(i), Y(v), color);
                }
            }
        }

        private static void Dot(byte[] pixels, int x, int y, (byte R, byte G, byte B) color)
        {
            for (int dy = -2; dy <= 2; dy++)
                for (int dx = -2; dx <= 2; dx++)
                    Set(pixels, x + dx, y + dy, color);
        }

        private static void Line(byte[] pixels, int xa, int ya, int xb, int yb, (byte R, byte G, byte B) color)
        {
            int steps = Math.Max(Math.Abs(xb - xa), Math.Abs(yb - ya));
            for (int i = 0; i <= steps; i++)
            {
                int x = steps == 0 ? xa : xa + (xb - xa) * i / steps, y = steps == 0 ? ya : ya + (yb - ya) * i / steps;
                Set(pixels, x, y, color);
                Set(pixels, x, y + 1, color);
            }
        }

        private static void Set(byte[] pixels, int x, int y, (byte R, byte G, byte B) color)
        {
            if (x < 0 || y < 0 || x >= Width || y >= Height) return;
            int o = (y * Width + x) * 3;
            (pixels[o], pixels[o + 1], pixels[o + 2]) = color;
        }
    }
}
