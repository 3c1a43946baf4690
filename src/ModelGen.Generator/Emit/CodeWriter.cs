// A minimal indented text writer: the emitter writes C# as text, never through SyntaxFactory.
using System;
using System.Globalization;
using System.Text;

namespace ModelGen.Generator.Emit;

internal sealed class CodeWriter
{
    private readonly StringBuilder text = new();
    private int indent;

    public CodeWriter Line(string line = "")
    {
        if (line.Length > 0) text.Append(' ', indent * 4).Append(line);
        text.Append('\n');
        return this;
    }

    public CodeWriter OpenBlock(string? header = null)
    {
        if (header is not null) Line(header);
        Line("{");
        indent++;
        return this;
    }

    public CodeWriter CloseBlock(string suffix = "")
    {
        indent--;
        return Line("}" + suffix);
    }

    public IDisposable Block(string? header = null)
    {
        OpenBlock(header);
        return new Closer(this);
    }

    public override string ToString() => text.ToString();

    private sealed class Closer(CodeWriter writer) : IDisposable
    {
        public void Dispose() => writer.CloseBlock();
    }

    /// <summary>A float literal that round-trips: 0.05f, 1E-08f.</summary>
    public static string Float(double value)
    {
        if (double.IsNaN(value)) return "float.NaN";
        if (double.IsPositiveInfinity(value)) return "float.PositiveInfinity";
        if (double.IsNegativeInfinity(value)) return "float.NegativeInfinity";
        return ((float)value).ToString("R", CultureInfo.InvariantCulture) + "f";
    }

    public static string Int(long value) => value.ToString(CultureInfo.InvariantCulture);
}
