// Saves a model's named variables as a safetensors file (atomically) and restores them strictly: a load that finds any
// problem lists them all and changes nothing.
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
    /// TensorFlow 1.x's <c>tf.train.Saver</c> save/restore (by variable name) carry over.
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
        /// given, and the entries of <see cref="CheckpointOptions.Metadata"/>.
        /// </summary>
        public static void Save(IModel model, Stream stream, CheckpointOptions? options = null)
        {
            ArgumentNullException.ThrowIfNull(model);
            ArgumentNullException.ThrowIfNull(stream);
            if (!stream.CanWrite) throw new ArgumentException("The stream is not writable.", nameof(stream));
            VariableInfo[] variables = CheckModel(model);
            Array.Sort(variables, (a, b) => a.Offset.CompareTo(b.Offset));

            byte[] header = WriteHeader(model, variables, options);
            Span<byte> prefix = stackalloc byte[8];
            BinaryPrimitives.WriteUInt64LittleEndian(prefix, (ulong)header.Length);
            stream.Write(prefix);
            stream.Write(header);

            byte[]? swapped = BitConverter.IsLittleEndian ? null : new byte[ChunkBytes];
            foreach (VariableInfo v in variables)
            {
                // Read the arena per variable: a model may hand out a fresh span each time.
                ReadOnlySpan<float> values = model.Parameters.Slice(v.Offset, v.Length);
                if (swapped is null)
                {
                    stream.Write(MemoryMarshal.AsBytes(values));
                    continue;
                }
                for (int start = 0; start < values.Length; start += ChunkBytes / 4)
                {
                    ReadOnlySpan<float> chunk = values.Slice(start, Math.Min(ChunkBytes / 4, values.Length - start));
                    for (int i = 0; i < chunk.Length; i++) BinaryPrimitives.WriteSingleLittleEndian(swapped.AsSpan(4 * i), chunk[i]);
                    stream.Write(swapped, 0, 4 * chunk.Length);
                }
            }
        }

        /// <summary>
        /// Restores the variables of <paramref name="model"/> from the safetensors file at <paramref name="path"/>.
        /// Strict by default: every (selected) model variable must be present with its exact shape, and every tensor must
        /// be a model variable. F32 data is copied; F64, F16 and BF16 data is converted to F32 (F64 rounding to nearest);
        /// integer and 8-bit float dtypes are an error. On any problem nothing is changed.
        /// </summary>
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

        private static byte[] WriteHeader(IModel model, VariableInfo[] variables, CheckpointOptions? options)
        {
            var buffer = new ArrayBufferWriter<byte>();
            using (var json = new Utf8JsonWriter(buffer))
            {
                json.WriteStartObject();
                json.WriteStartObject("__metadata__");
                json.WriteString("modelgen.format", FormatVersion);
                json.WriteString("modelgen.model", model.GetType().FullName ?? model.GetType().Name);
                if (options?.Step is long step) json.WriteString("modelgen.step", step.ToString(System.Globalization.CultureInfo.InvariantCulture));
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
                foreach (VariableInfo v in variables)
                {
                    long end = begin + 4L * v.Length;
                    json.WriteStartObject(v.Name);
                    json.WriteString("dtype", "F32");
                    json.WriteStartArray("shape");
                    foreach (int d in v.Shape) json.WriteNumberValue(d);
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

        /// <summary>One tensor of the file to restore into one model variable, at an offset of the staging buffer.</summary>
        private readonly record struct Assignment(TensorInfo Tensor, VariableInfo Variable, int Staging, bool Transpose);

        private static void LoadCore(IModel model, Stream stream, LoadOptions? options, string? file)
        {
            options ??= new LoadOptions();
            VariableInfo[] variables = CheckModel(model);
            Regex? include = CompileInclude(options.Include);
            Func<string, string> rename = CompileRename(options.Rename);

            SafetensorsHeader header = SafetensorsHeader.Read(stream, file);
            var problems = new List<string>();
            List<Assignment> assignments = Match(header, variables, include, rename, options, problems);
            if (problems.Count > 0) throw new CheckpointException(file, problems);

            // Stage everything first: a truncated file or a failing stream must leave the model as it was.
            int stagingLength = 0;
            foreach (Assignment a in assignments) stagingLength += a.Variable.Length;
            float[] staging = new float[stagingLength];
            ReadData(stream, header, assignments, staging, file);

            Span<float> parameters = model.Parameters;
            foreach (Assignment a in assignments)
                staging.AsSpan(a.Staging, a.Variable.Length).CopyTo(parameters.Slice(a.Variable.Offset));
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

        /// <summary>Pairs file tensors with model variables and records every mismatch; the result is in file data order.</summary>
        private static List<Assignment> Match(SafetensorsHeader header, VariableInfo[] variables, Regex? include,
            Func<string, string> rename, LoadOptions options, List<string> problems)
        {
            var byName = new Dictionary<string, VariableInfo>(StringComparer.Ordinal);
            foreach (VariableInfo v in variables) byName.Add(v.Name, v);
            var sources = new Dictionary<string, TensorInfo>(StringComparer.Ordinal);
            var assignments = new List<Assignment>();
            int staging = 0;
            bool anySelected = false;

            foreach (TensorInfo tensor in header.Tensors)
            {
                string target = rename(tensor.Name);
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
                {
                    assignments.Add(new Assignment(tensor, variable, staging, transpose));
                    staging += variable.Length;
                }
            }

            foreach (VariableInfo v in variables)
            {
                if (include is not null && !include.IsMatch(v.Name)) continue;
                anySelected = true;
                if (!sources.ContainsKey(v.Name)) problems.Add($"{v.Name}: missing");
            }
            if (include is not null && !anySelected)
                problems.Add($"the Include pattern '{options.Include}' matches no variable of the model");
            return assignments;
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

        /// <summary>Reads the data region front to back, converting assigned tensors into staging and skipping the rest.</summary>
        private static void ReadData(Stream stream, SafetensorsHeader header, List<Assignment> assignments, float[] staging, string? file)
        {
            byte[] chunk = ArrayPool<byte>.Shared.Rent(ChunkBytes);
            try
            {
                long position = 0;
                int next = 0;
                foreach (TensorInfo tensor in header.Tensors)
                {
                    // Tensors are sorted by offset and tile the region, so tensor.Begin == position here.
                    Assignment? assignment = next < assignments.Count && ReferenceEquals(assignments[next].Tensor, tensor) ? assignments[next++] : null;
                    if (assignment is not Assignment a)
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
            while (!buffer.IsEmpty)
            {
                int read = stream.Read(buffer);
                if (read == 0) throw SafetensorsHeader.Fail(file, $"{tensor}: the file ends inside its data: the file is truncated");
                buffer = buffer.Slice(read);
            }
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
