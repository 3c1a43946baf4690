// A seeded byte mutator for file-format fuzzing: bit flips, truncations, appended and overwritten bytes, and edits of
// the numbers and strings in a text region (a JSON header) that keep or break its length prefix.
using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace ModelGen.Runtime.Tests.Fuzzing
{
    internal static class Mutator
    {
        /// <summary>Numbers that sit on the edges parsers get wrong: zero, signs, powers of two around 32 and 64 bits.</summary>
        public static readonly string[] InterestingNumbers =
        {
            "0", "1", "-1", "2", "7", "8", "9", "12", "255", "256", "65535", "2147483647", "2147483648", "-2147483648", "4294967295",
            "4294967296", "9223372036854775807", "9223372036854775808", "-9223372036854775808", "18446744073709551615",
            "1e30", "1.5", "-0", "1E2", "0x10", "00", "NaN",
        };

        public static readonly long[] InterestingLongs =
            { 0, 1, -1, 2, 3, 4, 7, 8, 255, 256, 65535, int.MaxValue, 1L + int.MaxValue, uint.MaxValue, long.MaxValue, long.MinValue };

        private static readonly Regex Number = new(@"-?\d+(\.\d+)?([eE][+-]?\d+)?", RegexOptions.CultureInvariant);

        private static readonly Regex QuotedString = new("\"[^\"]*\"", RegexOptions.CultureInvariant);

        public static void FlipBits(Random random, byte[] bytes, int start, int end)
        {
            if (end <= start) return;
            int flips = random.Next(1, 5);
            for (int i = 0; i < flips; i++) bytes[random.Next(start, end)] ^= (byte)(1 << random.Next(8));
        }

        public static byte[] Truncate(Random random, byte[] bytes) => bytes.AsSpan(0, random.Next(bytes.Length)).ToArray();

        public static byte[] Append(Random random, byte[] bytes)
        {
            var extra = new byte[random.Next(1, 17)];
            random.NextBytes(extra);
            return Concat(bytes, extra);
        }

        public static void Overwrite(Random random, byte[] bytes, int start, int end)
        {
            if (end <= start) return;
            int at = random.Next(start, end);
            int count = Math.Min(random.Next(1, 9), bytes.Length - at);
            for (int i = 0; i < count; i++) bytes[at + i] = random.Next(3) switch { 0 => 0, 1 => 0xFF, _ => (byte)random.Next(256) };
        }

        /// <summary>Replaces one number in <paramref name="text"/> with an interesting one (or a random small one).</summary>
        public static string EditNumber(Random random, string text)
        {
            MatchCollection matches = Number.Matches(text);
            if (matches.Count == 0) return text;
            Match m = matches[random.Next(matches.Count)];
            // Nudge the number (when it fits a long; earlier edits may have made it huge) or swap in an edge value.
            string replacement = random.Next(3) == 0 && long.TryParse(m.Value.Split('.', 'e', 'E')[0], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long old)
                ? (old + random.Next(-4, 5)).ToString(CultureInfo.InvariantCulture)
                : InterestingNumbers[random.Next(InterestingNumbers.Length)];
            return text.Substring(0, m.Index) + replacement + text.Substring(m.Index + m.Length);
        }

        /// <summary>Replaces one quoted string with another of the text's strings, or with a chosen one.</summary>
        public static string EditString(Random random, string text, IReadOnlyList<string> choices)
        {
            MatchCollection matches = QuotedString.Matches(text);
            if (matches.Count == 0) return text;
            Match m = matches[random.Next(matches.Count)];
            string replacement = random.Next(2) == 0
                ? matches[random.Next(matches.Count)].Value
                : "\"" + choices[random.Next(choices.Count)] + "\"";
            return text.Substring(0, m.Index) + replacement + text.Substring(m.Index + m.Length);
        }

        /// <summary>Deletes, duplicates or inserts one character (structural JSON characters are likely picks).</summary>
        public static string EditCharacter(Random random, string text)
        {
            if (text.Length == 0) return text;
            int at = random.Next(text.Length);
            return random.Next(3) switch
            {
                0 => text.Remove(at, 1),
                1 => text.Insert(at, text[at].ToString()),
                _ => text.Insert(at, "{}[],:\" 0\u00e9\\"[random.Next(11)].ToString()),
            };
        }

        public static byte[] Concat(params byte[][] parts)
        {
            int length = 0;
            foreach (byte[] p in parts) length += p.Length;
            var result = new byte[length];
            int at = 0;
            foreach (byte[] p in parts)
            {
                p.CopyTo(result, at);
                at += p.Length;
            }
            return result;
        }

        public static string Latin(byte[] bytes, int start, int length) => Encoding.UTF8.GetString(bytes, start, length);
    }

    /// <summary>How many times the fixed-seed case counts to run: MODELGEN_FUZZ_SCALE (default 1) for long runs.</summary>
    internal static class FuzzScale
    {
        public static int Factor { get; } =
            int.TryParse(Environment.GetEnvironmentVariable("MODELGEN_FUZZ_SCALE"), NumberStyles.None, CultureInfo.InvariantCulture, out int k) && k > 0 ? k : 1;
    }
}
