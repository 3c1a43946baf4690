// Argument validation shared by the kernels: one check per span at the top of each public kernel, with messages
// that name the argument and give the expected and actual lengths.
using System;

namespace ModelGen.Kernels
{
    internal static class Check
    {
        /// <summary>Throws unless <paramref name="value"/> &gt; 0.</summary>
        internal static void Positive(int value, string name)
        {
            if (value <= 0)
            {
                throw new ArgumentOutOfRangeException(name, value, $"{name} must be positive, but is {value}.");
            }
        }

        /// <summary>Throws unless the span holds exactly <paramref name="expected"/> floats.</summary>
        internal static void Length(int actual, long expected, string name)
        {
            if (actual != expected)
            {
                throw new ArgumentException($"{name} must hold {expected} elements, but holds {actual}.", name);
            }
        }

        /// <summary>Throws unless the span is empty (the output is skipped) or holds exactly <paramref name="expected"/> floats.</summary>
        internal static void LengthOrEmpty(int actual, long expected, string name)
        {
            if (actual != 0 && actual != expected)
            {
                throw new ArgumentException($"{name} must be empty or hold {expected} elements, but holds {actual}.", name);
            }
        }

        /// <summary>Throws unless the scratch span holds at least <paramref name="expected"/> floats.</summary>
        internal static void AtLeast(int actual, long expected, string name)
        {
            if (actual < expected)
            {
                throw new ArgumentException($"{name} must hold at least {expected} elements, but holds {actual}.", name);
            }
        }

        /// <summary>Throws for <see cref="Activation.Softmax"/> and for values outside the enum.</summary>
        internal static void ElementWise(Activation activation, string name)
        {
            if (activation == Activation.Softmax)
            {
                throw new ArgumentException(
                    $"{name} is Softmax, which is not element-wise: use a Linear activation followed by Activations.Softmax.", name);
            }
            if (activation < Activation.Linear || activation > Activation.Softmax)
            {
                throw new ArgumentException($"{name} has the undefined value {(int)activation}.", name);
            }
        }
    }
}
