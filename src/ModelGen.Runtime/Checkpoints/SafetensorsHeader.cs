// Reads and validates a safetensors header from an untrusted stream: the length prefix, the JSON, and the byte ranges.
// Nothing is allocated by a size read from the file before that size is checked against the file's length or a cap.
using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.IO;
using System.Text.Json;

namespace ModelGen.Checkpoints
{
    internal sealed class SafetensorsHeader
    {
        /// <summary>The largest header accepted (the reference implementation's limit is the same order of magnitude).</summary>
        public const long MaxHeaderLength = 100L * 1024 * 1024;

        private SafetensorsHeader(List<TensorInfo> tensors, Dictionary<string, string> metadata)
        {
            Tensors = tensors;
            Metadata = metadata;
        }

        /// <summary>Every tensor, in the order of its data in the file.</summary>
        public List<TensorInfo> Tensors { get; }

        /// <summary>The <c>__metadata__</c> map (empty when absent).</summary>
        public Dictionary<string, string> Metadata { get; }

        /// <summary>
        /// Reads the header at the stream's position and leaves the stream at the first data byte. When the stream can seek,
        /// the data region (the rest of the stream) is checked to be covered exactly; otherwise the caller meets truncation
        /// or trailing bytes while reading the data.
        /// </summary>
        public static SafetensorsHeader Read(Stream stream, string? file)
        {
            long? available = stream.CanSeek ? stream.Length - stream.Position : null;
            Span<byte> prefix = stackalloc byte[8];
            int got = stream.ReadAtLeast(prefix, prefix.Length, throwOnEndOfStream: false);
            if (got < 8)
                throw Fail(file, $"the file is {got} bytes long, shorter than the 8-byte header length that starts every safetensors file");
            ulong length = BinaryPrimitives.ReadUInt64LittleEndian(prefix);
            if (length > MaxHeaderLength)
                throw Fail(file, $"the header length {length} is larger than the limit of {MaxHeaderLength} bytes: not a safetensors file, or a corrupt one");
            if (available is long total && (long)length > total - 8)
                throw Fail(file, $"the header length {length} runs past the end of the file ({total} bytes): the file is truncated or corrupt");
            if (length < 2)
                throw Fail(file, $"the header length {length} is too small to hold a JSON object");

            byte[] json = ReadHeaderBytes(stream, (int)length, file);
            long? dataRegion = available is long all ? all - 8 - (long)length : null;
            return Parse(json, dataRegion, file);
        }

        private static byte[] ReadHeaderBytes(Stream stream, int length, string? file)
        {
            // Without a known stream length, grow by doubling from 64 KiB so that a lying prefix costs at most twice the
            // bytes actually present.
            byte[] buffer = new byte[Math.Min(length, stream.CanSeek ? length : 1 << 16)];
            int filled = 0;
            while (filled < length)
            {
                if (filled == buffer.Length) Array.Resize(ref buffer, (int)Math.Min(length, 2L * buffer.Length));
                int read = stream.Read(buffer, filled, buffer.Length - filled);
                if (read == 0)
                    throw Fail(file, $"the file ends inside the header, after {filled} of its {length} bytes: the file is truncated");
                filled += read;
            }
            return buffer;
        }

        internal static CheckpointException Fail(string? file, string problem) => new(file, new[] { problem });

