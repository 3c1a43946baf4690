// The one exception a checkpoint that cannot be read or does not fit the model produces, with every problem listed.
using System;
using System.Collections.Generic;
using System.Text;

namespace ModelGen.Checkpoints
{
    /// <summary>
    /// A checkpoint could not be read (a malformed or hostile file) or does not match the model (a missing variable, a
    /// wrong shape, an unknown tensor). The message names the file, when there is one, and every problem found.
    /// </summary>
    public sealed class CheckpointException : Exception
    {
        /// <summary>Creates the exception for <paramref name="file"/> (null for a stream) with its <paramref name="problems"/>.</summary>
        public CheckpointException(string? file, IReadOnlyList<string> problems)
            : base(Format(file, problems))
        {
            File = file;
            Problems = problems;
        }

        /// <summary>The path of the checkpoint, or null when it was read from a stream.</summary>
        public string? File { get; }

        /// <summary>Every problem found, one sentence each, starting with the tensor or variable at fault where there is one.</summary>
        public IReadOnlyList<string> Problems { get; }

        private static string Format(string? file, IReadOnlyList<string> problems)
        {
            ArgumentNullException.ThrowIfNull(problems);
            var text = new StringBuilder(file is null ? "Cannot load the checkpoint" : $"Cannot load the checkpoint '{file}'");
            if (problems.Count == 1)
            {
                text.Append(": ").Append(problems[0]);
            }
            else
            {
                text.Append(": ").Append(problems.Count).Append(" problems:");
                foreach (string problem in problems) text.Append("\n  ").Append(problem);
            }
            return text.ToString();
        }
    }
}
