// Reads the header of a safetensors file named by [Weights], at compile time, defensively: a hostile or broken file
// becomes an error message, never an exception out of the generator or a read past the file.
using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Text;
using System.Threading;
using ModelGen.Generator.Model;

namespace ModelGen.Generator.Weights;

/// <summary>One tensor of a weights file: name, dtype, shape.</summary>
internal sealed record TensorEntry(string Name, string DType, EquatableArray<long> Shape)
{
    public string ShapeText => "[" + string.Join(", ", Shape) + "]";
}

/// <summary>A weights file as the generator sees it: its file name and tensors, or why it cannot be read.</summary>
internal sealed record WeightsFileInfo(string FileName, string Path, EquatableArray<TensorEntry> Tensors, string? Error)
{
    private const long MaxHeader = 100L * 1024 * 1024;

    public static WeightsFileInfo Read(string path, CancellationToken token)
    {
        string fileName = System.IO.Path.GetFileName(path);
        try
        {
            // Analyzers should not do file IO, but AdditionalText only exposes text, and this file is binary: read the
            // 8-byte length and the JSON header straight from the path the compiler gave us.
#pragma warning disable RS1035
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
#pragma warning restore RS1035
            long length = stream.Length;
            if (length < 8) return Fail("it is shorter than the 8-byte header length");
            var prefix = new byte[8];
            ReadExactly(stream, prefix);
            long headerLength = BitConverter.ToInt64(prefix, 0);
            if (!BitConverter.IsLittleEndian) headerLength = System.Buffers.Binary.BinaryPrimitives.ReverseEndianness(headerLength);
            if (headerLength <= 1 || headerLength > MaxHeader || headerLength > length - 8)
                return Fail($"its header length {headerLength} does not fit a file of {length} bytes");
            var header = new byte[headerLength];
            ReadExactly(stream, header);
            token.ThrowIfCancellationRequested();
            string json = new UTF8Encoding(false, true).GetString(header);
            var tensors = new List<TensorEntry>();
            string? error = Parse(json, length - 8 - headerLength, tensors);
            return error is null ? new WeightsFileInfo(fileName, path, tensors.ToEquatableArray(), null) : Fail(error);
        }
        catch (OperationCanceledException)
        {
            throw;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or DecoderFallbackException or NotSupportedException or ArgumentException)
        {
            return Fail(e.Message);
        }

        WeightsFileInfo Fail(string message) => new(fileName, path, EquatableArray<TensorEntry>.Empty, message);
    }

    private static void ReadExactly(Stream stream, byte[] buffer)
    {
        int read = 0;
        while (read < buffer.Length)
        {
            int n = stream.Read(buffer, read, buffer.Length - read);
            if (n == 0) throw new IOException("the file ends early");
            read += n;
        }
    }

