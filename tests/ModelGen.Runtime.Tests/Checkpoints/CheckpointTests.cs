// Checkpoint save/load: round trips, the byte format checked by hand, atomic saves, strict and selective loads.
using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json;
using ModelGen;
using ModelGen.Checkpoints;
using static ModelGen.Runtime.Tests.Checkpoints.Safetensors;

namespace ModelGen.Runtime.Tests.Checkpoints
{
    public sealed class CheckpointTests : IDisposable
    {
        private readonly TempFolder folder = new();

        public void Dispose() => folder.Dispose();

        private static void AssertVariablesEqual(TestModel expected, TestModel actual)
        {
            foreach (VariableInfo v in expected.Variables)
                Assert.Equal(expected.Values(v.Name), actual.Values(v.Name));
        }

        [Fact]
        public void SaveThenLoad_RestoresEveryVariableOfEveryKind()
        {
            TestModel saved = TestModel.AllKinds().Fill(1);
            string path = folder.File("model.safetensors");
            Checkpoint.Save(saved, path, new CheckpointOptions { Step = 42 });

            TestModel loaded = TestModel.AllKinds().Fill(2);
            Checkpoint.Load(loaded, path);

            AssertVariablesEqual(saved, loaded);
            Assert.Equal(Enum.GetValues<VariableKind>().Length, saved.Variables.ToArray().Select(v => v.Kind).Distinct().Count());
        }

        [Fact]
        public void SaveThenLoadThroughNonSeekableStreams_RestoresEveryVariable()
        {
            TestModel saved = TestModel.AllKinds().Fill(3);
            var buffer = new MemoryStream();
            Checkpoint.Save(saved, new NonSeekableStream(buffer));

            TestModel loaded = TestModel.AllKinds().Fill(4);
            Checkpoint.Load(loaded, new NonSeekableStream(new MemoryStream(buffer.ToArray())));

            AssertVariablesEqual(saved, loaded);
        }

        [Fact]
        public void SavedFile_ParsedByHand_FollowsTheFormat()
        {
            TestModel model = TestModel.AllKinds().Fill(5);
            string path = folder.File("model.safetensors");
            Checkpoint.Save(model, path, new CheckpointOptions { Step = 7, Metadata = new Dictionary<string, string> { ["note"] = "hi" } });
            byte[] bytes = File.ReadAllBytes(path);

            ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(bytes);
            Assert.Equal(0UL, headerLength % 8);
            string header = Encoding.UTF8.GetString(bytes, 8, (int)headerLength);
            Assert.Equal(header.TrimEnd(' ').Length, header.TrimEnd().Length); // padding is spaces only
            using JsonDocument json = JsonDocument.Parse(header);

            JsonElement metadata = json.RootElement.GetProperty("__metadata__");
            Assert.Equal("1", metadata.GetProperty("modelgen.format").GetString());
            Assert.Equal(typeof(TestModel).FullName, metadata.GetProperty("modelgen.model").GetString());
            Assert.Equal("7", metadata.GetProperty("modelgen.step").GetString());
            Assert.Equal("hi", metadata.GetProperty("note").GetString());

            long dataStart = 8 + (long)headerLength;
            long expectedBegin = 0;
            foreach (VariableInfo v in model.Variables) // arena order
            {
                JsonElement entry = json.RootElement.GetProperty(v.Name);
                Assert.Equal("F32", entry.GetProperty("dtype").GetString());
                Assert.Equal(v.Shape.ToArray(), entry.GetProperty("shape").EnumerateArray().Select(e => e.GetInt32()).ToArray());
                long[] offsets = entry.GetProperty("data_offsets").EnumerateArray().Select(e => e.GetInt64()).ToArray();
                Assert.Equal(new[] { expectedBegin, expectedBegin + 4L * v.Length }, offsets);
                for (int i = 0; i < v.Length; i++)
                    Assert.Equal(model.Arena[v.Offset + i], BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan((int)(dataStart + offsets[0] + 4 * i))));
                expectedBegin = offsets[1];
            }
            Assert.Equal(bytes.Length, dataStart + expectedBegin);
            Assert.Equal(model.Variables.Length + 1, json.RootElement.EnumerateObject().Count());
        }