        /// <summary>Parses and validates the JSON header; <paramref name="dataRegion"/> is the byte count after it, when known.</summary>
        internal static SafetensorsHeader Parse(ReadOnlySpan<byte> json, long? dataRegion, string? file)
        {
            var problems = new List<string>();
            var tensors = new List<TensorInfo>();
            var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
            var names = new HashSet<string>(StringComparer.Ordinal);
            var reader = new Utf8JsonReader(json, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Disallow, MaxDepth = 16 });
            try
            {
                if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
                    throw Fail(file, $"the header is not a JSON object (it starts with {Describe(reader.TokenType)})");
                while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
                {
                    string name = reader.GetString()!;
                    reader.Read();
                    if (!names.Add(name))
                    {
                        problems.Add($"'{name}' is listed twice in the header");
                        reader.Skip();
                    }
                    else if (name == "__metadata__")
                    {
                        ReadMetadata(ref reader, metadata, problems);
                    }
                    else
                    {
                        TensorInfo? tensor = ReadTensor(ref reader, name, problems);
                        if (tensor is not null) tensors.Add(tensor);
                    }
                }
                if (reader.Read())
                    throw Fail(file, "the header has content after its JSON object");
            }
            catch (JsonException e)
            {
                throw Fail(file, $"the header is not valid JSON: {e.Message}");
            }
            catch (InvalidOperationException e)
            {
                // Utf8JsonReader.GetString throws this for invalid UTF-8 or escapes inside a string.
                throw Fail(file, $"the header holds an invalid JSON string: {e.Message}");
            }

            long dataLength = CheckCoverage(tensors, dataRegion, problems);
            if (problems.Count > 0) throw new CheckpointException(file, problems);
            return new SafetensorsHeader(tensors, metadata);
        }

        private static void ReadMetadata(ref Utf8JsonReader reader, Dictionary<string, string> metadata, List<string> problems)
        {
            if (reader.TokenType == JsonTokenType.Null) return; // the reference implementation accepts a null map
            if (reader.TokenType != JsonTokenType.StartObject)
            {
                problems.Add($"__metadata__ is {Describe(reader.TokenType)}, not an object of strings");
                reader.Skip();
                return;
            }
            while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
            {
                string key = reader.GetString()!;
                reader.Read();
                if (reader.TokenType != JsonTokenType.String)
                    problems.Add($"__metadata__ entry '{key}' is {Describe(reader.TokenType)}, not a string");
                else if (!metadata.TryAdd(key, reader.GetString()!))
                    problems.Add($"__metadata__ entry '{key}' is listed twice");
                reader.Skip();
            }
        }

        private static TensorInfo? ReadTensor(ref Utf8JsonReader reader, string name, List<string> problems)
        {
            if (reader.TokenType != JsonTokenType.StartObject)
            {
                problems.Add($"{name}: the entry is {Describe(reader.TokenType)}, not an object with dtype, shape and data_offsets");
                reader.Skip();
                return null;
            }
            int before = problems.Count;
            string? dtype = null;
            long[]? shape = null, offsets = null;
            while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
            {
                string key = reader.GetString()!;
                reader.Read();
                switch (key)
                {
                    case "dtype":
                        if (reader.TokenType == JsonTokenType.String) dtype = reader.GetString();
                        else problems.Add($"{name}: dtype is {Describe(reader.TokenType)}, not a string");
                        break;
                    case "shape":
                        shape = ReadCounts(ref reader, name, key, problems);
                        break;
                    case "data_offsets":
                        offsets = ReadCounts(ref reader, name, key, problems);
                        break;
                }
                reader.Skip(); // unknown keys, and the rest of a value that failed validation
            }
            if (name.Length == 0) problems.Add("a tensor has an empty name");
            if (problems.Count > before) return null; // a field was present but malformed: that is the problem to report
            var absent = new List<string>(3);
            if (dtype is null) absent.Add("dtype");
            if (shape is null) absent.Add("shape");
            if (offsets is null) absent.Add("data_offsets");
            if (absent.Count > 0)
            {
                problems.Add($"{name}: no {string.Join(", no ", absent)}");
                return null;
            }

            if (offsets!.Length != 2)
            {
                problems.Add($"{name}: data_offsets has {offsets.Length} numbers, not [begin, end]");
                return null;
            }
            long begin = offsets[0], end = offsets[1];
            if (begin > end)
            {
                problems.Add($"{name}: data_offsets [{begin}, {end}] begin after they end");
                return null;
            }
            int size = DTypes.SizeOf(dtype!);
            if (size == 0)
            {
                problems.Add($"{name}: unknown dtype '{dtype}'");
                return null;
            }
            long count = 1;
            foreach (long d in shape!)
            {
                // Each dimension is at most long.MaxValue; stop before the product or the byte count overflows.
                if (d != 0 && count > long.MaxValue / size / d)
                {
                    problems.Add($"{name}: shape [{string.Join(", ", shape)}] has too many elements");
                    return null;
                }
                count *= d;
            }
            if (count * size != end - begin)
            {
                problems.Add($"{name}: shape [{string.Join(", ", shape)}] of {dtype} needs {count * size} bytes, but data_offsets [{begin}, {end}] hold {end - begin}");
                return null;
            }
            return new TensorInfo(name, dtype!, shape, count, begin, end);
        }

