// One entry of a safetensors header, as read and validated: name, dtype, shape and byte range in the data region.
using System.Collections.Generic;

namespace ModelGen.Checkpoints
{
    /// <summary>One tensor listed in a safetensors file.</summary>
    public sealed class TensorInfo
    {
        internal TensorInfo(string name, string dtype, long[] shape, long elementCount, long begin, long end)
        {
            Name = name;
            DType = dtype;
            this.shape = shape;
            ElementCount = elementCount;
            Begin = begin;
            End = end;
        }

        private readonly long[] shape;

        /// <summary>The tensor's name, <c>conv1/kernel</c>.</summary>
        public string Name { get; }

        /// <summary>The safetensors dtype: <c>F32</c>, <c>F16</c>, <c>BF16</c>, <c>F64</c>, <c>I64</c>, ...</summary>
        public string DType { get; }

        /// <summary>The shape as written in the file (an empty list for a scalar).</summary>
        public IReadOnlyList<long> Shape => shape;

        /// <summary>The number of elements: the product of <see cref="Shape"/>.</summary>
        public long ElementCount { get; }

        /// <summary>The first byte of the data, relative to the start of the data region (the byte after the header).</summary>
        public long Begin { get; }

        /// <summary>The byte after the last byte of the data, relative to the start of the data region.</summary>
        public long End { get; }

        /// <summary>The number of bytes of data.</summary>
        public long ByteLength => End - Begin;

        /// <summary>The shape as text, <c>[5, 5, 1, 32]</c>.</summary>
        public string ShapeText => "[" + string.Join(", ", shape) + "]";

        internal long[] ShapeArray => shape;

        /// <inheritdoc/>
        public override string ToString() => $"{Name} {DType} {ShapeText} [{Begin}, {End})";
    }
}