        [Fact]
        public void GoldenFileAssembledByHand_LoadsInAnyArenaOrder()
        {
            // Python: safetensors.numpy.save_file({"dense/kernel": k, "dense/bias": b}) writes this layout (without padding).
            string json = "{" + Entry("dense/kernel", "F32", "[2,3]", 0, 24) + "," + Entry("dense/bias", "F32", "[3]", 24, 36)
                + ",\"__metadata__\":{\"format\":\"np\"}}";
            byte[] file = Assemble(json, F32(1, 2, 3, 4, 5, 6, -0.5f, 0.25f, 1e-3f));
            string path = folder.File("golden.safetensors");
            File.WriteAllBytes(path, file);
            var model = new TestModel(("dense/bias", new[] { 3 }, VariableKind.Bias), ("dense/kernel", new[] { 2, 3 }, VariableKind.Kernel));

            Checkpoint.Load(model, path);

            Assert.Equal(new float[] { 1, 2, 3, 4, 5, 6 }, model.Values("dense/kernel"));
            Assert.Equal(new[] { -0.5f, 0.25f, 1e-3f }, model.Values("dense/bias"));
            IReadOnlyList<TensorInfo> tensors = Checkpoint.ReadHeader(path);
            Assert.Equal(new[] { "dense/kernel", "dense/bias" }, tensors.Select(t => t.Name));
            Assert.Equal(new long[] { 2, 3 }, tensors[0].Shape);
            Assert.Equal((24L, 36L), (tensors[1].Begin, tensors[1].End));
            Assert.Equal("np", Checkpoint.ReadMetadata(path)["format"]);
        }

        [Fact]
        public void OtherFloatDtypes_AreConvertedToF32()
        {
            byte[] f64 = new byte[16], f16 = new byte[4], bf16 = new byte[4];
            BinaryPrimitives.WriteDoubleLittleEndian(f64, 0.1);
            BinaryPrimitives.WriteDoubleLittleEndian(f64.AsSpan(8), -3.0);
            BinaryPrimitives.WriteHalfLittleEndian(f16, (Half)1.5f);
            BinaryPrimitives.WriteHalfLittleEndian(f16.AsSpan(2), (Half)(-0.125f));
            BinaryPrimitives.WriteUInt16LittleEndian(bf16, 0x3FC0); // 1.5
            BinaryPrimitives.WriteUInt16LittleEndian(bf16.AsSpan(2), 0xC040); // -3
            string json = "{" + Entry("a", "F64", "[2]", 0, 16) + "," + Entry("b", "F16", "[2]", 16, 20) + "," + Entry("c", "BF16", "[2]", 20, 24) + "}";
            var model = new TestModel(("a", new[] { 2 }, VariableKind.Bias), ("b", new[] { 2 }, VariableKind.Bias), ("c", new[] { 2 }, VariableKind.Bias));

            Checkpoint.Load(model, new MemoryStream(Assemble(json, Concat(f64, f16, bf16))));

            Assert.Equal(new[] { 0.1f, -3f }, model.Values("a"));
            Assert.Equal(new[] { 1.5f, -0.125f }, model.Values("b"));
            Assert.Equal(new[] { 1.5f, -3f }, model.Values("c"));
        }

        [Fact]
        public void IntegerDtype_IsAnErrorNamingTheDtype()
        {
            string json = "{" + Entry("a", "I32", "[2]", 0, 8) + "}";
            var model = new TestModel(("a", new[] { 2 }, VariableKind.Bias));
            var e = Assert.Throws<CheckpointException>(() => Checkpoint.Load(model, new MemoryStream(Assemble(json, new byte[8]))));
            Assert.Contains("a: dtype I32 cannot be loaded", e.Message);
        }

        [Fact]
        public void FailedSave_KeepsTheOldFileAndLeavesNoTemporaryFile()
        {
            string path = folder.File("model.safetensors");
            TestModel original = TestModel.AllKinds().Fill(10);
            Checkpoint.Save(original, path);
            byte[] before = File.ReadAllBytes(path);

            var e = Assert.Throws<IOException>(() => Checkpoint.SaveAtomic(TestModel.AllKinds().Fill(11), path, null, s => new FailingStream(s, 100)));
            Assert.Contains("injected", e.Message);
            Assert.Throws<InvalidOperationException>(() => Checkpoint.Save(new BrokenArenaModel(), path));

            Assert.Equal(before, File.ReadAllBytes(path));
            Assert.Equal(new[] { path }, Directory.GetFiles(folder.Path));
            TestModel reloaded = TestModel.AllKinds().Fill(12);
            Checkpoint.Load(reloaded, path);
            AssertVariablesEqual(original, reloaded);
        }

        [Fact]
        public void SaveOverExistingFile_ReplacesIt()
        {
            string path = folder.File("model.safetensors");
            Checkpoint.Save(TestModel.AllKinds().Fill(20), path);
            TestModel second = TestModel.AllKinds().Fill(21);
            Checkpoint.Save(second, path);

            TestModel loaded = TestModel.AllKinds();
            Checkpoint.Load(loaded, path);
            AssertVariablesEqual(second, loaded);
            Assert.Single(Directory.GetFiles(folder.Path));
        }

