// Reads a grayscale picture from PGM (P2/P5) or PNG (8-bit gray, gray+alpha, RGB, RGBA or palette, not interlaced) and
// turns it into what MNIST looks like: 28x28, white ink on black, floats in [0, 1]. Writes 8-bit grayscale PNG.
using System;
using System.Buffers.Binary;
using System.IO;
using System.IO.Compression;
using System.Text;

namespace DigitApp;

internal sealed record GrayImage(int Width, int Height, float[] Pixels);

internal static class Images
{
    private static readonly byte[] PngSignature = { 137, 80, 78, 71, 13, 10, 26, 10 };

    public static GrayImage Read(string path)
    {
        byte[] bytes = File.ReadAllBytes(path);
        if (bytes.AsSpan().StartsWith(PngSignature)) return ReadPng(bytes, path);
        if (bytes.Length > 2 && bytes[0] == 'P' && (bytes[1] == '5' || bytes[1] == '2')) return ReadPgm(bytes, path);
        throw new InvalidDataException($"{path}: not a PGM (P2/P5) or PNG file.");
    }

    /// <summary>28x28, ink bright on a dark background (inverted when the picture is dark on light), as MNIST.</summary>
    public static float[] ToMnist(GrayImage image)
    {
        var result = new float[28 * 28];
        for (int y = 0; y < 28; y++)
        for (int x = 0; x < 28; x++)
        {
            // Area average over the source pixels that fall into this target pixel.
            int x0 = x * image.Width / 28, x1 = Math.Max(x0 + 1, (x + 1) * image.Width / 28);
            int y0 = y * image.Height / 28, y1 = Math.Max(y0 + 1, (y + 1) * image.Height / 28);
            double sum = 0;
            for (int sy = y0; sy < y1; sy++)
            for (int sx = x0; sx < x1; sx++)
                sum += image.Pixels[sy * image.Width + sx];
            result[y * 28 + x] = (float)(sum / ((x1 - x0) * (y1 - y0)));
        }
        double mean = 0;
        foreach (float v in result) mean += v;
        if (mean / result.Length > 0.5)
            for (int i = 0; i < result.Length; i++) result[i] = 1f - result[i];
        return result;
    }

    private static GrayImage ReadPgm(byte[] bytes, string path)
    {
        int position = 2;
        int Next()
        {
            while (position < bytes.Length)
            {
                if (bytes[position] == '#') { while (position < bytes.Length && bytes[position] != '\n') position++; }
                else if (char.IsWhiteSpace((char)bytes[position])) position++;
                else break;
            }
            int start = position;
            while (position < bytes.Length && char.IsDigit((char)bytes[position])) position++;
            if (start == position) throw new InvalidDataException($"{path}: the PGM header is incomplete.");
            if (!int.TryParse(Encoding.ASCII.GetString(bytes, start, position - start), out int value))
                throw new InvalidDataException($"{path}: a PGM header number is out of range.");
            return value;
        }
        bool binary = bytes[1] == '5';
        int width = Next(), height = Next(), max = Next();
        if (width <= 0 || height <= 0 || width > 8192 || height > 8192 || max <= 0 || max > 65535)
            throw new InvalidDataException($"{path}: PGM size {width}x{height} or maximum {max} is out of range.");
        var pixels = new float[width * height];
        if (binary)
        {
            position++; // the single whitespace after the maximum
            int size = max > 255 ? 2 : 1;
            if (bytes.Length - position < pixels.Length * size) throw new InvalidDataException($"{path}: the PGM data is truncated.");
            for (int i = 0; i < pixels.Length; i++)
                pixels[i] = (size == 1 ? bytes[position + i] : BinaryPrimitives.ReadUInt16BigEndian(bytes.AsSpan(position + 2 * i))) / (float)max;
        }
        else
        {
            for (int i = 0; i < pixels.Length; i++) pixels[i] = Next() / (float)max;
        }
        return new GrayImage(width, height, pixels);
    }

