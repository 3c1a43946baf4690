// Malformed and hostile safetensors files: each is a CheckpointException naming the file and the fault, never a crash,
// an out-of-range read or an allocation sized by a lying header.
using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.IO;
using System.Text;
using ModelGen;
using ModelGen.Checkpoints;
using static ModelGen.Runtime.Tests.Checkpoints.Safetensors;

namespace ModelGen.Runtime.Tests.Checkpoints
{
    public sealed class HostileFileTests : IDisposable
    {
        private readonly TempFolder folder = new();

        public void Dispose() => folder.Dispose();

        /// <summary>The model every hostile file is loaded into: one variable "w" of shape [2].</summary>
        private static TestModel Model() => new TestModel(("w", new[] { 2 }, VariableKind.Bias)).Fill(1);

        private static byte[] LengthPrefix(ulong length)
        {
            var bytes = new byte[8];
            BinaryPrimitives.WriteUInt64LittleEndian(bytes, length);
            return bytes;
        }

        private static readonly byte[] Data8 = F32(1, 2);

        public static TheoryData<string, byte[], string> Cases() => new()
        {
            { "empty file", Array.Empty<byte>(), "shorter than the 8-byte header length" },
            { "five bytes", new byte[5], "shorter than the 8-byte header length" },
            { "absurd header length", Concat(LengthPrefix(ulong.MaxValue), new byte[16]), "larger than the limit" },
            { "header length past the end", Concat(LengthPrefix(1000), Encoding.UTF8.GetBytes("{}")), "runs past the end of the file" },
            { "header length zero", LengthPrefix(0), "too small" },
            { "JSON array", Assemble("[1,2]", Data8), "not a JSON object" },
            { "JSON string", Assemble("\"w\"", Data8), "not a JSON object" },
            { "malformed JSON", Assemble("{\"w\":{\"dtype\":", Data8), "not valid JSON" },
            { "content after the object", Assemble("{}{}", Array.Empty<byte>()), "not valid JSON" },
            { "invalid UTF-8 name", Assemble(Concat(Encoding.UTF8.GetBytes("{\""), new byte[] { 0xC3, 0x28 }, Encoding.UTF8.GetBytes("\":1}")), Data8), "JSON" },
            { "metadata value not a string", Assemble("{\"__metadata__\":{\"step\":5}," + Entry("w", "F32", "[2]", 0, 8) + "}", Data8), "__metadata__ entry 'step' is a number, not a string" },
            { "metadata not an object", Assemble("{\"__metadata__\":[1]," + Entry("w", "F32", "[2]", 0, 8) + "}", Data8), "__metadata__ is an array" },
            { "entry not an object", Assemble("{\"w\":[0,8]}", Data8), "w: the entry is an array" },
            { "no dtype", Assemble("{\"w\":{\"shape\":[2],\"data_offsets\":[0,8]}}", Data8), "w: no dtype" },
            { "empty entry", Assemble("{\"w\":{}}", Data8), "w: no dtype, no shape, no data_offsets" },
            { "end past the data", Assemble("{" + Entry("w", "F32", "[2]", 8, 16) + "}", Data8), "w: data_offsets [8, 16] run past the end of the data region (8 bytes)" },
            { "overlap", Assemble("{" + Entry("w", "F32", "[2]", 0, 8) + "," + Entry("v", "F32", "[1]", 4, 8) + "}", Data8), "overlap" },
            { "gap", Assemble("{" + Entry("w", "F32", "[1]", 4, 8) + "}", Data8), "bytes [0, 4) of the data region belong to no tensor" },
            { "trailing bytes", Assemble("{" + Entry("w", "F32", "[2]", 0, 8) + "}", Concat(Data8, new byte[4])), "4 bytes after the last tensor" },
            { "begin after end", Assemble("{" + Entry("w", "F32", "[0]", 8, 0) + "}", Data8), "w: data_offsets [8, 0] begin after they end" },
            { "three offsets", Assemble("{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,4,8]}}", Data8), "w: data_offsets has 3 numbers" },
            { "fractional offset", Assemble("{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8.5]}}", Data8), "not a 64-bit integer" },
            { "unknown dtype", Assemble("{" + Entry("w", "F33", "[2]", 0, 8) + "}", Data8), "w: unknown dtype 'F33'" },
            { "size not matching range", Assemble("{" + Entry("w", "F32", "[3]", 0, 8) + "}", Data8), "w: shape [3] of F32 needs 12 bytes, but data_offsets [0, 8] hold 8" },
            { "negative dimension", Assemble("{" + Entry("w", "F32", "[-2]", 0, 8) + "}", Data8), "w: shape holds the negative number -2" },
            { "element count overflow", Assemble("{" + Entry("w", "F32", "[4294967296,4294967296]", 0, 8) + "}", Data8), "w: shape [4294967296, 4294967296] has too many elements" },
            { "dimension beyond 64 bits", Assemble("{" + Entry("w", "F32", "[99999999999999999999]", 0, 8) + "}", Data8), "not a 64-bit integer" },
            { "duplicate name", Assemble("{" + Entry("w", "F32", "[2]", 0, 8) + "," + Entry("w", "F32", "[2]", 0, 8) + "}", Data8), "'w' is listed twice" },
            { "deep nesting", Assemble("{\"__metadata__\":" + new string('[', 100) + new string(']', 100) + "}", Data8), "not valid JSON" },
            { "truncated data", Assemble("{" + Entry("w", "F32", "[2]", 0, 8) + "}", F32(1)), "run past the end of the data region (4 bytes)" },
            { "truncated header", Concat(LengthPrefix(40), Encoding.UTF8.GetBytes("{\"w\":")), "runs past the end of the file" },
        };

