// Checkpoint fuzzing: thousands of seeded mutations of valid safetensors files (bit flips, truncations, header number,
// string and character edits, length-prefix edits). Each load either succeeds with the model holding exactly what an
// independent reading of the file says, or throws CheckpointException leaving every parameter bitwise unchanged.
using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json;
using ModelGen;
using ModelGen.Checkpoints;
using ModelGen.Runtime.Tests.Checkpoints;
using Xunit.Abstractions;

namespace ModelGen.Runtime.Tests.Fuzzing
{
    public sealed class CheckpointFuzzTests(ITestOutputHelper output)
    {
        private const int Seed = 20261124;
        /// <summary>6000 in the test command; MODELGEN_FUZZ_SCALE=k runs k times as many (the long run).</summary>
        private static readonly int Cases = 6000 * FuzzScale.Factor;

        private static readonly string[] Names =
        {
            "conv1/kernel", "conv1/bias", "bn1/gamma", "bn1/beta", "bn1/moving_mean", "bn1/moving_variance", "fc1/kernel", "fc1/bias",
            "F32", "F64", "F16", "BF16", "I32", "U8", "F8_E4M3", "BOOL", "", "__metadata__", "dtype", "shape", "data_offsets",
        };

        /// <summary>Seed files: the saver's own output (F32, padded header, metadata) and a hand-built F64/F16/BF16 file.</summary>
        private static byte[][] SeedFiles()
        {
            TestModel model = TestModel.AllKinds().Fill(1);
            using var saved = new MemoryStream();
            Checkpoint.Save(model, saved, new CheckpointOptions { Step = 7 });
            return new[] { saved.ToArray(), MixedDtypeFile(model) };
        }

        /// <summary>The same variables, in reverse order in the data region, in F64, F16 and BF16 by turns.</summary>
        private static byte[] MixedDtypeFile(TestModel model)
        {
            string[] dtypes = { "F64", "F16", "BF16" };
            var entries = new List<string>();
            using var data = new MemoryStream();
            int k = 0;
            foreach (VariableInfo v in model.Variables.ToArray().Reverse())
            {
                string dtype = dtypes[k++ % 3];
                long begin = data.Length;
                foreach (float f in model.Values(v.Name))
                {
                    var bytes = new byte[8];
                    switch (dtype)
                    {
                        case "F64": BinaryPrimitives.WriteDoubleLittleEndian(bytes, f); data.Write(bytes, 0, 8); break;
                        case "F16": BinaryPrimitives.WriteHalfLittleEndian(bytes, (Half)f); data.Write(bytes, 0, 2); break;
                        default: BinaryPrimitives.WriteUInt16LittleEndian(bytes, (ushort)(BitConverter.SingleToInt32Bits(f) >> 16)); data.Write(bytes, 0, 2); break;
                    }
                }
                entries.Add(Safetensors.Entry(v.Name, dtype, "[" + string.Join(",", v.Shape.ToArray()) + "]", begin, data.Length));
            }
            return Safetensors.Assemble("{\"__metadata__\":{\"a\":\"b\"}," + string.Join(",", entries) + "}", data.ToArray());
        }

        private static byte[] Mutate(Random random, byte[] seed)
        {
            byte[] bytes = (byte[])seed.Clone();
            int mutations = random.Next(1, 4);
            for (int m = 0; m < mutations; m++)
            {
                int headerEnd = bytes.Length >= 8 ? (int)Math.Min(BinaryPrimitives.ReadUInt64LittleEndian(bytes), (ulong)bytes.Length - 8) + 8 : bytes.Length;
                switch (random.Next(10))
                {
                    case 0: Mutator.FlipBits(random, bytes, 0, bytes.Length); break;
                    case 1: Mutator.FlipBits(random, bytes, 8, headerEnd); break;
                    case 2: bytes = Mutator.Truncate(random, bytes); break;
                    case 3: bytes = Mutator.Append(random, bytes); break;
                    case 4:
                        if (bytes.Length >= 8)
                            BinaryPrimitives.WriteInt64LittleEndian(bytes, random.Next(2) == 0
                                ? Mutator.InterestingLongs[random.Next(Mutator.InterestingLongs.Length)]
                                : (long)BinaryPrimitives.ReadUInt64LittleEndian(bytes) + random.Next(-3, 4));
                        break;
                    case 5: Mutator.Overwrite(random, bytes, 0, bytes.Length); break;
                    default: bytes = EditHeader(random, bytes, headerEnd); break;
                }
            }
            return bytes;
        }

        /// <summary>Edits the JSON as text and writes it back with a length prefix that fits it (usually) or the old one.</summary>
        private static byte[] EditHeader(Random random, byte[] bytes, int headerEnd)
        {
            if (headerEnd <= 8) return bytes;
            string json = Encoding.UTF8.GetString(bytes, 8, headerEnd - 8);
            json = random.Next(4) switch
            {
                0 or 1 => Mutator.EditNumber(random, json),
                2 => Mutator.EditString(random, json, Names),
                _ => Mutator.EditCharacter(random, json),
            };
            byte[] header = Encoding.UTF8.GetBytes(json);
            var prefix = new byte[8];
            BinaryPrimitives.WriteUInt64LittleEndian(prefix, random.Next(8) == 0 ? BinaryPrimitives.ReadUInt64LittleEndian(bytes) : (ulong)header.Length);
            return Mutator.Concat(prefix, header, bytes.AsSpan(headerEnd).ToArray());
        }

