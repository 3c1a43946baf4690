// Writes 8-bit grayscale or RGB PNG files with no dependency: zlib from the framework, CRC-32 by hand.
// Shared by the sample apps' curve plots and DigitApp (which links this file).
using System;
using System.Buffers.Binary;
using System.IO;
using System.IO.Compression;
using System.Text;

namespace ModelGen.Samples
{
    internal static class Png
    {
        private static readonly byte[] Signature = { 137, 80, 78, 71, 13, 10, 26, 10 };

        /// <summary>Writes <paramref name="pixels"/> (rows of <paramref name="width"/> x <paramref name="channels"/> bytes; 1 = gray, 3 = RGB).</summary>
        public static void Write(string path, int width, int height, int channels, ReadOnlySpan<byte> pixels)
        {
            if (channels is not (1 or 3)) throw new ArgumentOutOfRangeException(nameof(channels), channels, "1 (gray) or 3 (RGB).");
            if (pixels.Length != width * height * channels)
                throw new ArgumentException($"pixels holds {pixels.Length} bytes, but {width}x{height}x{channels} needs {width * height * channels}.", nameof(pixels));
            var compressed = new MemoryStream();
            using (var zlib = new ZLibStream(compressed, CompressionLevel.Optimal, leaveOpen: true))
            {
                int stride = width * channels;
                for (int y = 0; y < height; y++)
                {
                    zlib.WriteByte(0); // no filter
                    zlib.Write(pixels.Slice(y * stride, stride));
                }
            }
            var header = new byte[13];
            BinaryPrimitives.WriteInt32BigEndian(header, width);
            BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4), height);
            header[8] = 8;                              // bit depth
            header[9] = (byte)(channels == 1 ? 0 : 2);  // color type: gray or RGB; compression, filter, interlace 0
            using var file = File.Create(path);
            file.Write(Signature);
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