        [Theory]
        [MemberData(nameof(Cases))]
        public void HostileFile_ThrowsCheckpointExceptionNamingFileAndFault(string name, byte[] file, string expected)
        {
            string path = folder.File(name.Replace(' ', '-') + ".safetensors");
            File.WriteAllBytes(path, file);
            TestModel model = Model();
            float[] before = (float[])model.Arena.Clone();

            var e = Assert.Throws<CheckpointException>(() => Checkpoint.Load(model, path));

            Assert.Contains(path, e.Message);
            Assert.Contains(expected, e.Message);
            Assert.Equal(before, model.Arena);
            Assert.Throws<CheckpointException>(() => Checkpoint.ReadHeader(path));
        }

        [Theory]
        [MemberData(nameof(Cases))]
        public void HostileStreamThatCannotSeek_ThrowsCheckpointException(string name, byte[] file, string expected)
        {
            // Without a known length some faults surface later and in other words (truncation instead of "past the end").
            _ = (name, expected);
            TestModel model = Model();
            float[] before = (float[])model.Arena.Clone();

            var e = Assert.Throws<CheckpointException>(() => Checkpoint.Load(model, new NonSeekableStream(new MemoryStream(file))));

            Assert.Null(e.File);
            Assert.NotEmpty(e.Problems);
            Assert.Equal(before, model.Arena);
        }

        [Fact]
        public void LyingHeaderLengthOnAStreamThatCannotSeek_ReportsTruncationWithoutAllocatingIt()
        {
            // 90 MB claimed, 12 bytes present: the reader grows its buffer from 64 KiB as bytes arrive.
            byte[] file = Concat(LengthPrefix(90_000_000), Encoding.UTF8.GetBytes("{\"w\":"));
            long allocatedBefore = GC.GetAllocatedBytesForCurrentThread();

            var e = Assert.Throws<CheckpointException>(() => Checkpoint.Load(Model(), new NonSeekableStream(new MemoryStream(file))));

            Assert.Contains("ends inside the header, after 5 of its 90000000 bytes", e.Message);
            Assert.True(GC.GetAllocatedBytesForCurrentThread() - allocatedBefore < 1_000_000);
        }

        [Fact]
        public void TrailingBytesOnAStreamThatCannotSeek_AreAnError()
        {
            byte[] file = Assemble("{" + Entry("w", "F32", "[2]", 0, 8) + "}", Concat(Data8, new byte[1]));
            var e = Assert.Throws<CheckpointException>(() => Checkpoint.Load(Model(), new NonSeekableStream(new MemoryStream(file))));
            Assert.Contains("bytes after the last tensor", e.Message);
        }

        [Fact]
        public void SeveralHeaderFaults_AreListedTogether()
        {
            string json = "{" + Entry("a", "F33", "[2]", 0, 8) + "," + Entry("b", "F32", "[3]", 8, 16) + ",\"__metadata__\":{\"k\":true}}";
            var e = Assert.Throws<CheckpointException>(() => Checkpoint.Load(Model(), new MemoryStream(Assemble(json, new byte[16]))));
            Assert.Contains(e.Problems, p => p.Contains("unknown dtype 'F33'"));
            Assert.Contains(e.Problems, p => p.Contains("b: shape [3] of F32 needs 12 bytes"));
            Assert.Contains(e.Problems, p => p.Contains("__metadata__ entry 'k' is a boolean"));
        }
    }
}
