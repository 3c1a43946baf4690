// IDX files written by the tests, raw and gzip-compressed, valid and broken, read back by Idx.
using System;
using System.Buffers.Binary;
using System.IO;
using System.IO.Compression;
using System.Linq;
using ModelGen.Data;
using ModelGen.Runtime.Tests.Checkpoints;

namespace ModelGen.Runtime.Tests.Data
{
    public sealed class IdxTests : IDisposable
    {
        private readonly TempFolder folder = new();

        public void Dispose() => folder.Dispose();

        /// <summary>An IDX file: the big-endian magic and dimensions, then <paramref name="payload"/>.</summary>
        internal static byte[] IdxBytes(int magic, int[] dims, byte[] payload)
        {
            var bytes = new byte[4 + 4 * dims.Length + payload.Length];
            BinaryPrimitives.WriteInt32BigEndian(bytes, magic);
            for (int i = 0; i < dims.Length; i++) BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4 + 4 * i), dims[i]);
            payload.CopyTo(bytes, 4 + 4 * dims.Length);
            return bytes;
        }

        internal static byte[] Gzip(byte[] bytes)
        {
            var output = new MemoryStream();
            using (var gzip = new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true)) gzip.Write(bytes);
            return output.ToArray();
        }

        private string Write(string name, byte[] bytes)
        {
            string path = folder.File(name);
            File.WriteAllBytes(path, bytes);
            return path;
        }

        private static readonly byte[] Pixels = Enumerable.Range(0, 3 * 2 * 4).Select(i => (byte)(i * 11)).ToArray();

        [Theory]
        [InlineData(false)]
        [InlineData(true)]
        public void ValidImageFile_ReadsHeaderAndPixels(bool compressed)
        {
            byte[] file = IdxBytes(2051, new[] { 3, 2, 4 }, Pixels);
            string path = Write("images", compressed ? Gzip(file) : file);

            IdxImages images = Idx.ReadImages(path);

            Assert.Equal((3, 2, 4), (images.Count, images.Rows, images.Columns));
            Assert.Equal(Pixels, images.Pixels);
            float[] floats = images.ToFloats();
            for (int i = 0; i < Pixels.Length; i++) Assert.Equal(Pixels[i] / 255f, floats[i], 6);
            Assert.Equal(1f, new IdxImages(1, 1, 1, new byte[] { 255 }).ToFloats()[0]);
        }

        [Theory]
        [InlineData(false)]
        [InlineData(true)]
        public void ValidLabelFile_ReadsLabels(bool compressed)
        {
            byte[] labels = { 5, 0, 4, 1, 9 };
            byte[] file = IdxBytes(2049, new[] { labels.Length }, labels);
            Assert.Equal(labels, Idx.ReadLabels(Write("labels", compressed ? Gzip(file) : file)));
        }

        [Theory]
        [InlineData(false)]
        [InlineData(true)]
        public void TruncatedImageFile_IsAnIdxFormatException(bool compressed)
        {
            byte[] file = IdxBytes(2051, new[] { 3, 2, 4 }, Pixels)[..^1];
            string path = Write("images", compressed ? Gzip(file) : file);
            var e = Assert.Throws<IdxFormatException>(() => Idx.ReadImages(path));
            Assert.Contains(path, e.Message);
            Assert.Contains("truncated", e.Message);
            Assert.Contains("3 images of 2x4 (24 bytes) but only 23 bytes follow", e.Message);
        }

        [Theory]
        [InlineData(false)]
        [InlineData(true)]
        public void CountNotMatchingLength_IsAnIdxFormatException(bool compressed)
        {
            byte[] file = IdxBytes(2049, new[] { 4 }, new byte[] { 1, 2, 3, 4, 5 });
            string path = Write("labels", compressed ? Gzip(file) : file);
            var e = Assert.Throws<IdxFormatException>(() => Idx.ReadLabels(path));
            Assert.Contains("count does not match the length", e.Message);
            Assert.Contains("4 labels", e.Message);
        }

        [Fact]
        public void LabelFileReadAsImages_ReportsTheWrongMagic()
        {
            string path = Write("labels", IdxBytes(2049, new[] { 2 }, new byte[] { 1, 2 }));
            var e = Assert.Throws<IdxFormatException>(() => Idx.ReadImages(path));
            Assert.Contains("wrong magic number 2049", e.Message);
            Assert.Contains("it is a label file", e.Message);
            Assert.Equal(path, e.File);
        }

        [Fact]
        public void ArbitraryBytes_ReportTheWrongMagic()
        {
            string path = Write("text", System.Text.Encoding.ASCII.GetBytes("hello, world"));
            Assert.Contains("wrong magic number", Assert.Throws<IdxFormatException>(() => Idx.ReadLabels(path)).Message);
        }

        [Theory]
        [InlineData(0, "fewer than the 4-byte magic")]
        [InlineData(6, "truncated inside its header")]
        public void FileShorterThanItsHeader_IsTruncated(int length, string expected)
        {
            string path = Write("short", IdxBytes(2051, new[] { 1, 1, 1 }, new byte[1])[..length]);
            Assert.Contains(expected, Assert.Throws<IdxFormatException>(() => Idx.ReadImages(path)).Message);
        }

        [Fact]
        public void NegativeCount_IsAnIdxFormatException()
        {
            string path = Write("negative", IdxBytes(2049, new[] { -5 }, Array.Empty<byte>()));
            Assert.Contains("negative (-5)", Assert.Throws<IdxFormatException>(() => Idx.ReadLabels(path)).Message);
        }

        [Fact]
        public void GzipHeaderClaimingMoreThanDeflateCanHold_IsRejectedBeforeAllocating()
        {
            // 2,000,000,000 bytes announced in a file of a few dozen compressed bytes.
            string path = Write("lying.gz", Gzip(IdxBytes(2051, new[] { 2_000_000, 100, 10 }, new byte[10])));
            long before = GC.GetAllocatedBytesForCurrentThread();
            var e = Assert.Throws<IdxFormatException>(() => Idx.ReadImages(path));
            Assert.Contains("compressed bytes can hold", e.Message);
            Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 10_000_000);
        }

        [Fact]
        public void CorruptGzip_IsAnIdxFormatException()
        {
            byte[] gzip = Gzip(IdxBytes(2049, new[] { 1000 }, new byte[1000]));
            for (int i = 12; i < gzip.Length - 8; i++) gzip[i] ^= 0x5A;
            string path = Write("corrupt.gz", gzip);
            Assert.Throws<IdxFormatException>(() => Idx.ReadLabels(path));
        }

        [Fact]
        public void ZeroSizedImages_AreRejected()
        {
            string path = Write("flat", IdxBytes(2051, new[] { 2, 0, 5 }, Array.Empty<byte>()));
            Assert.Contains("rows and columns must be positive", Assert.Throws<IdxFormatException>(() => Idx.ReadImages(path)).Message);
        }
    }
}
