// The safetensors dtypes: their sizes, and the conversion of the float ones to F32 on load.
using System;
using System.Buffers.Binary;

namespace ModelGen.Checkpoints
{
    internal static class DTypes
    {
        /// <summary>The size in bytes of one element of <paramref name="dtype"/>, or 0 when it is not a safetensors dtype.</summary>
        public static int SizeOf(string dtype) => dtype switch
        {
            "F64" or "I64" or "U64" => 8,
            "F32" or "I32" or "U32" => 4,
            "F16" or "BF16" or "I16" or "U16" => 2,
            "I8" or "U8" or "BOOL" or "F8_E4M3" or "F8_E5M2" => 1,
            _ => 0,
        };

        /// <summary>Whether a tensor of <paramref name="dtype"/> can be loaded into a float variable (converted exactly or by rounding to nearest).</summary>
        public static bool IsLoadable(string dtype) => dtype is "F32" or "F64" or "F16" or "BF16";

        /// <summary>Converts little-endian elements of a loadable dtype to floats; <paramref name="source"/> holds <c>destination.Length</c> elements.</summary>
        public static void ToSingle(string dtype, ReadOnlySpan<byte> source, Span<float> destination)
        {
            switch (dtype)
            {
                case "F32":
                    for (int i = 0; i < destination.Length; i++) destination[i] = BinaryPrimitives.ReadSingleLittleEndian(source.Slice(4 * i));
                    break;
                case "F64":
                    // Rounds to nearest; values beyond float's range become infinities, as numpy's astype(float32) does.
                    for (int i = 0; i < destination.Length; i++) destination[i] = (float)BinaryPrimitives.ReadDoubleLittleEndian(source.Slice(8 * i));
                    break;
                case "F16":
                    for (int i = 0; i < destination.Length; i++) destination[i] = (float)BinaryPrimitives.ReadHalfLittleEndian(source.Slice(2 * i));
                    break;
                case "BF16":
                    // bfloat16 is the upper half of a float32, so widening is exact.
                    for (int i = 0; i < destination.Length; i++)
                        destination[i] = BitConverter.Int32BitsToSingle(BinaryPrimitives.ReadUInt16LittleEndian(source.Slice(2 * i)) << 16);
                    break;
                default:
                    throw new InvalidOperationException($"dtype {dtype} is not loadable.");
            }
        }
    }
}
