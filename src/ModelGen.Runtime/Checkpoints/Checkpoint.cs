// Saves a model's named variables (and optionally its optimizer's slots and step count) as a safetensors file, atomically,
// and restores them strictly: a load that finds any problem lists them all and changes nothing.
using System;
using System.Buffers;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.IO;
using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace ModelGen.Checkpoints
{
    /// <summary>
    /// Saves and restores the variables of any <see cref="IModel"/> by name, in the safetensors format: an 8-byte
    /// little-endian header length N, N bytes of JSON mapping each name to its dtype, shape and data offsets (plus a
    /// <c>__metadata__</c> map of strings), then the raw little-endian data. Files are readable by Python's
    /// <c>safetensors</c> package. Kernels are stored in TensorFlow's layout ([kh, kw, in, out], [in, out]), so the roles of
    /// TensorFlow 1.x's <c>tf.train.Saver</c> save/restore (by variable name) carry over. With
    /// <see cref="CheckpointOptions.Optimizer"/> and <see cref="LoadOptions.Optimizer"/> the optimizer's slots and step
    /// count travel with the model, for an exact resume. The conventions are described in <c>docs/checkpoints.md</c>.
    /// </summary>
    public static class Checkpoint
    {
        /// <summary>The value of the <c>modelgen.format</c> metadata entry this version writes.</summary>
        private const string FormatVersion = "1";

        private const int ChunkBytes = 1 << 16;

        /// <summary>
        /// Writes every variable of <paramref name="model"/> to <paramref name="path"/>, atomically: the file is written
        /// to a temporary file in the same folder, flushed to disk and renamed over <paramref name="path"/>, so a crash or
        /// an error leaves either the old file or the new one, never a torn one. The temporary file is deleted on failure.
        /// </summary>
        /// <exception cref="ArgumentException">The model's variable table is inconsistent, or the metadata uses a reserved key.</exception>
        public static void Save(IModel model, string path, CheckpointOptions? options = null) => SaveAtomic(model, path, options, wrap: null);

        /// <summary>
        /// Writes every variable of <paramref name="model"/> to <paramref name="stream"/> at its position, in arena order,
        /// contiguous, with the header padded with spaces to a multiple of 8 bytes (as the reference implementation does).
        /// Metadata: <c>modelgen.format</c>, <c>modelgen.model</c> (the model's type name), <c>modelgen.step</c> when
        /// given, <c>modelgen.optimizer</c> with <see cref="CheckpointOptions.Optimizer"/>, and the entries of
        /// <see cref="CheckpointOptions.Metadata"/>. With an optimizer the data region starts with the 8 bytes of
        /// <c>optimizer/iterations</c> (so that the I64 is 8-byte aligned), then the variables, then the slots, slot by slot,
        /// each in arena order.
        /// </summary>
        /// <exception cref="ArgumentException">The model's variable table is inconsistent, the metadata uses a reserved key,
        /// or the optimizer is bound to an arena of another size.</exception>
        public static void Save(IModel model, Stream stream, CheckpointOptions? options = null)
        {
            ArgumentNullException.ThrowIfNull(model);
            ArgumentNullException.ThrowIfNull(stream);
            if (!stream.CanWrite) throw new ArgumentException("The stream is not writable.", nameof(stream));
            VariableInfo[] variables = CheckModel(model);
            Array.Sort(variables, (a, b) => a.Offset.CompareTo(b.Offset));
            Optimizer? optimizer = options?.Optimizer;
            if (optimizer is not null)
            {
                PrepareOptimizer(optimizer, model.Parameters.Length, variables, "CheckpointOptions.Optimizer");
                optimizer.Bind(model.Parameters.Length); // a fresh optimizer saves its starting slot values
            }
            long iterations = optimizer?.Iterations ?? 0;
            List<SaveEntry> entries = PlanSave(variables, optimizer);

            byte[] header = WriteHeader(model, entries, options);
            Span<byte> prefix = stackalloc byte[8];
            BinaryPrimitives.WriteUInt64LittleEndian(prefix, (ulong)header.Length);
            stream.Write(prefix);
            stream.Write(header);

            byte[]? swapped = BitConverter.IsLittleEndian ? null : new byte[ChunkBytes];
            foreach (SaveEntry entry in entries)
            {
                if (entry.Source == SaveEntry.Iterations)
                {
                    BinaryPrimitives.WriteInt64LittleEndian(prefix, iterations);
                    stream.Write(prefix);
                    continue;
                }
                // Read the arena per tensor: a model may hand out a fresh span each time.
                Span<float> arena = entry.Source == SaveEntry.Model ? model.Parameters : optimizer!.GetSlot(entry.Source);
                WriteFloats(stream, arena.Slice(entry.Offset, entry.Length), swapped);
            }
        }

        /// <summary>
        /// One tensor to write: its name, dtype and shape, and where its data is: <see cref="Model"/> (the parameter
        /// arena), <see cref="Iterations"/> (the optimizer's step count) or a slot index, at an offset of that arena.
        /// </summary>
        private readonly record struct SaveEntry(string Name, string DType, int[] Shape, int Source, int Offset, int Length)
        {
            public const int Model = -1;
            public const int Iterations = -2;

            public long Bytes => Source == Iterations ? 8 : 4L * Length;
        }

        private static List<SaveEntry> PlanSave(VariableInfo[] variables, Optimizer? optimizer)
        {
            var entries = new List<SaveEntry>();
            if (optimizer is not null)
                entries.Add(new SaveEntry(OptimizerState.IterationsName, "I64", Array.Empty<int>(), SaveEntry.Iterations, 0, 1));
            foreach (VariableInfo v in variables)
                entries.Add(new SaveEntry(v.Name, "F32", v.Shape.ToArray(), SaveEntry.Model, v.Offset, v.Length));
            if (optimizer is null) return entries;
            for (int s = 0; s < optimizer.SlotNames.Count; s++)
            {
                // Only trainable variables have meaningful slots: the optimizer never updates the others' elements.
                foreach (VariableInfo v in variables)
                    if (v.Trainable)
                        entries.Add(new SaveEntry(OptimizerState.SlotTensorName(optimizer.SlotNames[s], v.Name), "F32", v.Shape.ToArray(), s, v.Offset, v.Length));
            }
            return entries;
        }

        /// <summary>
        /// Checks that <paramref name="optimizer"/> can be stored with or restored into a model of <paramref name="arena"/>
        /// floats (names that cannot clash, an arena of the same size if it is bound) and binds it when saving.
        /// </summary>
        private static void PrepareOptimizer(Optimizer optimizer, int arena, VariableInfo[] variables, string option)
        {
            string type = optimizer.GetType().Name;
            if (optimizer.BoundParameterCount >= 0 && optimizer.BoundParameterCount != arena)
                throw new ArgumentException(
                    $"{option} ({type}) is bound to a parameter arena of {optimizer.BoundParameterCount} floats, but the model's has {arena}: use one optimizer per model.", "options");
            foreach (string slot in optimizer.SlotNames)
                if (string.IsNullOrEmpty(slot) || slot.Contains('/'))
                    throw new ArgumentException($"{option} ({type}) has the slot name '{slot}', which cannot be part of a tensor name: slot names must be non-empty and hold no '/'.", "options");
            foreach (VariableInfo v in variables)
                if (v.Name.StartsWith(OptimizerState.Prefix, StringComparison.Ordinal))
                    throw new ArgumentException($"The model variable '{v.Name}' starts with '{OptimizerState.Prefix}', which names optimizer state in a checkpoint: rename its layer to save or load optimizer state.", "model");
        }

        private static void WriteFloats(Stream stream, ReadOnlySpan<float> values, byte[]? swapped)
        {
            if (swapped is null)
            {
                stream.Write(MemoryMarshal.AsBytes(values));
                return;
            }
            for (int start = 0; start < values.Length; start += ChunkBytes / 4)
            {
                ReadOnlySpan<float> chunk = values.Slice(start, Math.Min(ChunkBytes / 4, values.Length - start));
                for (int i = 0; i < chunk.Length; i++) BinaryPrimitives.WriteSingleLittleEndian(swapped.AsSpan(4 * i), chunk[i]);
                stream.Write(swapped, 0, 4 * chunk.Length);
            }
        }

        /// <summary>
        /// Restores the variables of <paramref name="model"/> from the safetensors file at <paramref name="path"/>.
        /// Strict by default: every (selected) model variable must be present with its exact shape, and every tensor must
        /// be a model variable. F32 data is copied; F64, F16 and BF16 data is converted to F32 (F64 rounding to nearest);
        /// integer and 8-bit float dtypes are an error, except for <c>optimizer/iterations</c> (I64, shape []), the step count
        /// read with <see cref="LoadOptions.Optimizer"/>. Tensors under <c>optimizer/</c> are ignored without it. On any
        /// problem nothing is changed, neither the model nor the optimizer.
        /// </summary>
        /// <exception cref="ArgumentException">The options are invalid, or <see cref="LoadOptions.Optimizer"/> is bound to an arena of another size.</exception>
        /// <exception cref="CheckpointException">The file is malformed or does not match the model; the message lists every problem.</exception>
        /// <exception cref="FileNotFoundException">There is no file at <paramref name="path"/>.</exception>
        public static void Load(IModel model, string path, LoadOptions? options = null)
        {
            ArgumentNullException.ThrowIfNull(model);
            ArgumentException.ThrowIfNullOrEmpty(path);
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, ChunkBytes);
            LoadCore(model, stream, options, path);
        }

        /// <summary>
        /// Restores the variables of <paramref name="model"/> from a safetensors stream, read from its position to its end.
        /// See <see cref="Load(IModel, string, LoadOptions?)"/>. A stream that cannot seek is read once, front to back.
        /// </summary>
        /// <exception cref="CheckpointException">The data is malformed or does not match the model; the message lists every problem.</exception>
        public static void Load(IModel model, Stream stream, LoadOptions? options = null)
        {
            ArgumentNullException.ThrowIfNull(model);
            ArgumentNullException.ThrowIfNull(stream);
            LoadCore(model, stream, options, file: null);
        }

        /// <summary>
        /// The tensors listed in the safetensors file at <paramref name="path"/>, in the order of their data, after the same
        /// validation as <see cref="Load(IModel, string, LoadOptions?)"/> applies to the header. For inspection tools.
        /// </summary>
        /// <exception cref="CheckpointException">The file is not a valid safetensors file.</exception>
        public static IReadOnlyList<TensorInfo> ReadHeader(string path)
        {
            ArgumentException.ThrowIfNullOrEmpty(path);
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
            return SafetensorsHeader.Read(stream, path).Tensors;
        }

        /// <summary>The <c>__metadata__</c> map of the safetensors file at <paramref name="path"/> (empty when it has none).</summary>
        /// <exception cref="CheckpointException">The file is not a valid safetensors file.</exception>
        public static IReadOnlyDictionary<string, string> ReadMetadata(string path)
        {
            ArgumentException.ThrowIfNullOrEmpty(path);
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
            return SafetensorsHeader.Read(stream, path).Metadata;
        }

        /// <summary>The atomic save, with a seam for tests: <paramref name="wrap"/> wraps the temporary file's stream.</summary>
        internal static void SaveAtomic(IModel model, string path, CheckpointOptions? options, Func<Stream, Stream>? wrap)
        {
            ArgumentNullException.ThrowIfNull(model);
            ArgumentException.ThrowIfNullOrEmpty(path);
            string full = Path.GetFullPath(path);
            string folder = Path.GetDirectoryName(full) ?? throw new ArgumentException($"'{path}' names no file.", nameof(path));
            if (!Directory.Exists(folder)) throw new DirectoryNotFoundException($"Cannot save the checkpoint '{path}': the folder '{folder}' does not exist.");
            string temporary = Path.Combine(folder, "." + Path.GetFileName(full) + "." + Guid.NewGuid().ToString("N").Substring(0, 12) + ".tmp");
            try
            {
                using (var file = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, ChunkBytes))
                {
                    Stream target = wrap?.Invoke(file) ?? file;
                    Save(model, target, options);
                    target.Flush();
                    file.Flush(flushToDisk: true);
                }
                // rename(2) on Unix, MoveFileEx(REPLACE_EXISTING) on Windows: readers see the old file or the new one.
                File.Move(temporary, full, overwrite: true);
            }
            catch
            {
                try { File.Delete(temporary); } catch (IOException) { } catch (UnauthorizedAccessException) { }
                throw;
            }
        }

        private static byte[] WriteHeader(IModel model, List<SaveEntry> entries, CheckpointOptions? options)
        {
            var buffer = new ArrayBufferWriter<byte>();
            using (var json = new Utf8JsonWriter(buffer))
            {
                json.WriteStartObject();
                json.WriteStartObject("__metadata__");
                json.WriteString("modelgen.format", FormatVersion);
                json.WriteString("modelgen.model", model.GetType().FullName ?? model.GetType().Name);
                if (options?.Step is long step) json.WriteString("modelgen.step", step.ToString(System.Globalization.CultureInfo.InvariantCulture));
                if (options?.Optimizer is { } optimizer) json.WriteString(OptimizerState.MetadataKey, OptimizerState.Describe(optimizer));
                if (options?.Metadata is { } extra)
                {
                    foreach (KeyValuePair<string, string> entry in extra)
                    {
                        if (entry.Key is null || entry.Value is null)
                            throw new ArgumentException("CheckpointOptions.Metadata holds a null key or value.", nameof(options));
                        if (entry.Key.StartsWith("modelgen.", StringComparison.Ordinal))
                            throw new ArgumentException($"CheckpointOptions.Metadata key '{entry.Key}' is reserved: keys starting with 'modelgen.' are written by the runtime.", nameof(options));
                        json.WriteString(entry.Key, entry.Value);
                    }
                }
                json.WriteEndObject();

                long begin = 0;
                foreach (SaveEntry entry in entries)
                {
                    long end = begin + entry.Bytes;
                    json.WriteStartObject(entry.Name);
                    json.WriteString("dtype", entry.DType);
                    json.WriteStartArray("shape");
                    foreach (int d in entry.Shape) json.WriteNumberValue(d);
                    json.WriteEndArray();
                    json.WriteStartArray("data_offsets");
                    json.WriteNumberValue(begin);
                    json.WriteNumberValue(end);
                    json.WriteEndArray();
                    json.WriteEndObject();
                    begin = end;
                }
                json.WriteEndObject();
            }
            // Pad with spaces so that the data starts at a multiple of 8 bytes (the prefix is 8 bytes).
            int padded = (buffer.WrittenCount + 7) & ~7;
            byte[] header = new byte[padded];
            buffer.WrittenSpan.CopyTo(header);
            header.AsSpan(buffer.WrittenCount).Fill((byte)' ');
            return header;
        }

        /// <summary>Checks the model's variable table (a generator bug otherwise) and returns a copy of it.</summary>
        private static VariableInfo[] CheckModel(IModel model)
        {
            VariableInfo[] variables = model.Variables.ToArray();
            int arena = model.Parameters.Length;
            var names = new HashSet<string>(StringComparer.Ordinal);
            foreach (VariableInfo v in variables)
            {
                if (v is null) throw new ArgumentException("The model's variable table holds a null entry.", nameof(model));
                if (string.IsNullOrEmpty(v.Name) || v.Name == "__metadata__")
                    throw new ArgumentException($"The model has a variable named '{v.Name}', which a checkpoint cannot hold.", nameof(model));
                if (!names.Add(v.Name)) throw new ArgumentException($"The model has two variables named '{v.Name}'.", nameof(model));
                foreach (int d in v.Shape)
                    if (d < 0) throw new ArgumentException($"The model variable '{v.Name}' has the negative dimension in {v.ShapeText}.", nameof(model));
                if (v.Offset < 0 || v.Length < 0 || (long)v.Offset + v.Length > arena)
                    throw new ArgumentException($"The model variable '{v.Name}' {v.ShapeText} at offset {v.Offset} does not fit the parameter arena of {arena} floats.", nameof(model));
            }
            return variables;
        }

        /// <summary>
        /// One tensor of the file to restore into one model variable (<paramref name="Slot"/> -1) or into one optimizer slot
        /// of it (the slot's index), at an offset of the staging buffer.
        /// </summary>
        private readonly record struct Assignment(TensorInfo Tensor, VariableInfo Variable, int Staging, bool Transpose, int Slot);

        /// <summary>What a load restores: the assignments in file data order, and the step count tensor when restoring an optimizer.</summary>
        private sealed class LoadPlan
        {
            public List<Assignment> Assignments { get; } = new();

            public TensorInfo? Iterations { get; set; }

            public long StagingLength { get; set; }
        }

        private static void LoadCore(IModel model, Stream stream, LoadOptions? options, string? file)
        {
            options ??= new LoadOptions();
            VariableInfo[] variables = CheckModel(model);
            Regex? include = CompileInclude(options.Include);
            Func<string, string> rename = CompileRename(options.Rename);
            Optimizer? optimizer = options.Optimizer;
            int arena = model.Parameters.Length;
            if (optimizer is not null)
            {
                if (options.PyTorchLayout)
                    throw new ArgumentException("LoadOptions.Optimizer cannot be combined with PyTorchLayout: optimizer state is only written by ModelGen, in its own layout.", nameof(options));
                PrepareOptimizer(optimizer, arena, variables, "LoadOptions.Optimizer");
            }

            SafetensorsHeader header = SafetensorsHeader.Read(stream, file);
            var problems = new List<string>();
            LoadPlan plan = Match(header, variables, include, rename, options, problems);
            if (problems.Count > 0) throw new CheckpointException(file, problems);

            // Stage everything first: a truncated file or a failing stream must leave the model and the optimizer as they were.
            if (plan.StagingLength > Array.MaxLength)
                throw new ArgumentException($"The model's variables and optimizer slots to restore hold {plan.StagingLength} floats, more than one staging array can.", nameof(model));
            float[] staging = new float[plan.StagingLength];
            long iterations = ReadData(stream, header, plan, staging, file);

            // Nothing below can fail: the optimizer was checked to be unbound or bound to this arena's size.
            optimizer?.Bind(arena);
            Span<float> parameters = model.Parameters;
            foreach (Assignment a in plan.Assignments)
            {
                Span<float> target = a.Slot < 0 ? parameters : optimizer!.GetSlot(a.Slot);
                staging.AsSpan(a.Staging, a.Variable.Length).CopyTo(target.Slice(a.Variable.Offset));
            }
            if (optimizer is not null) optimizer.Iterations = iterations;
        }

        private static Regex? CompileInclude(string? pattern)
        {
            if (pattern is null) return null;
            try
            {
                return new Regex(@"\A(?:" + pattern + @")\z", RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
            }
            catch (ArgumentException e)
            {
                throw new ArgumentException($"LoadOptions.Include '{pattern}' is not a valid regular expression: {e.Message}", "options", e);
            }
        }

        private static Func<string, string> CompileRename(IReadOnlyDictionary<string, string>? rename)
        {
            if (rename is null || rename.Count == 0) return name => name;
            var exact = new Dictionary<string, string>(StringComparer.Ordinal);
            var prefixes = new List<KeyValuePair<string, string>>();
            foreach (KeyValuePair<string, string> entry in rename)
            {
                if (string.IsNullOrEmpty(entry.Key) || string.IsNullOrEmpty(entry.Value))
                    throw new ArgumentException("LoadOptions.Rename holds an empty or null name.", "options");
                if (entry.Key.EndsWith('/'))
                {
                    if (!entry.Value.EndsWith('/'))
                        throw new ArgumentException($"LoadOptions.Rename maps the prefix '{entry.Key}' to '{entry.Value}', which must end with '/' too.", "options");
                    prefixes.Add(entry);
                }
                else
                {
                    exact.Add(entry.Key, entry.Value);
                }
            }
            prefixes.Sort((a, b) => b.Key.Length.CompareTo(a.Key.Length));
            return name =>
            {
                if (exact.TryGetValue(name, out string? target)) return target;
                foreach (KeyValuePair<string, string> p in prefixes)
                    if (name.StartsWith(p.Key, StringComparison.Ordinal)) return p.Value + name.Substring(p.Key.Length);
                return name;
            };
        }

        /// <summary>
        /// Pairs file tensors with model variables (and, with <see cref="LoadOptions.Optimizer"/>, with optimizer slots and
        /// the step count) and records every mismatch; the assignments are in file data order.
        /// </summary>
        private static LoadPlan Match(SafetensorsHeader header, VariableInfo[] variables, Regex? include,
            Func<string, string> rename, LoadOptions options, List<string> problems)
        {
            var byName = new Dictionary<string, VariableInfo>(StringComparer.Ordinal);
            foreach (VariableInfo v in variables) byName.Add(v.Name, v);
            var sources = new Dictionary<string, TensorInfo>(StringComparer.Ordinal);
            var plan = new LoadPlan();
            bool anySelected = false;
            Optimizer? optimizer = options.Optimizer;
            // A file with another optimizer's state: that one problem is enough, its slot tensors are not listed one by one.
            bool restoreOptimizer = optimizer is not null && OptimizerState.CheckType(header.Metadata, optimizer, problems);

            foreach (TensorInfo tensor in header.Tensors)
            {
                string target = rename(tensor.Name);
                if (!byName.ContainsKey(target) && tensor.Name.StartsWith(OptimizerState.Prefix, StringComparison.Ordinal))
                {
                    // Optimizer state: ignored unless an optimizer is being restored.
                    if (restoreOptimizer) MatchOptimizerTensor(tensor, byName, include, rename, options, optimizer!, sources, plan, problems);
                    continue;
                }
                string label = target == tensor.Name ? target : $"{target} (file tensor '{tensor.Name}')";
                if (!byName.TryGetValue(target, out VariableInfo? variable))
                {
                    if (!options.IgnoreUnknown)
                        problems.Add(target == tensor.Name
                            ? $"{tensor.Name}: not a variable of the model (set IgnoreUnknown to skip such tensors)"
                            : $"{tensor.Name}: renamed to '{target}', which is not a variable of the model (set IgnoreUnknown to skip such tensors)");
                    continue;
                }
                if (include is not null && !include.IsMatch(target)) continue;
                if (sources.TryGetValue(target, out TensorInfo? first))
                {
                    problems.Add($"{target}: both '{first.Name}' and '{tensor.Name}' of the file map to it");
                    continue;
                }
                sources.Add(target, tensor);

                bool transpose = options.PyTorchLayout && variable.Kind == VariableKind.Kernel && variable.Shape.Length is 2 or 4;
                long[] expected = FileShape(variable.Shape, transpose);
                if (!DTypes.IsLoadable(tensor.DType))
                    problems.Add($"{label}: dtype {tensor.DType} cannot be loaded into a float variable (F32, F64, F16 and BF16 can)");
                else if (!expected.AsSpan().SequenceEqual(tensor.ShapeArray))
                    problems.Add(transpose
                        ? $"{label}: expected [{string.Join(", ", expected)}] (PyTorch's layout of {variable.ShapeText}), found {tensor.ShapeText}"
                        : $"{label}: expected {variable.ShapeText}, found {tensor.ShapeText}");
                else
                    Assign(plan, tensor, variable, transpose, slot: -1);
            }

            foreach (VariableInfo v in variables)
            {
                if (include is not null && !include.IsMatch(v.Name)) continue;
                anySelected = true;
                if (!sources.ContainsKey(v.Name)) problems.Add($"{v.Name}: missing");
                if (!restoreOptimizer || !v.Trainable) continue;
                foreach (string slot in optimizer!.SlotNames)
                {
                    string name = OptimizerState.SlotTensorName(slot, v.Name);
                    if (!sources.ContainsKey(name)) problems.Add($"{name}: missing (the {slot} slot of {optimizer.GetType().Name} for the trainable variable {v.Name} {v.ShapeText})");
                }
            }
            if (restoreOptimizer && plan.Iterations is null && !sources.ContainsKey(OptimizerState.IterationsName))
                problems.Add($"{OptimizerState.IterationsName}: missing (the optimizer's step count, I64 of shape [])");
            if (include is not null && !anySelected)
                problems.Add($"the Include pattern '{options.Include}' matches no variable of the model");
            return plan;
        }

        private static void Assign(LoadPlan plan, TensorInfo tensor, VariableInfo variable, bool transpose, int slot)
        {
            plan.Assignments.Add(new Assignment(tensor, variable, (int)Math.Min(plan.StagingLength, int.MaxValue), transpose, slot));
            plan.StagingLength += variable.Length;
        }

        /// <summary>
        /// Matches one <c>optimizer/...</c> tensor: the I64 scalar step count, or <c>optimizer/&lt;slot&gt;/&lt;file variable
        /// name&gt;</c>, whose variable part goes through <see cref="LoadOptions.Rename"/> and <see cref="LoadOptions.Include"/>
        /// like a variable's name. Keys of <paramref name="sources"/> are the slot tensor names after renaming.
        /// </summary>
        private static void MatchOptimizerTensor(TensorInfo tensor, Dictionary<string, VariableInfo> byName, Regex? include,
            Func<string, string> rename, LoadOptions options, Optimizer optimizer, Dictionary<string, TensorInfo> sources,
            LoadPlan plan, List<string> problems)
        {
            if (tensor.Name == OptimizerState.IterationsName)
            {
                sources.Add(tensor.Name, tensor);
                if (tensor.DType != "I64" || tensor.ShapeArray.Length != 0)
                    problems.Add($"{tensor.Name}: expected I64 of shape [] (the optimizer's step count), found {tensor.DType} {tensor.ShapeText}");
                else
                    plan.Iterations = tensor;
                return;
            }
            string type = optimizer.GetType().Name;
            int slot = -1;
            string variableName = "";
            if (OptimizerState.TrySplit(tensor.Name, out string slotName, out string fileVariable))
            {
                variableName = rename(fileVariable);
                for (int s = 0; s < optimizer.SlotNames.Count; s++)
                    if (optimizer.SlotNames[s] == slotName) slot = s;
            }
            if (slot < 0 || !byName.TryGetValue(variableName, out VariableInfo? variable))
            {
                if (!options.IgnoreUnknown)
                    problems.Add(slot < 0
                        ? $"{tensor.Name}: not optimizer state of {type}, whose slots are {string.Join(", ", optimizer.SlotNames)} (set IgnoreUnknown to skip such tensors)"
                        : $"{tensor.Name}: a slot of '{variableName}', which is not a variable of the model (set IgnoreUnknown to skip such tensors)");
                return;
            }
            if (include is not null && !include.IsMatch(variableName)) return;
            string key = OptimizerState.SlotTensorName(slotName, variableName);
            if (sources.TryGetValue(key, out TensorInfo? first))
            {
                problems.Add($"{key}: both '{first.Name}' and '{tensor.Name}' of the file map to it");
                return;
            }
            sources.Add(key, tensor);
            string label = key == tensor.Name ? key : $"{key} (file tensor '{tensor.Name}')";
            if (!DTypes.IsLoadable(tensor.DType))
                problems.Add($"{label}: dtype {tensor.DType} cannot be loaded into an optimizer slot (F32, F64, F16 and BF16 can)");
            else if (!FileShape(variable.Shape, transpose: false).AsSpan().SequenceEqual(tensor.ShapeArray))
                problems.Add($"{label}: expected {variable.ShapeText} (the shape of {variable.Name}), found {tensor.ShapeText}");
            else
                Assign(plan, tensor, variable, transpose: false, slot);
        }

        /// <summary>The shape a variable has in the file: its own, or PyTorch's [out, in] / [out, in, kh, kw].</summary>
        private static long[] FileShape(ReadOnlySpan<int> shape, bool transpose)
        {
            if (!transpose)
            {
                long[] same = new long[shape.Length];
                for (int i = 0; i < shape.Length; i++) same[i] = shape[i];
                return same;
            }
            return shape.Length == 2
                ? new long[] { shape[1], shape[0] }
                : new long[] { shape[3], shape[2], shape[0], shape[1] };
        }

        /// <summary>
        /// Reads the data region front to back, converting assigned tensors into staging and skipping the rest. Returns the
        /// step count read from the plan's iterations tensor (0 without one).
        /// </summary>
        private static long ReadData(Stream stream, SafetensorsHeader header, LoadPlan plan, float[] staging, string? file)
        {
            List<Assignment> assignments = plan.Assignments;
            long iterations = 0;
            byte[] chunk = ArrayPool<byte>.Shared.Rent(ChunkBytes);
            try
            {
                long position = 0;
                int next = 0;
                foreach (TensorInfo tensor in header.Tensors)
                {
                    // Tensors are sorted by offset and tile the region, so tensor.Begin == position here.
                    Assignment? assignment = next < assignments.Count && ReferenceEquals(assignments[next].Tensor, tensor) ? assignments[next++] : null;
                    if (ReferenceEquals(tensor, plan.Iterations))
                    {
                        Fill(stream, chunk.AsSpan(0, 8), file, tensor.Name);
                        iterations = BinaryPrimitives.ReadInt64LittleEndian(chunk);
                        if (iterations < 0)
                            throw SafetensorsHeader.Fail(file, $"{tensor.Name}: the step count is {iterations}; it cannot be negative");
                    }
                    else if (assignment is not Assignment a)
                    {
                        Skip(stream, tensor.ByteLength, chunk, file, tensor.Name);
                    }
                    else
                    {
                        int length = a.Variable.Length;
                        float[]? transposed = a.Transpose ? new float[length] : null;
                        Span<float> target = transposed ?? staging.AsSpan(a.Staging, length);
                        ReadFloats(stream, tensor, target, chunk, file);
                        if (transposed is not null) FromPyTorch(transposed, a.Variable.Shape, staging.AsSpan(a.Staging, length));
                    }
                    position += tensor.ByteLength;
                }
                if (!stream.CanSeek && stream.Read(chunk, 0, 1) != 0)
                    throw SafetensorsHeader.Fail(file, $"the data region has bytes after the last tensor (which ends at byte {position}), which belong to no tensor");
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(chunk);
            }
            return iterations;
        }

        private static void ReadFloats(Stream stream, TensorInfo tensor, Span<float> target, byte[] chunk, string? file)
        {
            if (tensor.DType == "F32" && BitConverter.IsLittleEndian)
            {
                Fill(stream, MemoryMarshal.AsBytes(target), file, tensor.Name);
                return;
            }
            int size = DTypes.SizeOf(tensor.DType);
            int perChunk = ChunkBytes / size;
            for (int start = 0; start < target.Length; start += perChunk)
            {
                int count = Math.Min(perChunk, target.Length - start);
                Fill(stream, chunk.AsSpan(0, count * size), file, tensor.Name);
                DTypes.ToSingle(tensor.DType, chunk.AsSpan(0, count * size), target.Slice(start, count));
            }
        }

        private static void Fill(Stream stream, Span<byte> buffer, string? file, string tensor)
        {
            if (stream.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false) < buffer.Length)
                throw SafetensorsHeader.Fail(file, $"{tensor}: the file ends inside its data: the file is truncated");
        }

        private static void Skip(Stream stream, long bytes, byte[] chunk, string? file, string tensor)
        {
            if (stream.CanSeek)
            {
                stream.Seek(bytes, SeekOrigin.Current);
                return;
            }
            while (bytes > 0)
            {
                int count = (int)Math.Min(bytes, chunk.Length);
                Fill(stream, chunk.AsSpan(0, count), file, tensor);
                bytes -= count;
            }
        }

        /// <summary>Transposes PyTorch's dense [out, in] or convolution [out, in, kh, kw] into TensorFlow's [in, out] / [kh, kw, in, out].</summary>
        internal static void FromPyTorch(ReadOnlySpan<float> source, ReadOnlySpan<int> shape, Span<float> destination)
        {
            if (shape.Length == 2)
            {
                int inputs = shape[0], outputs = shape[1];
                for (int o = 0; o < outputs; o++)
                    for (int i = 0; i < inputs; i++)
                        destination[i * outputs + o] = source[o * inputs + i];
                return;
            }
            int kh = shape[0], kw = shape[1], cin = shape[2], cout = shape[3];
            for (int o = 0; o < cout; o++)
                for (int c = 0; c < cin; c++)
                    for (int y = 0; y < kh; y++)
                        for (int x = 0; x < kw; x++)
                            destination[((y * kw + x) * cin + c) * cout + o] = source[((o * cin + c) * kh + y) * kw + x];
        }
    }
}
