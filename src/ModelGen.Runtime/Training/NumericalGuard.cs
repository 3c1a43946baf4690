// Numerical guards: finding the first NaN or infinity in a tensor, and the exception that names where training broke.
using System;
using System.Numerics;
using System.Runtime.InteropServices;

namespace ModelGen
{
    /// <summary>Finds non-finite values (NaN, positive or negative infinity) in float tensors, vectorized.</summary>
    public static class NumericalGuard
    {
        /// <summary>The index of the first NaN or infinity in <paramref name="values"/>, or -1 when all are finite.</summary>
        public static int FirstNonFinite(ReadOnlySpan<float> values)
        {
            int i = 0;
            if (Vector.IsHardwareAccelerated && values.Length >= Vector<float>.Count)
            {
                // x * 0 is 0 for every finite x, NaN for NaN and the infinities.
                ReadOnlySpan<Vector<float>> vectors = MemoryMarshal.Cast<float, Vector<float>>(values);
                for (int v = 0; v < vectors.Length; v++)
                {
                    if (Vector.EqualsAll(vectors[v] * Vector<float>.Zero, Vector<float>.Zero)) continue;
                    for (int j = v * Vector<float>.Count; ; j++)
                        if (!float.IsFinite(values[j])) return j;
                }
                i = vectors.Length * Vector<float>.Count;
            }
            for (; i < values.Length; i++)
                if (!float.IsFinite(values[i])) return i;
            return -1;
        }
    }

    /// <summary>
    /// A training step produced a NaN or an infinity. Thrown by generated models (unless a handler of their
    /// <c>NonFinite</c> event takes it instead), before the optimizer touches the weights.
    /// </summary>
    public sealed class NonFiniteException : ArithmeticException
    {
        /// <summary>Describes where the first non-finite value appeared.</summary>
        public NonFiniteException(long step, string quantity, int layer, string where, float loss)
            : base($"Training step {step}: the {quantity} is not finite (loss {loss}); the first non-finite value appears in {where}. The weights were not updated.")
        {
            Step = step;
            Quantity = quantity;
            Layer = layer;
            Where = where;
            Loss = loss;
        }

        /// <summary>The model's training step count (1 for its first ComputeGradients or TrainStep).</summary>
        public long Step { get; }

        /// <summary>"loss" or "gradient".</summary>
        public string Quantity { get; }

        /// <summary>The layer index where the first non-finite value appeared (0: the input).</summary>
        public int Layer { get; }

        /// <summary>The place, in words: "the output of Layer 3 Dense 'fc1'".</summary>
        public string Where { get; }

        /// <summary>The step's loss.</summary>
        public float Loss { get; }
    }
}
