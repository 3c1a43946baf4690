// Reads IDX files (the MNIST container: big-endian header, then unsigned bytes), raw or gzip-compressed, defensively.
using System;
using System.Buffers.Binary;
using System.IO;
using System.IO.Compression;

namespace ModelGen.Data
{
    /// <summary>
    /// Reads the IDX files of the MNIST database: a big-endian 32-bit magic number (2051 for images, 2049 for labels), the
    /// big-endian 32-bit dimensions, then one unsigned byte per element. Files compressed with gzip (recognized by their
    /// first two bytes, 1f 8b) are decompressed on the fly. Every size read from a file is checked before it is used.
    /// </summary>
    public static class Idx
    {
        /// <summary>The magic number of an image file: unsigned bytes (0x08), three dimensions (count, rows, columns).</summary>
        public const int ImagesMagic = 0x00000803;

        /// <summary>The magic number of a label file: unsigned bytes (0x08), one dimension (count).</summary>
        public const int LabelsMagic = 0x00000801;

        /// <summary>Deflate cannot compress better than about 1032:1; a header claiming more data than that is lying.</summary>
        private const long MaxDeflateRatio = 1032;

        /// <summary>Reads an IDX image file (magic 2051): count, rows, columns, then the pixels row-major, one byte each.</summary>
        /// <exception cref="IdxFormatException">The file is not an image file, is truncated, or its count does not match its length.</exception>
        /// <exception cref="FileNotFoundException">There is no file at <paramref name="path"/>.</exception>
        public static IdxImages ReadImages(string path)
        {
            (int[] dims, byte[] data) = Read(path, ImagesMagic, 3, "an image file");
            if (dims[1] == 0 || dims[2] == 0)
                throw new IdxFormatException(path, $"the images are {dims[1]}x{dims[2]} pixels; rows and columns must be positive");
            return new IdxImages(dims[0], dims[1], dims[2], data);
        }

        /// <summary>Reads an IDX label file (magic 2049): count, then one byte per label.</summary>
        /// <exception cref="IdxFormatException">The file is not a label file, is truncated, or its count does not match its length.</exception>
        /// <exception cref="FileNotFoundException">There is no file at <paramref name="path"/>.</exception>
        public static byte[] ReadLabels(string path) => Read(path, LabelsMagic, 1, "a label file").Data;

        private static (int[] Dims, byte[] Data) Read(string path, int magic, int rank, string kind)
        {
            ArgumentException.ThrowIfNullOrEmpty(path);
            using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
            Span<byte> start = stackalloc byte[2];
            bool gzip = file.Read(start) == 2 && start[0] == 0x1f && start[1] == 0x8b;
            file.Position = 0;
            try
            {
                using Stream stream = gzip ? new GZipStream(file, CompressionMode.Decompress) : file;
                return ReadContent(stream, path, magic, rank, kind, file.Length, gzip);
            }
            catch (InvalidDataException e)
            {
                throw new IdxFormatException(path, $"the gzip data is corrupt: {e.Message}", e);
            }
        }