        [Fact]
        public void ReservedMetadataKey_IsRejectedBeforeAnythingIsWritten()
        {
            string path = folder.File("model.safetensors");
            var e = Assert.Throws<ArgumentException>(() => Checkpoint.Save(TestModel.AllKinds(), path,
                new CheckpointOptions { Metadata = new Dictionary<string, string> { ["modelgen.step"] = "1" } }));
            Assert.Contains("modelgen.step", e.Message);
            Assert.Empty(Directory.GetFiles(folder.Path));
        }

        [Fact]
        public void MismatchedFile_ListsEveryProblemAndLeavesParametersBitwiseUnchanged()
        {
            var other = new TestModel(
                ("conv1/kernel", new[] { 2, 2, 3, 3 }, VariableKind.Kernel),
                ("conv1/bias", new[] { 3 }, VariableKind.Bias),
                ("extra/kernel", new[] { 1 }, VariableKind.Kernel)).Fill(30);
            string path = folder.File("other.safetensors");
            Checkpoint.Save(other, path);
            TestModel model = TestModel.AllKinds().Fill(31);
            float[] before = (float[])model.Arena.Clone();

            var e = Assert.Throws<CheckpointException>(() => Checkpoint.Load(model, path));

            Assert.Equal(path, e.File);
            Assert.Contains(path, e.Message);
            Assert.Contains("conv1/kernel: expected [2, 2, 1, 3], found [2, 2, 3, 3]", e.Problems);
            Assert.Contains("fc1/bias: missing", e.Problems);
            Assert.Contains(e.Problems, p => p.StartsWith("extra/kernel: not a variable of the model"));
            Assert.Equal(1 + 1 + 6, e.Problems.Count); // one shape, one unknown, six missing
            Assert.Equal(before.Select(BitConverter.SingleToInt32Bits), model.Arena.Select(BitConverter.SingleToInt32Bits));
        }

        [Fact]
        public void TruncatedStreamDuringData_LeavesParametersBitwiseUnchanged()
        {
            var buffer = new MemoryStream();
            Checkpoint.Save(TestModel.AllKinds().Fill(40), buffer);
            byte[] cut = buffer.ToArray()[..^4]; // the last variable's final float is gone
            TestModel model = TestModel.AllKinds().Fill(41);
            float[] before = (float[])model.Arena.Clone();

            var e = Assert.Throws<CheckpointException>(() => Checkpoint.Load(model, new NonSeekableStream(new MemoryStream(cut))));

            Assert.Contains("fc1/bias: the file ends inside its data", e.Message);
            Assert.Equal(before.Select(BitConverter.SingleToInt32Bits), model.Arena.Select(BitConverter.SingleToInt32Bits));
        }

        [Fact]
        public void IncludePattern_RestoresOnlyMatchingVariables()
        {
            string path = folder.File("model.safetensors");
            TestModel saved = TestModel.AllKinds().Fill(50);
            Checkpoint.Save(saved, path);
            TestModel model = TestModel.AllKinds().Fill(51);
            TestModel untouched = TestModel.AllKinds().Fill(51);

            Checkpoint.Load(model, path, new LoadOptions { Include = "bn1/.*|conv1/bias" });

            foreach (VariableInfo v in model.Variables)
            {
                bool selected = v.Name.StartsWith("bn1/") || v.Name == "conv1/bias";
                Assert.Equal((selected ? saved : untouched).Values(v.Name), model.Values(v.Name));
            }
        }

        [Fact]
        public void IncludePattern_IsAFullMatchAndSelectedVariablesMustBePresent()
        {
            var partial = new TestModel(("fc1/kernel", new[] { 12, 5 }, VariableKind.Kernel), ("fc1/bias", new[] { 5 }, VariableKind.Bias)).Fill(52);
            string path = folder.File("fc1.safetensors");
            Checkpoint.Save(partial, path);
            TestModel model = TestModel.AllKinds().Fill(53);

            Checkpoint.Load(model, path, new LoadOptions { Include = "fc1/.*" });
            Assert.Equal(partial.Values("fc1/kernel"), model.Values("fc1/kernel"));

            // "fc1" alone matches no whole name; "conv1/.*" selects variables the file lacks.
            var none = Assert.Throws<CheckpointException>(() => Checkpoint.Load(model, path, new LoadOptions { Include = "fc1" }));
            Assert.Contains("matches no variable", none.Message);
            var missing = Assert.Throws<CheckpointException>(() => Checkpoint.Load(model, path, new LoadOptions { Include = "conv1/.*" }));
            Assert.Equal(new[] { "conv1/kernel: missing", "conv1/bias: missing" }, missing.Problems);
            Assert.Throws<ArgumentException>(() => Checkpoint.Load(model, path, new LoadOptions { Include = "fc1/(" }));
        }

