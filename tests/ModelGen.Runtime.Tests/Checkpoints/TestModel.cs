// A hand-written IModel test double: a float arena and a variable table, the two things checkpoints touch.
using System;
using System.Collections.Generic;
using ModelGen;

namespace ModelGen.Runtime.Tests.Checkpoints
{
    internal class TestModel : IModel
    {
        private readonly float[] arena;
        private readonly VariableInfo[] variables;

        /// <summary>Lays the variables out in the given order, each aligned to 8 floats, so the arena has gaps the file must not.</summary>
        public TestModel(params (string Name, int[] Shape, VariableKind Kind)[] specs)
        {
            var table = new List<VariableInfo>();
            int offset = 0;
            foreach (var (name, shape, kind) in specs)
            {
                var v = new VariableInfo(name, shape, offset, kind, kind is not (VariableKind.MovingMean or VariableKind.MovingVariance));
                table.Add(v);
                offset = (offset + v.Length + 7) & ~7;
            }
            variables = table.ToArray();
            arena = new float[offset];
        }

        /// <summary>One variable of every kind, a convolution and a dense layer with batch norm between.</summary>
        public static TestModel AllKinds() => new(
            ("conv1/kernel", new[] { 2, 2, 1, 3 }, VariableKind.Kernel),
            ("conv1/bias", new[] { 3 }, VariableKind.Bias),
            ("bn1/gamma", new[] { 3 }, VariableKind.Gamma),
            ("bn1/beta", new[] { 3 }, VariableKind.Beta),
            ("bn1/moving_mean", new[] { 3 }, VariableKind.MovingMean),
            ("bn1/moving_variance", new[] { 3 }, VariableKind.MovingVariance),
            ("fc1/kernel", new[] { 12, 5 }, VariableKind.Kernel),
            ("fc1/bias", new[] { 5 }, VariableKind.Bias));

        /// <summary>Fills every element of the arena (gaps included) with seeded Gaussian values.</summary>
        public TestModel Fill(ulong seed)
        {
            var rng = new Rng(seed);
            for (int i = 0; i < arena.Length; i++) arena[i] = (float)rng.NextGaussian();
            return this;
        }

        public float[] Arena => arena;

        public VariableInfo this[string name] => Array.Find(variables, v => v.Name == name) ?? throw new KeyNotFoundException(name);

        public float[] Values(string name)
        {
            VariableInfo v = this[name];
            return arena.AsSpan(v.Offset, v.Length).ToArray();
        }

        public int InputLength => 1;
        public int OutputLength => 1;
        public int BatchSize => 1;
        public ReadOnlySpan<VariableInfo> Variables => variables;
        public virtual Span<float> Parameters => arena;
        public void Forward(ReadOnlySpan<float> inputs, Span<float> outputs) => outputs.Fill(arena.Length == 0 ? 0 : arena[0]);
        public int Predict(ReadOnlySpan<float> input) => 0;
    }

    /// <summary>A model whose parameter arena cannot be read: a save that meets it must fail cleanly.</summary>
    internal sealed class BrokenArenaModel : TestModel
    {
        public BrokenArenaModel() : base(("fc1/kernel", new[] { 2, 2 }, VariableKind.Kernel)) { }
        public override Span<float> Parameters => throw new InvalidOperationException("arena unavailable");
    }
}