    private static GrayImage ReadPng(byte[] bytes, string path)
    {
        int position = 8, width = 0, height = 0, colorType = -1, bitDepth = 0;
        byte[]? palette = null;
        var data = new MemoryStream();
        while (position + 8 <= bytes.Length)
        {
            int length = BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(position));
            string type = Encoding.ASCII.GetString(bytes, position + 4, 4);
            if (length < 0 || position + 12L + length > bytes.Length) throw new InvalidDataException($"{path}: the PNG chunk {type} is truncated.");
            var chunk = bytes.AsSpan(position + 8, length);
            switch (type)
            {
                case "IHDR":
                    if (length < 13) throw new InvalidDataException($"{path}: the PNG header chunk is {length} bytes, not 13.");
                    width = BinaryPrimitives.ReadInt32BigEndian(chunk);
                    height = BinaryPrimitives.ReadInt32BigEndian(chunk[4..]);
                    bitDepth = chunk[8];
                    colorType = chunk[9];
                    if (chunk[12] != 0) throw new InvalidDataException($"{path}: interlaced PNG is not supported; save it without interlacing.");
                    break;
                case "PLTE": palette = chunk.ToArray(); break;
                case "IDAT": data.Write(chunk); break;
            }
            position += 12 + length;
            if (type == "IEND") break;
        }
        int channels = colorType switch { 0 => 1, 2 => 3, 3 => 1, 4 => 2, 6 => 4, _ => 0 };
        if (channels == 0 || bitDepth != 8 || width <= 0 || height <= 0 || width > 8192 || height > 8192)
            throw new InvalidDataException($"{path}: PNG color type {colorType} with {bitDepth}-bit samples ({width}x{height}) is not supported; use 8-bit gray, RGB or RGBA.");
        if (colorType == 3 && palette is null) throw new InvalidDataException($"{path}: a palette PNG without a PLTE chunk.");

        int stride = width * channels;
        var raw = new byte[(stride + 1) * height];
        data.Position = 0;
        using (var inflater = new ZLibStream(data, CompressionMode.Decompress))
        {
            int read = 0, n;
            while (read < raw.Length && (n = inflater.Read(raw, read, raw.Length - read)) > 0) read += n;
            if (read < raw.Length) throw new InvalidDataException($"{path}: the PNG image data is truncated.");
        }

        var previous = new byte[stride];
        var current = new byte[stride];
        var pixels = new float[width * height];
        for (int y = 0; y < height; y++)
        {
            byte filter = raw[y * (stride + 1)];
            Array.Copy(raw, y * (stride + 1) + 1, current, 0, stride);
            for (int i = 0; i < stride; i++)
            {
                int left = i >= channels ? current[i - channels] : 0, up = previous[i], upLeft = i >= channels ? previous[i - channels] : 0;
                current[i] = (byte)(current[i] + filter switch
                {
                    0 => 0,
                    1 => left,
                    2 => up,
                    3 => (left + up) / 2,
                    4 => Paeth(left, up, upLeft),
                    _ => throw new InvalidDataException($"{path}: unknown PNG filter {filter}."),
                });
            }
            for (int x = 0; x < width; x++)
            {
                int o = x * channels;
                double gray, alpha = 1;
                switch (colorType)
                {
                    case 0: gray = current[o] / 255.0; break;
                    case 4: gray = current[o] / 255.0; alpha = current[o + 1] / 255.0; break;
                    case 3:
                        int p = current[o] * 3;
                        if (p + 2 >= palette!.Length) throw new InvalidDataException($"{path}: a palette index is out of range.");
                        gray = Luma(palette[p], palette[p + 1], palette[p + 2]);
                        break;
                    default:
                        gray = Luma(current[o], current[o + 1], current[o + 2]);
                        if (colorType == 6) alpha = current[o + 3] / 255.0;
                        break;
                }
                pixels[y * width + x] = (float)(gray * alpha + (1 - alpha)); // transparent shows as white paper
            }
            (previous, current) = (current, previous);
        }
        return new GrayImage(width, height, pixels);
    }

    private static double Luma(byte r, byte g, byte b) => (0.299 * r + 0.587 * g + 0.114 * b) / 255.0;

    private static int Paeth(int a, int b, int c)
    {
        int p = a + b - c, pa = Math.Abs(p - a), pb = Math.Abs(p - b), pc = Math.Abs(p - c);
        return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
    }

    /// <summary>Writes an 8-bit grayscale PNG of floats in [0, 1].</summary>
    public static void WritePng(string path, int width, int height, ReadOnlySpan<float> pixels)
    {
        var bytes = new byte[width * height];
        for (int i = 0; i < bytes.Length; i++) bytes[i] = (byte)Math.Clamp(MathF.Round(pixels[i] * 255f), 0, 255);
        ModelGen.Samples.Png.Write(path, width, height, 1, bytes);
    }
}