        private static (int[] Dims, byte[] Data) ReadContent(Stream stream, string path, int magic, int rank, string kind, long fileLength, bool gzip)
        {
            int headerLength = 4 * (1 + rank);
            byte[] header = new byte[headerLength];
            int got = stream.ReadAtLeast(header, header.Length, throwOnEndOfStream: false);
            if (got < 4)
                throw new IdxFormatException(path, $"the file is truncated: it holds {got} bytes, fewer than the 4-byte magic number");
            int actual = BinaryPrimitives.ReadInt32BigEndian(header);
            if (actual != magic)
            {
                string hint = actual switch
                {
                    ImagesMagic => " (it is an image file)",
                    LabelsMagic => " (it is a label file)",
                    _ => "",
                };
                throw new IdxFormatException(path, $"wrong magic number {actual} (0x{actual:x8}){hint}; {kind} starts with {magic} (0x{magic:x8})");
            }
            if (got < headerLength)
                throw new IdxFormatException(path, $"the file is truncated inside its header: {got} of {headerLength} bytes");

            int[] dims = new int[rank];
            // Three dimensions up to 2^31 multiply to 2^93, past a long (found by fuzzing): a decimal holds 2^96 exactly.
            decimal product = 1;
            for (int i = 0; i < rank; i++)
            {
                dims[i] = BinaryPrimitives.ReadInt32BigEndian(header.AsSpan(4 + 4 * i));
                if (dims[i] < 0) throw new IdxFormatException(path, $"dimension {i} of the header is negative ({dims[i]})");
                product *= dims[i];
            }
            string described = rank == 1 ? $"{dims[0]} labels" : $"{dims[0]} images of {dims[1]}x{dims[2]}";
            if (product > Array.MaxLength)
                throw new IdxFormatException(path, $"the header announces {described}, {product} bytes, more than an array can hold");
            long length = (long)product;

            if (!gzip)
            {
                long present = fileLength - headerLength;
                if (present < length)
                    throw new IdxFormatException(path, $"the file is truncated: its header announces {described} ({length} bytes) but only {present} bytes follow");
                if (present > length)
                    throw new IdxFormatException(path, $"the count does not match the length: the header announces {described} ({length} bytes) but {present} bytes follow");
            }
            else if (length > fileLength * MaxDeflateRatio)
            {
                throw new IdxFormatException(path, $"the header announces {described} ({length} bytes), more than {fileLength} compressed bytes can hold");
            }

            byte[] data = new byte[length];
            int filled = stream.ReadAtLeast(data, data.Length, throwOnEndOfStream: false);
            if (filled < length)
                throw new IdxFormatException(path, $"the file is truncated: its header announces {described} ({length} bytes) but only {filled} bytes follow");
            if (gzip && stream.ReadByte() >= 0)
                throw new IdxFormatException(path, $"the count does not match the length: the header announces {described} ({length} bytes) but more bytes follow");
            return (dims, data);
        }
    }

    /// <summary>The content of an IDX image file: <see cref="Count"/> images of <see cref="Rows"/> x <see cref="Columns"/> bytes.</summary>
    public sealed class IdxImages
    {
        /// <summary>Wraps <paramref name="pixels"/>, which must hold <c>count * rows * columns</c> bytes, image after image, row-major.</summary>
        public IdxImages(int count, int rows, int columns, byte[] pixels)
        {
            ArgumentNullException.ThrowIfNull(pixels);
            ArgumentOutOfRangeException.ThrowIfNegative(count);
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(rows);
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(columns);
            if ((long)count * rows * columns != pixels.Length)
                throw new ArgumentException($"{count} images of {rows}x{columns} need {(long)count * rows * columns} bytes, but pixels holds {pixels.Length}.", nameof(pixels));
            Count = count;
            Rows = rows;
            Columns = columns;
            Pixels = pixels;
        }

        /// <summary>The number of images.</summary>
        public int Count { get; }

        /// <summary>The height of each image in pixels.</summary>
        public int Rows { get; }

        /// <summary>The width of each image in pixels.</summary>
        public int Columns { get; }

        /// <summary>The pixels: 0 is background, 255 is ink.</summary>
        public byte[] Pixels { get; }

        /// <summary>
        /// The images as floats in [0, 1] (byte / 255, as TensorFlow's MNIST reader does), laid out NHWC with one channel:
        /// <c>[Count, Rows, Columns, 1]</c>.
        /// </summary>
        public float[] ToFloats()
        {
            float[] result = new float[Pixels.Length];
            for (int i = 0; i < result.Length; i++) result[i] = Pixels[i] * (1f / 255f);
            return result;
        }
    }

    /// <summary>An IDX file is malformed: the message names the file and the problem (wrong magic, truncation, a count that does not match the length).</summary>
    public sealed class IdxFormatException : Exception
    {
        /// <summary>Creates the exception for <paramref name="file"/>.</summary>
        public IdxFormatException(string file, string problem, Exception? inner = null)
            : base($"'{file}' is not a valid IDX file: {problem}.", inner)
        {
            File = file;
            Problem = problem;
        }

        /// <summary>The path of the file at fault.</summary>
        public string File { get; }

        /// <summary>The problem, without the file name.</summary>
        public string Problem { get; }
    }
}
