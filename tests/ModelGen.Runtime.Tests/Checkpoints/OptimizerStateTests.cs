// Optimizer state in checkpoints: the slot and step-count tensors as written, their restore, and failed loads that must
// change neither the model nor the optimizer.
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
    public sealed class OptimizerStateTests : IDisposable
    {
        private readonly TempFolder folder = new();

        public void Dispose() => folder.Dispose();

        private static ParameterRange[] TrainableRanges(TestModel model) =>
            model.Variables.ToArray().Where(v => v.Trainable).Select(v => new ParameterRange(v.Offset, v.Length)).ToArray();

        /// <summary>Applies <paramref name="steps"/> updates with seeded Gaussian gradients, so every slot holds distinct values.</summary>
        private static void Train(TestModel model, Optimizer optimizer, int steps, ulong seed)
        {
            var rng = new Rng(seed);
            float[] gradients = new float[model.Arena.Length];
            for (int step = 0; step < steps; step++)
            {
                for (int i = 0; i < gradients.Length; i++) gradients[i] = (float)rng.NextGaussian();
                optimizer.Apply(model.Arena, gradients, TrainableRanges(model));
            }
        }

        private static float[] Slot(Optimizer optimizer, int slot, VariableInfo v) => optimizer.GetSlot(slot).Slice(v.Offset, v.Length).ToArray();

        private static float[][] AllSlots(Optimizer optimizer) =>
            Enumerable.Range(0, optimizer.SlotNames.Count).Select(s => optimizer.GetSlot(s).ToArray()).ToArray();

        [Fact]
        public void SaveWithAdam_WritesEachSlotOfTrainableVariables_TheI64StepAndTheMetadata()
        {
            TestModel model = TestModel.AllKinds().Fill(1);
            var adam = new Adam(0.01, beta1: 0.8);
            Train(model, adam, 3, 2);
            string path = folder.File("adam.safetensors");
            Checkpoint.Save(model, path, new CheckpointOptions { Optimizer = adam });

            byte[] bytes = File.ReadAllBytes(path);
            int headerLength = (int)BinaryPrimitives.ReadUInt64LittleEndian(bytes);
            using JsonDocument json = JsonDocument.Parse(Encoding.UTF8.GetString(bytes, 8, headerLength));
            JsonElement root = json.RootElement;
            int dataStart = 8 + headerLength;

            using JsonDocument described = JsonDocument.Parse(root.GetProperty("__metadata__").GetProperty("modelgen.optimizer").GetString()!);
            Assert.Equal("ModelGen.Adam", described.RootElement.GetProperty("type").GetString());
            Assert.Equal(0.8, described.RootElement.GetProperty("beta1").GetDouble());
            Assert.Equal(0.01, described.RootElement.GetProperty("learning_rate").GetDouble());

            JsonElement step = root.GetProperty("optimizer/iterations");
            Assert.Equal("I64", step.GetProperty("dtype").GetString());
            Assert.Equal(0, step.GetProperty("shape").GetArrayLength());
            long[] stepOffsets = step.GetProperty("data_offsets").EnumerateArray().Select(e => e.GetInt64()).ToArray();
            Assert.Equal(0, stepOffsets[0] % 8);
            Assert.Equal(8, stepOffsets[1] - stepOffsets[0]);
            Assert.Equal(3L, BinaryPrimitives.ReadInt64LittleEndian(bytes.AsSpan(dataStart + (int)stepOffsets[0])));

            int slotTensors = 0;
            foreach (VariableInfo v in model.Variables)
            {
                for (int s = 0; s < 2; s++)
                {
                    string name = $"optimizer/{adam.SlotNames[s]}/{v.Name}";
                    if (!v.Trainable)
                    {
                        Assert.False(root.TryGetProperty(name, out _), $"{name} is written for a non-trainable variable");
                        continue;
                    }
                    JsonElement entry = root.GetProperty(name);
                    Assert.Equal("F32", entry.GetProperty("dtype").GetString());
                    Assert.Equal(v.Shape.ToArray(), entry.GetProperty("shape").EnumerateArray().Select(e => e.GetInt32()).ToArray());
                    int begin = entry.GetProperty("data_offsets")[0].GetInt32();
                    float[] stored = Enumerable.Range(0, v.Length).Select(i => BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan(dataStart + begin + 4 * i))).ToArray();
                    Assert.Equal(Slot(adam, s, v), stored);
                    slotTensors++;
                }
            }
            Assert.Equal(2 * 6, slotTensors); // 6 trainable variables in AllKinds, moving statistics excluded
        }

        [Fact]
        public void SaveThenLoadWithOptimizer_RestoresTheModelTheSlotsAndTheStep()
        {
            TestModel saved = TestModel.AllKinds().Fill(3);
            var adam = new Adam();
            Train(saved, adam, 4, 4);
            var buffer = new MemoryStream();
            Checkpoint.Save(saved, buffer, new CheckpointOptions { Optimizer = adam });

            TestModel loaded = TestModel.AllKinds().Fill(5);
            var fresh = new Adam();
            Checkpoint.Load(loaded, new NonSeekableStream(new MemoryStream(buffer.ToArray())), new LoadOptions { Optimizer = fresh });

            Assert.Equal(4, fresh.Iterations);
            Assert.Equal(loaded.Arena.Length, fresh.BoundParameterCount);
            foreach (VariableInfo v in saved.Variables)
            {
                Assert.Equal(saved.Values(v.Name), loaded.Values(v.Name));
                if (!v.Trainable) continue;
                for (int s = 0; s < 2; s++) Assert.Equal(Slot(adam, s, v), Slot(fresh, s, v));
            }
        }

        [Fact]
        public void UnusedOptimizer_IsBoundOnSave_AndItsInitialSlotsRoundTrip()
        {
            // AdaGrad's accumulator starts at its initial value, not zero: the saved slots must carry it.
            TestModel model = TestModel.AllKinds().Fill(6);
            var unused = new AdaGrad(0.1, initialAccumulator: 0.25);
            var buffer = new MemoryStream();
            Checkpoint.Save(model, buffer, new CheckpointOptions { Optimizer = unused });
            Assert.Equal(model.Arena.Length, unused.BoundParameterCount);

            var fresh = new AdaGrad(0.1, initialAccumulator: 0.5);
            Checkpoint.Load(TestModel.AllKinds(), new MemoryStream(buffer.ToArray()), new LoadOptions { Optimizer = fresh });
            VariableInfo kernel = model["fc1/kernel"];
            Assert.All(Slot(fresh, 0, kernel), value => Assert.Equal(0.25f, value));
            Assert.Equal(0, fresh.Iterations);
        }

        [Fact]
        public void LoadWithoutOptimizer_IgnoresTheOptimizerTensors_EvenWhenStrict()
        {
            TestModel saved = TestModel.AllKinds().Fill(7);
            var momentum = new Momentum(0.1);
            Train(saved, momentum, 2, 8);
            string path = folder.File("momentum.safetensors");
            Checkpoint.Save(saved, path, new CheckpointOptions { Optimizer = momentum });

            TestModel loaded = TestModel.AllKinds().Fill(9);
            Checkpoint.Load(loaded, path);

            foreach (VariableInfo v in saved.Variables) Assert.Equal(saved.Values(v.Name), loaded.Values(v.Name));
        }

        [Fact]
        public void LoadWithAnotherOptimizerType_FailsNamingBoth_AndChangesNeitherModelNorOptimizer()
        {
            TestModel saved = TestModel.AllKinds().Fill(10);
            var momentum = new Momentum(0.1);
            Train(saved, momentum, 2, 11);
            var buffer = new MemoryStream();
            Checkpoint.Save(saved, buffer, new CheckpointOptions { Optimizer = momentum });

            TestModel loaded = TestModel.AllKinds().Fill(12);
            var adam = new Adam();
            Train(loaded, adam, 1, 13);
            float[] before = loaded.Arena.ToArray();
            float[][] slotsBefore = AllSlots(adam);

            var e = Assert.Throws<CheckpointException>(() =>
                Checkpoint.Load(loaded, new MemoryStream(buffer.ToArray()), new LoadOptions { Optimizer = adam }));

            Assert.Equal("the file's optimizer state is for ModelGen.Momentum, not for LoadOptions.Optimizer ModelGen.Adam", Assert.Single(e.Problems));
            Assert.Equal(before, loaded.Arena);
            Assert.Equal(slotsBefore, AllSlots(adam));
            Assert.Equal(1, adam.Iterations);
        }

        [Fact]
        public void LoadWithOptimizer_FromAFileWithoutOptimizerState_FailsAndLeavesTheOptimizerUnbound()
        {
            TestModel saved = TestModel.AllKinds().Fill(14);
            var buffer = new MemoryStream();
            Checkpoint.Save(saved, buffer);
            var adam = new Adam();

            var e = Assert.Throws<CheckpointException>(() =>
                Checkpoint.Load(TestModel.AllKinds(), new MemoryStream(buffer.ToArray()), new LoadOptions { Optimizer = adam }));

            Assert.Contains("no 'modelgen.optimizer' metadata entry", e.Message);
            Assert.Equal(-1, adam.BoundParameterCount);
        }

        [Fact]
        public void HandBuiltFile_WithAMissingSlotAndAFloatStep_ListsEveryProblem_AndChangesNothing()
        {
            // fc/kernel [2] with Adam's "m" slot but no "v", and the step count stored as F32 instead of I64; "optimizer/x" is
            // no optimizer tensor at all and fc/bias as I64 is an integer where a float is needed.
            string json = "{\"__metadata__\":{\"modelgen.optimizer\":\"{\\\"type\\\":\\\"ModelGen.Adam\\\"}\"},"
                + Entry("fc/kernel", "F32", "[2]", 0, 8) + "," + Entry("fc/bias", "I64", "[1]", 8, 16) + ","
                + Entry("optimizer/m/fc/kernel", "F32", "[2]", 16, 24) + "," + Entry("optimizer/m/fc/bias", "F32", "[1]", 24, 28) + ","
                + Entry("optimizer/v/fc/bias", "F32", "[1]", 28, 32) + ","
                + Entry("optimizer/iterations", "F32", "[]", 32, 36) + "," + Entry("optimizer/x", "F32", "[1]", 36, 40) + "}";
            byte[] file = Assemble(json, F32(1, 2, 0, 0, 3, 4, 5, 6, 7, 8));
            var model = new TestModel(("fc/kernel", new[] { 2 }, VariableKind.Kernel), ("fc/bias", new[] { 1 }, VariableKind.Bias));
            model.Fill(15);
            var adam = new Adam();
            Train(model, adam, 2, 16);
            float[] before = model.Arena.ToArray();
            float[][] slotsBefore = AllSlots(adam);

            var e = Assert.Throws<CheckpointException>(() => Checkpoint.Load(model, new MemoryStream(file), new LoadOptions { Optimizer = adam }));

            Assert.Equal(
                new[]
                {
                    "fc/bias: dtype I64 cannot be loaded into a float variable (F32, F64, F16 and BF16 can)",
                    "optimizer/iterations: expected I64 of shape [] (the optimizer's step count), found F32 []",
                    "optimizer/x: not optimizer state of Adam, whose slots are m, v (set IgnoreUnknown to skip such tensors)",
                    "optimizer/v/fc/kernel: missing (the v slot of Adam for the trainable variable fc/kernel [2])",
                },
                e.Problems);
            Assert.Equal(before, model.Arena);
            Assert.Equal(slotsBefore, AllSlots(adam));
            Assert.Equal(2, adam.Iterations);
        }

        [Fact]
        public void HandBuiltFile_WithAStepBeyondInt32_RestoresItExactly()
        {
            // The format as documented: the step count is an I64 scalar (shape [], 8 bytes little-endian).
            const long step = 12_345_678_901;
            byte[] stepBytes = new byte[8];
            BinaryPrimitives.WriteInt64LittleEndian(stepBytes, step);
            string json = "{\"__metadata__\":{\"modelgen.optimizer\":\"{\\\"type\\\":\\\"ModelGen.Momentum\\\"}\"},"
                + Entry("optimizer/iterations", "I64", "[]", 0, 8) + "," + Entry("w", "F32", "[3]", 8, 20) + ","
                + Entry("optimizer/momentum/w", "F32", "[3]", 20, 32) + "}";
            byte[] file = Assemble(json, Concat(stepBytes, F32(1, 2, 3), F32(-0.5f, 0.25f, 8)));
            var model = new TestModel(("w", new[] { 3 }, VariableKind.Kernel));
            var momentum = new Momentum(0.01);

            Checkpoint.Load(model, new MemoryStream(file), new LoadOptions { Optimizer = momentum });

            Assert.Equal(step, momentum.Iterations);
            Assert.Equal(new float[] { 1, 2, 3 }, model.Values("w"));
            Assert.Equal(new[] { -0.5f, 0.25f, 8 }, Slot(momentum, 0, model["w"]));
        }

        [Fact]
        public void NegativeStep_IsAnError_AndChangesNothing()
        {
            byte[] stepBytes = new byte[8];
            BinaryPrimitives.WriteInt64LittleEndian(stepBytes, -3);
            string json = "{\"__metadata__\":{\"modelgen.optimizer\":\"{\\\"type\\\":\\\"ModelGen.Sgd\\\"}\"},"
                + Entry("optimizer/iterations", "I64", "[]", 0, 8) + "," + Entry("w", "F32", "[1]", 8, 12) + "}";
            var model = new TestModel(("w", new[] { 1 }, VariableKind.Kernel));
            var sgd = new Sgd();

            var e = Assert.Throws<CheckpointException>(() =>
                Checkpoint.Load(model, new MemoryStream(Assemble(json, Concat(stepBytes, F32(4)))), new LoadOptions { Optimizer = sgd }));

            Assert.Contains("optimizer/iterations: the step count is -3", e.Message);
            Assert.Equal(new[] { 0f }, model.Values("w"));
            Assert.Equal(-1, sgd.BoundParameterCount);
        }

        [Fact]
        public void TruncatedInsideTheSlots_LeavesModelAndOptimizerBitwiseUnchanged()
        {
            TestModel saved = TestModel.AllKinds().Fill(17);
            var rms = new RmsProp(momentum: 0.5);
            Train(saved, rms, 3, 18);
            var buffer = new MemoryStream();
            Checkpoint.Save(saved, buffer, new CheckpointOptions { Optimizer = rms });
            byte[] truncated = buffer.ToArray()[..^6]; // the last slot tensor loses its tail

            TestModel loaded = TestModel.AllKinds().Fill(19);
            var other = new RmsProp(momentum: 0.5);
            Train(loaded, other, 1, 20);
            float[] before = loaded.Arena.ToArray();
            float[][] slotsBefore = AllSlots(other);

            Assert.Throws<CheckpointException>(() =>
                Checkpoint.Load(loaded, new NonSeekableStream(new MemoryStream(truncated)), new LoadOptions { Optimizer = other }));

            Assert.Equal(before, loaded.Arena);
            Assert.Equal(slotsBefore, AllSlots(other));
            Assert.Equal(1, other.Iterations);
        }

        [Fact]
        public void RenameAndInclude_ApplyToTheVariablePartOfSlotNames()
        {
            var source = new TestModel(("hidden1/kernel", new[] { 2, 3 }, VariableKind.Kernel), ("hidden2/kernel", new[] { 3, 2 }, VariableKind.Kernel));
            source.Fill(21);
            var adam = new Adam();
            Train(source, adam, 2, 22);
            var buffer = new MemoryStream();
            Checkpoint.Save(source, buffer, new CheckpointOptions { Optimizer = adam });

            var target = new TestModel(("fc1/kernel", new[] { 2, 3 }, VariableKind.Kernel), ("fc2/kernel", new[] { 3, 2 }, VariableKind.Kernel));
            var fresh = new Adam();
            Checkpoint.Load(target, new MemoryStream(buffer.ToArray()), new LoadOptions
            {
                Optimizer = fresh,
                Rename = new Dictionary<string, string> { ["hidden1/"] = "fc1/", ["hidden2/"] = "fc2/" },
                Include = "fc1/.*",
            });

            Assert.Equal(source.Values("hidden1/kernel"), target.Values("fc1/kernel"));
            for (int s = 0; s < 2; s++)
            {
                Assert.Equal(Slot(adam, s, source["hidden1/kernel"]), Slot(fresh, s, target["fc1/kernel"]));
                Assert.All(Slot(fresh, s, target["fc2/kernel"]), value => Assert.Equal(0f, value)); // not selected: initial value
            }
            Assert.Equal(2, fresh.Iterations);
        }

        [Fact]
        public void OptimizerBoundToAnotherArena_IsRejectedOnSaveAndLoad()
        {
            TestModel model = TestModel.AllKinds();
            var adam = new Adam();
            adam.Bind(5);
            string path = folder.File("never.safetensors");

            var save = Assert.Throws<ArgumentException>(() => Checkpoint.Save(model, path, new CheckpointOptions { Optimizer = adam }));
            Assert.Contains("CheckpointOptions.Optimizer (Adam) is bound to a parameter arena of 5 floats", save.Message);
            Assert.False(File.Exists(path));

            Checkpoint.Save(model, path);
            var load = Assert.Throws<ArgumentException>(() => Checkpoint.Load(model, path, new LoadOptions { Optimizer = adam }));
            Assert.Contains("LoadOptions.Optimizer (Adam) is bound to a parameter arena of 5 floats", load.Message);
        }

        [Fact]
        public void OptimizerWithPyTorchLayout_IsRejected()
        {
            TestModel model = TestModel.AllKinds();
            string path = folder.File("model.safetensors");
            Checkpoint.Save(model, path);
            var e = Assert.Throws<ArgumentException>(() =>
                Checkpoint.Load(model, path, new LoadOptions { Optimizer = new Adam(), PyTorchLayout = true }));
            Assert.Contains("PyTorchLayout", e.Message);
        }

        [Fact]
        public void ModelVariableUnderTheOptimizerPrefix_IsRejectedWhenSavingOptimizerState()
        {
            var model = new TestModel(("optimizer/kernel", new[] { 2 }, VariableKind.Kernel));
            var e = Assert.Throws<ArgumentException>(() => Checkpoint.Save(model, new MemoryStream(), new CheckpointOptions { Optimizer = new Sgd() }));
            Assert.Contains("'optimizer/kernel'", e.Message);
        }
    }
}