        [Fact]
        public void Rename_MapsExactNamesAndPrefixes()
        {
            var old = new TestModel(
                ("hidden1/kernel", new[] { 4, 3 }, VariableKind.Kernel),
                ("hidden1/bias", new[] { 3 }, VariableKind.Bias),
                ("out/w", new[] { 3, 2 }, VariableKind.Kernel)).Fill(60);
            string path = folder.File("old.safetensors");
            Checkpoint.Save(old, path);
            var model = new TestModel(
                ("fc1/kernel", new[] { 4, 3 }, VariableKind.Kernel),
                ("fc1/bias", new[] { 3 }, VariableKind.Bias),
                ("logits/kernel", new[] { 3, 2 }, VariableKind.Kernel));

            Assert.Throws<CheckpointException>(() => Checkpoint.Load(model, path));
            Checkpoint.Load(model, path, new LoadOptions
            {
                Rename = new Dictionary<string, string> { ["hidden1/"] = "fc1/", ["out/w"] = "logits/kernel" },
            });

            Assert.Equal(old.Values("hidden1/kernel"), model.Values("fc1/kernel"));
            Assert.Equal(old.Values("hidden1/bias"), model.Values("fc1/bias"));
            Assert.Equal(old.Values("out/w"), model.Values("logits/kernel"));
        }

        [Fact]
        public void UnknownTensors_AreAnErrorUnlessIgnored()
        {
            var bigger = new TestModel(("fc1/bias", new[] { 5 }, VariableKind.Bias), ("fc2/bias", new[] { 2 }, VariableKind.Bias)).Fill(70);
            string path = folder.File("bigger.safetensors");
            Checkpoint.Save(bigger, path);
            var model = new TestModel(("fc1/bias", new[] { 5 }, VariableKind.Bias));

            var e = Assert.Throws<CheckpointException>(() => Checkpoint.Load(model, path));
            Assert.Contains("fc2/bias: not a variable of the model", e.Message);

            Checkpoint.Load(model, path, new LoadOptions { IgnoreUnknown = true });
            Assert.Equal(bigger.Values("fc1/bias"), model.Values("fc1/bias"));
        }

        [Fact]
        public void PyTorchLayout_TransposesDenseAndConvolutionKernels()
        {
            const int Out = 3, In = 2, Kh = 2, Kw = 3;
            // PyTorch: nn.Linear(2, 3).weight is [out, in]; nn.Conv2d(2, 3, (2, 3)).weight is [out, in, kh, kw].
            float[] linear = Enumerable.Range(0, Out * In).Select(i => (float)i).ToArray();
            float[] conv = Enumerable.Range(0, Out * In * Kh * Kw).Select(i => 100f + i).ToArray();
            float[] bias = { 7, 8, 9 };
            string json = "{" + Entry("fc/weight", "F32", $"[{Out},{In}]", 0, 24) + ","
                + Entry("conv/weight", "F32", $"[{Out},{In},{Kh},{Kw}]", 24, 24 + 4 * conv.Length) + ","
                + Entry("fc/bias", "F32", "[3]", 24 + 4 * conv.Length, 36 + 4 * conv.Length) + "}";
            byte[] file = Assemble(json, Concat(F32(linear), F32(conv), F32(bias)));
            var model = new TestModel(
                ("conv/kernel", new[] { Kh, Kw, In, Out }, VariableKind.Kernel),
                ("fc/kernel", new[] { In, Out }, VariableKind.Kernel),
                ("fc/bias", new[] { Out }, VariableKind.Bias));
            var rename = new Dictionary<string, string> { ["fc/weight"] = "fc/kernel", ["conv/weight"] = "conv/kernel" };

            var wrong = Assert.Throws<CheckpointException>(() => Checkpoint.Load(model, new MemoryStream(file), new LoadOptions { Rename = rename }));
            Assert.Contains("fc/kernel (file tensor 'fc/weight'): expected [2, 3], found [3, 2]", wrong.Problems);
            Checkpoint.Load(model, new MemoryStream(file), new LoadOptions { Rename = rename, PyTorchLayout = true });

            float[] fc = model.Values("fc/kernel"), kernel = model.Values("conv/kernel");
            for (int i = 0; i < In; i++)
                for (int o = 0; o < Out; o++)
                    Assert.Equal(linear[o * In + i], fc[i * Out + o]); // numpy: w.T
            for (int y = 0; y < Kh; y++)
                for (int x = 0; x < Kw; x++)
                    for (int c = 0; c < In; c++)
                        for (int o = 0; o < Out; o++)
                            Assert.Equal(conv[o * In * Kh * Kw + c * Kh * Kw + y * Kw + x], kernel[y * Kw * In * Out + x * In * Out + c * Out + o]); // numpy: w.transpose(2, 3, 1, 0)
            Assert.Equal(bias, model.Values("fc/bias"));
        }

        [Fact]
        public void MissingFile_ThrowsFileNotFound()
        {
            Assert.Throws<FileNotFoundException>(() => Checkpoint.Load(TestModel.AllKinds(), folder.File("absent.safetensors")));
        }
    }
}