        /// <summary>Reads an array of non-negative integers (a shape or a pair of offsets); null after a problem.</summary>
        private static long[]? ReadCounts(ref Utf8JsonReader reader, string name, string key, List<string> problems)
        {
            if (reader.TokenType != JsonTokenType.StartArray)
            {
                problems.Add($"{name}: {key} is {Describe(reader.TokenType)}, not an array of integers");
                return null;
            }
            var values = new List<long>();
            bool ok = true;
            while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
            {
                if (!ok) { reader.Skip(); continue; }
                if (reader.TokenType != JsonTokenType.Number || !reader.TryGetInt64(out long value))
                {
                    problems.Add($"{name}: {key} holds {Describe(reader.TokenType)}{(reader.TokenType == JsonTokenType.Number ? " that is not a 64-bit integer" : "")}, not a non-negative integer");
                    ok = false;
                    reader.Skip();
                }
                else if (value < 0)
                {
                    problems.Add($"{name}: {key} holds the negative number {value}");
                    ok = false;
                }
                else
                {
                    values.Add(value);
                }
            }
            return ok ? values.ToArray() : null;
        }

        /// <summary>
        /// Sorts <paramref name="tensors"/> by offset and checks that they tile the data region: from 0, no gap, no
        /// overlap, and (when its size is known) ending exactly at its end. Returns the end of the last tensor.
        /// </summary>
        private static long CheckCoverage(List<TensorInfo> tensors, long? dataRegion, List<string> problems)
        {
            tensors.Sort((a, b) => a.Begin != b.Begin ? a.Begin.CompareTo(b.Begin) : a.End.CompareTo(b.End));
            long covered = 0;
            TensorInfo? previous = null;
            foreach (TensorInfo t in tensors)
            {
                if (dataRegion is long region && t.End > region)
                    problems.Add($"{t.Name}: data_offsets [{t.Begin}, {t.End}] run past the end of the data region ({region} bytes): the file is truncated or corrupt");
                if (t.Begin > covered)
                    problems.Add($"bytes [{covered}, {t.Begin}) of the data region belong to no tensor (before '{t.Name}')");
                else if (t.Begin < covered)
                    problems.Add($"{t.Name}: data_offsets [{t.Begin}, {t.End}] overlap those of '{previous!.Name}' [{previous.Begin}, {previous.End}]");
                covered = Math.Max(covered, t.End);
                previous = t;
            }
            if (dataRegion is long size && covered < size)
                problems.Add($"the data region has {size - covered} bytes after the last tensor, which belong to no tensor");
            return covered;
        }

        private static string Describe(JsonTokenType token) => token switch
        {
            JsonTokenType.StartObject => "an object",
            JsonTokenType.StartArray => "an array",
            JsonTokenType.String => "a string",
            JsonTokenType.Number => "a number",
            JsonTokenType.True or JsonTokenType.False => "a boolean",
            JsonTokenType.Null => "null",
            JsonTokenType.None => "nothing",
            _ => token.ToString(),
        };
    }
}