        [Fact]
        public void MutatedFiles_LoadExactlyOrThrowCheckpointExceptionAndChangeNothing()
        {
            byte[][] seeds = SeedFiles();
            var random = new Random(Seed);
            var failures = new List<string>();
            int loaded = 0, rejected = 0;
            for (int i = 0; i < Cases && failures.Count < 5; i++)
            {
                byte[] file = Mutate(random, seeds[i % seeds.Length]);
                var options = new LoadOptions { IgnoreUnknown = i % 4 == 3 };
                TestModel model = TestModel.AllKinds().Fill(2);
                float[] before = (float[])model.Arena.Clone();
                Stream stream = new MemoryStream(file, writable: false);
                if (i % 8 == 5) stream = new NonSeekableStream(stream);
                try
                {
                    Checkpoint.Load(model, stream, options);
                    loaded++;
                    if (MismatchWithFile(model, before, file) is { } mismatch) failures.Add($"case {i}: loaded, but {mismatch}");
                }
                catch (CheckpointException)
                {
                    rejected++;
                    if (!Bitwise(before, model.Arena)) failures.Add($"case {i}: CheckpointException, but the parameters changed");
                }
                catch (Exception e)
                {
                    failures.Add($"case {i}: {e.GetType().Name}: {e.Message}\n{Convert.ToBase64String(file)}");
                }
            }
            output.WriteLine($"{Cases} cases: {loaded} loaded, {rejected} rejected");
            Assert.True(failures.Count == 0, string.Join("\n", failures));
            // Both outcomes must occur, or the mutator is too gentle or too rough to test anything.
            Assert.InRange(loaded, Cases / 50, Cases - Cases / 4);
        }

        /// <summary>
        /// Reads the file with System.Text.Json, independently of the loader, and says what about the model differs from it:
        /// each variable must have its entry's shape and decoded values, and the arena's gaps must be untouched.
        /// </summary>
        private static string? MismatchWithFile(TestModel model, float[] before, byte[] file)
        {
            long n = (long)BinaryPrimitives.ReadUInt64LittleEndian(file);
            using JsonDocument json = JsonDocument.Parse(file.AsMemory(8, (int)n));
            long dataStart = 8 + n;
            var covered = new bool[model.Arena.Length];
            foreach (VariableInfo v in model.Variables)
            {
                if (!json.RootElement.TryGetProperty(v.Name, out JsonElement entry)) return $"'{v.Name}' is not in the file";
                string dtype = entry.GetProperty("dtype").GetString()!;
                long[] shape = entry.GetProperty("shape").EnumerateArray().Select(e => e.GetInt64()).ToArray();
                if (!shape.SequenceEqual(v.Shape.ToArray().Select(d => (long)d))) return $"'{v.Name}' has shape [{string.Join(",", shape)}] in the file";
                long begin = entry.GetProperty("data_offsets")[0].GetInt64();
                int size = dtype switch { "F64" => 8, "F32" => 4, "F16" or "BF16" => 2, _ => -1 };
                if (size < 0) return $"'{v.Name}' has dtype {dtype}";
                for (int j = 0; j < v.Length; j++)
                {
                    ReadOnlySpan<byte> at = file.AsSpan((int)(dataStart + begin + (long)size * j));
                    float expected = dtype switch
                    {
                        "F64" => (float)BinaryPrimitives.ReadDoubleLittleEndian(at),
                        "F32" => BinaryPrimitives.ReadSingleLittleEndian(at),
                        "F16" => (float)BinaryPrimitives.ReadHalfLittleEndian(at),
                        _ => BitConverter.Int32BitsToSingle(BinaryPrimitives.ReadUInt16LittleEndian(at) << 16),
                    };
                    float actual = model.Arena[v.Offset + j];
                    if (!SameBits(expected, actual)) return $"'{v.Name}'[{j}] is {actual}, the file says {expected}";
                    covered[v.Offset + j] = true;
                }
            }
            for (int j = 0; j < covered.Length; j++)
                if (!covered[j] && !SameBits(before[j], model.Arena[j])) return $"arena gap element {j} changed";
            return null;
        }

        private static bool SameBits(float a, float b) =>
            BitConverter.SingleToInt32Bits(a) == BitConverter.SingleToInt32Bits(b) || (float.IsNaN(a) && float.IsNaN(b));

        private static bool Bitwise(float[] a, float[] b) =>
            a.AsSpan().SequenceEqual(b) && a.Select(BitConverter.SingleToInt32Bits).SequenceEqual(b.Select(BitConverter.SingleToInt32Bits));

        [Fact]
        public void SeedFiles_LoadExactly()
        {
            foreach (byte[] file in SeedFiles())
            {
                TestModel model = TestModel.AllKinds().Fill(2);
                float[] before = (float[])model.Arena.Clone();
                Checkpoint.Load(model, new MemoryStream(file));
                Assert.Null(MismatchWithFile(model, before, file));
                Assert.False(Bitwise(before, model.Arena));
            }
        }
    }
}
