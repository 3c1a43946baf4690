// A minimal protobuf writer for the ONNX messages the benchmark needs (ModelProto, GraphProto, NodeProto, TensorProto,
// ValueInfoProto, AttributeProto), so that the peers' models are built here, with ModelGen's weights, and need no Python.
using System;
using System.Collections.Generic;
using System.IO;
using System.Text;

namespace ModelGen.Benchmarks;

/// <summary>Protobuf wire-format encoding of one message: fields are appended in the order written.</summary>
internal sealed class ProtoMessage
{
    // Wire types: 0 varint, 2 length-delimited, 5 fixed 32-bit.
    private readonly MemoryStream bytes = new();

    public byte[] ToArray() => bytes.ToArray();

    public ProtoMessage Int(int field, long value)
    {
        Key(field, 0);
        Varint((ulong)value);
        return this;
    }

    public ProtoMessage Float(int field, float value)
    {
        Key(field, 5);
        Span<byte> buffer = stackalloc byte[4];
        BitConverter.TryWriteBytes(buffer, value);
        bytes.Write(buffer);
        return this;
    }

    public ProtoMessage String(int field, string value) => Bytes(field, Encoding.UTF8.GetBytes(value));

    public ProtoMessage Message(int field, ProtoMessage value) => Bytes(field, value.ToArray());

    public ProtoMessage Bytes(int field, ReadOnlySpan<byte> value)
    {
        Key(field, 2);
        Varint((ulong)value.Length);
        bytes.Write(value);
        return this;
    }

    /// <summary>A packed repeated int64 field (proto3's default encoding for repeated scalars).</summary>
    public ProtoMessage PackedInts(int field, IEnumerable<long> values)
    {
        var inner = new ProtoMessage();
        foreach (long v in values) inner.Varint((ulong)v);
        return Bytes(field, inner.ToArray());
    }

    private void Key(int field, int wireType) => Varint((ulong)((field << 3) | wireType));

    private void Varint(ulong value)
    {
        while (value >= 0x80)
        {
            bytes.WriteByte((byte)(value | 0x80));
            value >>= 7;
        }
        bytes.WriteByte((byte)value);
    }
}

/// <summary>ONNX graph building blocks (field numbers from onnx.proto, IR version 8, default-domain opset 13).</summary>
internal sealed class OnnxGraph
{
    private const int ElemFloat = 1, ElemInt64 = 7;
    private const int AttrInt = 2, AttrInts = 7;

    private readonly ProtoMessage graph = new ProtoMessage().String(2, "modelgen_benchmark");

    /// <summary>A float input or output [batch, dims...] with a symbolic batch dimension <c>N</c>.</summary>
    public OnnxGraph Input(string name, params int[] dims) { graph.Message(11, ValueInfo(name, dims)); return this; }

    /// <summary>A float output [N, dims...].</summary>
    public OnnxGraph Output(string name, params int[] dims) { graph.Message(12, ValueInfo(name, dims)); return this; }

    /// <summary>A constant float tensor, stored as raw little-endian bytes.</summary>
    public OnnxGraph Weight(string name, ReadOnlySpan<float> data, params long[] dims)
    {
        long count = 1;
        foreach (long d in dims) count *= d;
        if (count != data.Length) throw new ArgumentException($"{name}: {data.Length} floats for shape [{string.Join(", ", dims)}].", nameof(data));
        var tensor = new ProtoMessage().PackedInts(1, dims).Int(2, ElemFloat).String(8, name)
            .Bytes(9, System.Runtime.InteropServices.MemoryMarshal.AsBytes(data));
        graph.Message(5, tensor);
        return this;
    }

    /// <summary>A constant int64 tensor (Reshape's target shape).</summary>
    public OnnxGraph Int64s(string name, params long[] values)
    {
        var tensor = new ProtoMessage().PackedInts(1, new long[] { values.Length }).Int(2, ElemInt64).PackedInts(7, values).String(8, name);
        graph.Message(5, tensor);
        return this;
    }

    /// <summary>A node; <paramref name="attributes"/> are (name, value) with an int or an int[] value.</summary>
    public OnnxGraph Node(string op, string[] inputs, string output, params (string Name, object Value)[] attributes)
    {
        var node = new ProtoMessage();
        foreach (string input in inputs) node.String(1, input);
        node.String(2, output).String(3, output + "_" + op).String(4, op);
        foreach ((string name, object value) in attributes)
        {
            var attribute = new ProtoMessage().String(1, name);
            switch (value)
            {
                case int i: attribute.Int(3, i).Int(20, AttrInt); break;
                case int[] ints:
                    foreach (int v in ints) attribute.Int(8, v);
                    attribute.Int(20, AttrInts);
                    break;
                default: throw new ArgumentException($"Attribute {name} has an unsupported type {value.GetType()}.", nameof(attributes));
            }
            node.Message(5, attribute);
        }
        graph.Message(1, node);
        return this;
    }

    /// <summary>The serialized ModelProto.</summary>
    public byte[] ToModel() =>
        new ProtoMessage().Int(1, 8).String(2, "ModelGen.Benchmarks").Message(7, graph)
            .Message(8, new ProtoMessage().String(1, "").Int(2, 13)).ToArray();

    private static ProtoMessage ValueInfo(string name, int[] dims)
    {
        var shape = new ProtoMessage().Message(1, new ProtoMessage().String(2, "N"));
        foreach (int d in dims) shape.Message(1, new ProtoMessage().Int(1, d));
        var tensorType = new ProtoMessage().Int(1, ElemFloat).Message(2, shape);
        return new ProtoMessage().String(1, name).Message(2, new ProtoMessage().Message(1, tensorType));
    }
}
