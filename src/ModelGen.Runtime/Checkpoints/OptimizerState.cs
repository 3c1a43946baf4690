// How an optimizer's state is named in a checkpoint: slot tensors, the I64 step count and the modelgen.optimizer entry.
using System;
using System.Buffers;
using System.Collections.Generic;
using System.Text;
using System.Text.Json;

namespace ModelGen.Checkpoints
{
    internal static class OptimizerState
    {
        /// <summary>Every optimizer tensor's name starts with this; model variables may not (see <see cref="Checkpoint"/>).</summary>
        public const string Prefix = "optimizer/";

        /// <summary>The step count (<see cref="Optimizer.Iterations"/>): dtype I64, shape [] (a scalar), 8 bytes little-endian.</summary>
        public const string IterationsName = Prefix + "iterations";

        /// <summary>The metadata key holding the optimizer's type and hyper-parameters as a JSON object.</summary>
        public const string MetadataKey = "modelgen.optimizer";

        /// <summary><c>optimizer/&lt;slot&gt;/&lt;variable&gt;</c>, e.g. <c>optimizer/m/fc1/kernel</c>.</summary>
        public static string SlotTensorName(string slot, string variable) => Prefix + slot + "/" + variable;

        /// <summary>Splits <c>optimizer/&lt;slot&gt;/&lt;variable&gt;</c>; false for any other name.</summary>
        public static bool TrySplit(string name, out string slot, out string variable)
        {
            slot = variable = "";
            if (!name.StartsWith(Prefix, StringComparison.Ordinal)) return false;
            int slash = name.IndexOf('/', Prefix.Length);
            if (slash <= Prefix.Length || slash == name.Length - 1) return false;
            slot = name.Substring(Prefix.Length, slash - Prefix.Length);
            variable = name.Substring(slash + 1);
            return true;
        }

        /// <summary>The type name a file's <c>modelgen.optimizer</c> entry must hold for <paramref name="optimizer"/>.</summary>
        public static string TypeName(Optimizer optimizer) => optimizer.GetType().FullName ?? optimizer.GetType().Name;

        /// <summary>
        /// The <c>modelgen.optimizer</c> value: a JSON object with the type, the slot names, the base learning rate, the
        /// clipping settings, the schedule's type and the type's own hyper-parameters (TensorFlow's argument names), e.g.
        /// <c>{"type":"ModelGen.Adam","slots":["m","v"],"learning_rate":0.001,...,"beta1":0.9,"beta2":0.999,"epsilon":1E-08}</c>.
        /// Written by a switch over the runtime's optimizers, not by reflection (NativeAOT).
        /// </summary>
        public static string Describe(Optimizer optimizer)
        {
            var buffer = new ArrayBufferWriter<byte>();
            using (var json = new Utf8JsonWriter(buffer))
            {
                json.WriteStartObject();
                json.WriteString("type", TypeName(optimizer));
                json.WriteStartArray("slots");
                foreach (string slot in optimizer.SlotNames) json.WriteStringValue(slot);
                json.WriteEndArray();
                json.WriteNumber("learning_rate", optimizer.LearningRate);
                json.WriteNumber("clip_value", optimizer.ClipValue);
                json.WriteNumber("clip_norm", optimizer.ClipNorm);
                if (optimizer.Schedule is { } schedule) json.WriteString("schedule", schedule.GetType().FullName);
                else json.WriteNull("schedule");
                switch (optimizer)
                {
                    case Adam adam:
                        json.WriteNumber("beta1", adam.Beta1);
                        json.WriteNumber("beta2", adam.Beta2);
                        json.WriteNumber("epsilon", adam.Epsilon);
                        break;
                    case Momentum momentum:
                        json.WriteNumber("momentum", momentum.Coefficient);
                        json.WriteBoolean("use_nesterov", momentum.UseNesterov);
                        break;
                    case RmsProp rms:
                        json.WriteNumber("decay", rms.Decay);
                        json.WriteNumber("momentum", rms.Momentum);
                        json.WriteNumber("epsilon", rms.Epsilon);
                        break;
                    case AdaGrad adaGrad:
                        json.WriteNumber("initial_accumulator_value", adaGrad.InitialAccumulator);
                        break;
                }
                json.WriteEndObject();
            }
            return Encoding.UTF8.GetString(buffer.WrittenSpan);
        }

        /// <summary>
        /// Checks that the file's <c>modelgen.optimizer</c> entry names the type of <paramref name="optimizer"/>; adds a
        /// problem and returns false otherwise. The hyper-parameters are informational: the loading optimizer keeps its own.
        /// </summary>
        public static bool CheckType(IReadOnlyDictionary<string, string> metadata, Optimizer optimizer, List<string> problems)
        {
            string expected = TypeName(optimizer);
            if (!metadata.TryGetValue(MetadataKey, out string? text))
            {
                problems.Add($"the file holds no optimizer state (no '{MetadataKey}' metadata entry) for LoadOptions.Optimizer {expected}: save it with CheckpointOptions.Optimizer, or load without one");
                return false;
            }
            string? found = null;
            try
            {
                using JsonDocument document = JsonDocument.Parse(text);
                if (document.RootElement.ValueKind == JsonValueKind.Object
                    && document.RootElement.TryGetProperty("type", out JsonElement type)
                    && type.ValueKind == JsonValueKind.String)
                    found = type.GetString();
            }
            catch (JsonException)
            {
            }
            if (found is null)
            {
                problems.Add($"the '{MetadataKey}' metadata entry is not a JSON object with a string \"type\": {Shorten(text)}");
                return false;
            }
            if (found != expected)
            {
                problems.Add($"the file's optimizer state is for {found}, not for LoadOptions.Optimizer {expected}");
                return false;
            }
            return true;
        }

        private static string Shorten(string text) => text.Length <= 80 ? text : text.Substring(0, 80) + "...";
    }
}
