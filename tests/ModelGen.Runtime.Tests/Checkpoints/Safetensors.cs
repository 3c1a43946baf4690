// Assembles safetensors bytes by hand from the format description, independently of the code under test.
using System;
using System.Buffers.Binary;
using System.IO;
using System.Text;

namespace ModelGen.Runtime.Tests.Checkpoints
{
    internal static class Safetensors
    {
        /// <summary>8-byte little-endian length of <paramref name="json"/> (UTF-8), the JSON, then <paramref name="data"/>.</summary>
        public static byte[] Assemble(string json, byte[] data) => Assemble(Encoding.UTF8.GetBytes(json), data);

        public static byte[] Assemble(byte[] json, byte[] data)
        {
            var bytes = new byte[8 + json.Length + data.Length];
            BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)json.Length);
            json.CopyTo(bytes, 8);
            data.CopyTo(bytes, 8 + json.Length);
            return bytes;
        }

        public static byte[] F32(params float[] values)
        {
            var bytes = new byte[4 * values.Length];
            for (int i = 0; i < values.Length; i++) BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(4 * i), values[i]);
            return bytes;
        }

        public static byte[] Concat(params byte[][] parts)
        {
            var stream = new MemoryStream();
            foreach (byte[] part in parts) stream.Write(part);
            return stream.ToArray();
        }

        /// <summary>A JSON header entry.</summary>
        public static string Entry(string name, string dtype, string shape, long begin, long end) =>
            $"\"{name}\":{{\"dtype\":\"{dtype}\",\"shape\":{shape},\"data_offsets\":[{begin},{end}]}}";
    }
}
