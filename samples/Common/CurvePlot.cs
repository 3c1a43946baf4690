// Draws the epoch curve (training and validation loss on the left half, accuracies on the right) as a PNG with no
// dependency: a small RGB canvas, straight lines, and zlib from the framework.
using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.IO;
using System.IO.Compression;
using System.Text;
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
            WritePng(path, pixels);
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

        private static void WritePng(string path, byte[] rgb)
        {
            var compressed = new MemoryStream();
            using (var zlib = new ZLibStream(compressed, CompressionLevel.Optimal, leaveOpen: true))
                for (int y = 0; y < Height; y++)
                {
                    zlib.WriteByte(0); // no filter
                    zlib.Write(rgb, y * Width * 3, Width * 3);
                }
            var header = new byte[13];
            BinaryPrimitives.WriteInt32BigEndian(header, Width);
            BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4), Height);
            header[8] = 8; // bit depth
            header[9] = 2; // RGB
            using var file = File.Create(path);
            file.Write(new byte[] { 137, 80, 78, 71, 13, 10, 26, 10 });
            Chunk(file, "IHDR", header);
            Chunk(file, "IDAT", compressed.ToArray());
            Chunk(file, "IEND", Array.Empty<byte>());
        }

        private static void Chunk(Stream stream, string type, byte[] data)
        {
            Span<byte> word = stackalloc byte[4];
            BinaryPrimitives.WriteInt32BigEndian(word, data.Length);
            stream.Write(word);
            byte[] name = Encoding.ASCII.GetBytes(type);
            stream.Write(name);
            stream.Write(data);
            BinaryPrimitives.WriteUInt32BigEndian(word, Crc(data, Crc(name, 0xFFFFFFFFu)) ^ 0xFFFFFFFFu);
            stream.Write(word);
        }

        private static uint Crc(byte[] data, uint crc)
        {
            foreach (byte b in data)
            {
                crc ^= b;
                for (int k = 0; k < 8; k++) crc = (crc & 1) != 0 ? 0xEDB88320u ^ (crc >> 1) : crc >> 1;
            }
            return crc;
        }
    }
}
