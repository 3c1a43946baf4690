// IDX fuzzing: seeded mutations of valid image and label files, raw and gzip-compressed (bit flips, truncations,
// appended bytes, header fields set to edge values, mutated content recompressed). Each read either returns exactly what
// an independent decoding of the file says, or throws IdxFormatException; never another exception type.
using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.IO;
using System.IO.Compression;
using System.Linq;
using ModelGen.Data;
using ModelGen.Runtime.Tests.Checkpoints;
using Xunit.Abstractions;

namespace ModelGen.Runtime.Tests.Fuzzing
{
    public sealed class IdxFuzzTests(ITestOutputHelper output) : IDisposable
    {
        private const int Seed = 20261124;
        /// <summary>2500 in the test command; MODELGEN_FUZZ_SCALE=k runs k times as many (the long run).</summary>
        private static readonly int Cases = 2500 * FuzzScale.Factor;

        private static readonly int[] InterestingInts = { 0, 1, -1, 2, 3, 4, 5, 7, 60, 255, 256, 65536, int.MaxValue, int.MinValue, 0x0803, 0x0801, 0x0800, 46341 };

        private readonly TempFolder folder = new();

        public void Dispose() => folder.Dispose();

        private static byte[] Idx(int magic, int[] dims, int payload)
        {
            var bytes = new byte[4 + 4 * dims.Length + payload];
            BinaryPrimitives.WriteInt32BigEndian(bytes, magic);
            for (int i = 0; i < dims.Length; i++) BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4 + 4 * i), dims[i]);
            for (int i = 4 + 4 * dims.Length; i < bytes.Length; i++) bytes[i] = (byte)(i * 37);
            return bytes;
        }

        private static byte[] Gzip(byte[] bytes)
        {
            var compressed = new MemoryStream();
            using (var gzip = new GZipStream(compressed, CompressionLevel.Fastest, leaveOpen: true)) gzip.Write(bytes);
            return compressed.ToArray();
        }

        private static byte[]? Gunzip(byte[] bytes)
        {
            try
            {
                using var gzip = new GZipStream(new MemoryStream(bytes), CompressionMode.Decompress);
                var content = new MemoryStream();
                gzip.CopyTo(content);
                return content.ToArray();
            }
            catch (InvalidDataException)
            {
                return null;
            }
        }

        private static byte[] MutateContent(Random random, byte[] bytes)
        {
            bytes = (byte[])bytes.Clone();
            switch (random.Next(6))
            {
                case 0: Mutator.FlipBits(random, bytes, 0, bytes.Length); return bytes;
                case 1: return Mutator.Truncate(random, bytes);
                case 2: return Mutator.Append(random, bytes);
                case 3: Mutator.Overwrite(random, bytes, 0, Math.Min(16, bytes.Length)); return bytes;
                default:
                    // A header field (magic or a dimension) set to an edge value, or nudged.
                    int field = 4 * random.Next(Math.Max(1, Math.Min(4, bytes.Length / 4)));
                    if (field + 4 > bytes.Length) return bytes;
                    int value = random.Next(2) == 0 ? InterestingInts[random.Next(InterestingInts.Length)] : BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(field)) + random.Next(-2, 3);
                    BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(field), value);
                    return bytes;
            }
        }

        [Fact]
        public void MutatedFiles_ReadExactlyOrThrowIdxFormatException()
        {
            byte[] images = Idx(ModelGen.Data.Idx.ImagesMagic, new[] { 3, 4, 5 }, 60), labels = Idx(ModelGen.Data.Idx.LabelsMagic, new[] { 7 }, 7);
            var random = new Random(Seed);
            var failures = new List<string>();
            int read = 0, rejected = 0;
            string path = folder.File("case.idx");
            for (int i = 0; i < Cases && failures.Count < 5; i++)
            {
                bool imageFile = random.Next(2) == 0;
                byte[] content = imageFile ? images : labels;
                byte[] file = random.Next(3) switch
                {
                    0 => MutateContent(random, content),
                    1 => Gzip(MutateContent(random, content)),
                    _ => MutateContent(random, Gzip(content)), // damage to the compressed stream itself
                };
                File.WriteAllBytes(path, file);
                // Mostly the matching reader; sometimes the other one, which must refuse by the magic number.
                bool asImages = random.Next(8) == 0 ? !imageFile : imageFile;
                try
                {
                    string? mismatch = asImages ? CheckImages(ModelGen.Data.Idx.ReadImages(path), file) : CheckLabels(ModelGen.Data.Idx.ReadLabels(path), file);
                    read++;
                    if (mismatch is not null) failures.Add($"case {i}: read, but {mismatch}: {Convert.ToBase64String(file)}");
                }
                catch (IdxFormatException)
                {
                    rejected++;
                }
                catch (Exception e)
                {
                    failures.Add($"case {i}: {e.GetType().Name}: {e.Message}\n{Convert.ToBase64String(file)}");
                }
            }
            output.WriteLine($"{Cases} cases: {read} read, {rejected} rejected");
            Assert.True(failures.Count == 0, string.Join("\n", failures));
            Assert.InRange(read, Cases / 50, Cases - Cases / 4);
        }

        [Theory]
        // Fuzz case 11734 (scale 25): the product of three dimensions near 2^24..2^28 wrapped a long around to a negative
        // length, and allocating it threw OverflowException instead of IdxFormatException.
        [InlineData(16776966, 16776960, 301989893, false)]
        [InlineData(16776966, 16776960, 301989893, true)]
        [InlineData(int.MaxValue, int.MaxValue, int.MaxValue, false)]
        public void DimensionProductBeyondLong_IdxFormatException(int count, int rows, int columns, bool gzip)
        {
            byte[] file = Idx(ModelGen.Data.Idx.ImagesMagic, new[] { count, rows, columns }, 60);
            string path = folder.File("overflow.idx");
            File.WriteAllBytes(path, gzip ? Gzip(file) : file);
            var e = Assert.Throws<IdxFormatException>(() => ModelGen.Data.Idx.ReadImages(path));
            Assert.Contains("more than an array can hold", e.Message);
        }

        /// <summary>The file's content as an independent reading sees it: gunzipped when it starts with 1f 8b.</summary>
        private static byte[]? Content(byte[] file) =>
            file.Length >= 2 && file[0] == 0x1f && file[1] == 0x8b ? Gunzip(file) : file;

        private static string? CheckImages(IdxImages result, byte[] file)
        {
            byte[]? content = Content(file);
            if (content is null) return "the gzip data does not decompress";
            if (content.Length < 16 || BinaryPrimitives.ReadInt32BigEndian(content) != ModelGen.Data.Idx.ImagesMagic) return "the magic or header is wrong";
            int count = BinaryPrimitives.ReadInt32BigEndian(content.AsSpan(4)), rows = BinaryPrimitives.ReadInt32BigEndian(content.AsSpan(8)), columns = BinaryPrimitives.ReadInt32BigEndian(content.AsSpan(12));
            if ((result.Count, result.Rows, result.Columns) != (count, rows, columns)) return $"the header says {count}x{rows}x{columns}";
            if ((long)count * rows * columns != content.Length - 16) return "the header's size does not match the content";
            return content.AsSpan(16).SequenceEqual(result.Pixels) ? null : "the pixels differ";
        }

        private static string? CheckLabels(byte[] result, byte[] file)
        {
            byte[]? content = Content(file);
            if (content is null) return "the gzip data does not decompress";
            if (content.Length < 8 || BinaryPrimitives.ReadInt32BigEndian(content) != ModelGen.Data.Idx.LabelsMagic) return "the magic or header is wrong";
            if (BinaryPrimitives.ReadInt32BigEndian(content.AsSpan(4)) != content.Length - 8) return "the count does not match the content";
            return content.AsSpan(8).SequenceEqual(result) ? null : "the labels differ";
        }
    }
}
