// Freezing at run time: which variables the optimizer updates, and the lowest layer the backward pass must reach.
using System;
using System.Collections.Generic;
using System.Text.RegularExpressions;

namespace ModelGen
{
    /// <summary>
    /// The trainable part of a generated model: declared-trainable variables minus those frozen by name pattern at run
    /// time. Generated models keep one and hand its <see cref="Ranges"/> to the optimizer; the backward pass stops at
    /// <see cref="LowestLayer"/>, like <c>tf.stop_gradient</c> below the lowest trainable layer.
    /// </summary>
    public sealed class TrainableSet
    {
        private readonly VariableInfo[] variables;
        private readonly int[] layers;
        private readonly bool[] frozen;

        /// <summary>A set over <paramref name="variables"/>, where <paramref name="variableLayers"/> gives each variable's layer index.</summary>
        public TrainableSet(VariableInfo[] variables, int[] variableLayers)
        {
            if (variables.Length != variableLayers.Length)
                throw new ArgumentException($"variableLayers holds {variableLayers.Length} entries for {variables.Length} variables.", nameof(variableLayers));
            this.variables = variables;
            layers = variableLayers;
            frozen = new bool[variables.Length];
            Recompute();
        }

        /// <summary>The ranges of the parameter arena the optimizer updates, in arena order, adjacent ones merged.</summary>
        public ParameterRange[] Ranges { get; private set; } = Array.Empty<ParameterRange>();

        /// <summary>The lowest layer index with a variable to update, or <see cref="int.MaxValue"/> when none.</summary>
        public int LowestLayer { get; private set; }

        /// <summary>Freezes every variable whose full name matches the regular expression <paramref name="pattern"/>. Returns how many matched.</summary>
        public int Freeze(string pattern) => Set(pattern, true);

        /// <summary>Unfreezes the matching variables that were declared trainable. Returns how many matched.</summary>
        public int Unfreeze(string pattern) => Set(pattern, false);

        /// <summary>Whether the optimizer updates the named variable.</summary>
        public bool IsTrainable(string name)
        {
            for (int i = 0; i < variables.Length; i++)
                if (variables[i].Name == name) return variables[i].Trainable && !frozen[i];
            throw new ArgumentException($"The model has no variable '{name}'.", nameof(name));
        }

        private int Set(string pattern, bool value)
        {
            if (pattern is null) throw new ArgumentNullException(nameof(pattern));
            var regex = new Regex("^(?:" + pattern + ")$", RegexOptions.CultureInvariant);
            int matched = 0;
            for (int i = 0; i < variables.Length; i++)
            {
                if (!regex.IsMatch(variables[i].Name)) continue;
                frozen[i] = value;
                matched++;
            }
            if (matched == 0)
                throw new ArgumentException($"No variable name matches '{pattern}'. The variables are: {string.Join(", ", Array.ConvertAll(variables, v => v.Name))}.", nameof(pattern));
            Recompute();
            return matched;
        }

        private void Recompute()
        {
            var ranges = new List<ParameterRange>();
            int lowest = int.MaxValue;
            for (int i = 0; i < variables.Length; i++)
            {
                VariableInfo v = variables[i];
                if (!v.Trainable || frozen[i]) continue;
                lowest = Math.Min(lowest, layers[i]);
                if (ranges.Count > 0 && AlignUp(ranges[^1].Offset + ranges[^1].Length) == v.Offset)
                    ranges[^1] = new ParameterRange(ranges[^1].Offset, v.Offset + v.Length - ranges[^1].Offset);
                else
                    ranges.Add(new ParameterRange(v.Offset, v.Length));
            }
            Ranges = ranges.ToArray();
            LowestLayer = lowest;
        }

        private static int AlignUp(int offset) => (offset + 15) & ~15;
    }
}