    /// <summary>Parses the header object; checks dtypes, shapes against byte ranges, and that ranges tile the data.</summary>
    private static string? Parse(string json, long dataLength, List<TensorEntry> tensors)
    {
        var reader = new JsonReader(json);
        var ranges = new List<(long Begin, long End, string Name)>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        if (!reader.Consume('{')) return "the header is not a JSON object";
        if (reader.Consume('}')) return null;
        do
        {
            string? name = reader.String();
            if (name is null || !reader.Consume(':')) return "the header is not valid JSON";
            if (name == "__metadata__")
            {
                if (!reader.SkipValue()) return "the header's __metadata__ is not valid JSON";
                continue;
            }
            if (!names.Add(name)) return $"the tensor '{name}' appears twice";
            string? dtype = null;
            List<long>? shape = null;
            long begin = -1, end = -1;
            if (!reader.Consume('{')) return $"the entry of '{name}' is not an object";
            if (!reader.Consume('}'))
            {
                do
                {
                    string? key = reader.String();
                    if (key is null || !reader.Consume(':')) return $"the entry of '{name}' is not valid JSON";
                    switch (key)
                    {
                        case "dtype": dtype = reader.String(); if (dtype is null) return $"'{name}' has a dtype that is not a string"; break;
                        case "shape": shape = reader.Integers(); if (shape is null) return $"'{name}' has a shape that is not a list of integers"; break;
                        case "data_offsets":
                            List<long>? offsets = reader.Integers();
                            if (offsets is null || offsets.Count != 2) return $"'{name}' needs data_offsets [begin, end]";
                            begin = offsets[0]; end = offsets[1];
                            break;
                        default: if (!reader.SkipValue()) return $"the entry of '{name}' is not valid JSON"; break;
                    }
                }
                while (reader.Consume(','));
                if (!reader.Consume('}')) return $"the entry of '{name}' is not valid JSON";
            }
            if (dtype is null || shape is null || begin < 0) return $"'{name}' lacks dtype, shape or data_offsets";
            int size = dtype switch { "F32" => 4, "F64" => 8, "F16" => 2, "BF16" => 2, "I64" => 8, _ => 0 };
            if (size == 0) return $"'{name}' has the dtype {dtype}, which ModelGen does not read (F32, F64, F16, BF16)";
            long count = 1;
            foreach (long d in shape)
            {
                if (d < 0 || (d > 0 && count > long.MaxValue / 8 / d)) return $"'{name}' has an invalid shape";
                count *= d;
            }
            if (end < begin || end > dataLength) return $"'{name}' has data_offsets [{begin}, {end}] outside the {dataLength} data bytes";
            if ((end - begin) != count * size) return $"'{name}' has {end - begin} bytes for {count} elements of {dtype}";
            ranges.Add((begin, end, name));
            tensors.Add(new TensorEntry(name, dtype, shape.ToEquatableArray()));
        }
        while (reader.Consume(','));
        if (!reader.Consume('}') || !reader.AtEnd()) return "the header is not valid JSON";
        ranges.Sort((a, b) => a.Begin.CompareTo(b.Begin));
        long position = 0;
        foreach (var r in ranges)
        {
            if (r.Begin != position) return $"the data of '{r.Name}' does not follow the previous tensor's (gap or overlap at byte {position})";
            position = r.End;
        }
        return position == dataLength ? null : $"the tensors cover {position} of the {dataLength} data bytes";
    }

    /// <summary>Just enough JSON for a safetensors header: objects, strings, integer lists, skipped values.</summary>
    private sealed class JsonReader(string text)
    {
        private int position;
        private int depth;

        private void Space()
        {
            while (position < text.Length && char.IsWhiteSpace(text[position])) position++;
        }

        public bool AtEnd()
        {
            Space();
            return position == text.Length;
        }

        public bool Consume(char c)
        {
            Space();
            if (position < text.Length && text[position] == c)
            {
                position++;
                return true;
            }
            return false;
        }

        public string? String()
        {
            if (!Consume('"')) return null;
            var result = new StringBuilder();
            while (position < text.Length)
            {
                char c = text[position++];
                if (c == '"') return result.ToString();
                if (c != '\\') { result.Append(c); continue; }
                if (position >= text.Length) return null;
                char e = text[position++];
                switch (e)
                {
                    case '"': case '\\': case '/': result.Append(e); break;
                    case 'b': result.Append('\b'); break;
                    case 'f': result.Append('\f'); break;
                    case 'n': result.Append('\n'); break;
                    case 'r': result.Append('\r'); break;
                    case 't': result.Append('\t'); break;
                    case 'u':
                        if (position + 4 > text.Length || !int.TryParse(text.Substring(position, 4), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out int code)) return null;
                        result.Append((char)code);
                        position += 4;
                        break;
                    default: return null;
                }
            }
            return null;
        }

        public List<long>? Integers()
        {
            if (!Consume('[')) return null;
            var values = new List<long>();
            if (Consume(']')) return values;
            do
            {
                Space();
                int start = position;
                while (position < text.Length && (char.IsDigit(text[position]) || text[position] == '-')) position++;
                if (!long.TryParse(text.Substring(start, position - start), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long v)) return null;
                values.Add(v);
            }
            while (Consume(','));
            return Consume(']') ? values : null;
        }

        public bool SkipValue()
        {
            if (++depth > 64) return false;
            try
            {
                Space();
                if (position >= text.Length) return false;
                char c = text[position];
                if (c == '"') return String() is not null;
                if (c == '{' || c == '[')
                {
                    char close = c == '{' ? '}' : ']';
                    position++;
                    if (Consume(close)) return true;
                    do
                    {
                        if (c == '{' && (String() is null || !Consume(':'))) return false;
                        if (!SkipValue()) return false;
                    }
                    while (Consume(','));
                    return Consume(close);
                }
                int start = position;
                while (position < text.Length && "+-.eE0123456789truefalsn".IndexOf(text[position]) >= 0) position++;
                return position > start;
            }
            finally
            {
                depth--;
            }
        }
    }
}
