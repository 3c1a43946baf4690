// The model's random number generator: xoshiro128** seeded through SplitMix64, so a seed gives the same stream
// on every machine and .NET version (System.Random makes no such promise).
using System;
using System.Runtime.CompilerServices;

namespace ModelGen
{
    /// <summary>
    /// A small, fast, reproducible generator (xoshiro128** by Blackman and Vigna, state seeded with SplitMix64).
    /// A value type: a model keeps one in a field and passes it by reference, so drawing allocates nothing.
    /// </summary>
    public struct Rng
    {
        private uint s0, s1, s2, s3;

        /// <summary>A generator whose whole stream is fixed by <paramref name="seed"/>.</summary>
        public Rng(ulong seed)
        {
            ulong z = seed;
            ulong a = SplitMix64(ref z), b = SplitMix64(ref z);
            s0 = (uint)a; s1 = (uint)(a >> 32); s2 = (uint)b; s3 = (uint)(b >> 32);
            if ((s0 | s1 | s2 | s3) == 0) s0 = 1;
        }

        private static ulong SplitMix64(ref ulong z)
        {
            ulong x = z += 0x9E3779B97F4A7C15UL;
            x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9UL;
            x = (x ^ (x >> 27)) * 0x94D049BB133111EBUL;
            return x ^ (x >> 31);
        }

        /// <summary>The next 32 random bits.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public uint NextUInt32()
        {
            uint result = RotateLeft(s1 * 5, 7) * 9;
            uint t = s1 << 9;
            s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3;
            s2 ^= t;
            s3 = RotateLeft(s3, 11);
            return result;
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static uint RotateLeft(uint x, int k) => (x << k) | (x >> (32 - k));

        /// <summary>A float uniform in [0, 1), from the top 24 bits.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public float NextFloat() => (NextUInt32() >> 8) * (1f / 16777216f);

        /// <summary>A double uniform in [0, 1), from 53 bits.</summary>
        public double NextDouble() => (((ulong)NextUInt32() << 21) ^ (NextUInt32() >> 11)) * (1.0 / 9007199254740992.0);

        /// <summary>An integer uniform in [0, <paramref name="bound"/>), without modulo bias (Lemire's method).</summary>
        public int NextInt(int bound)
        {
            if (bound <= 0) throw new ArgumentOutOfRangeException(nameof(bound), bound, "The bound must be positive.");
            ulong m = (ulong)NextUInt32() * (uint)bound;
            uint low = (uint)m;
            if (low < (uint)bound)
            {
                uint threshold = (uint)-bound % (uint)bound;
                while (low < threshold)
                {
                    m = (ulong)NextUInt32() * (uint)bound;
                    low = (uint)m;
                }
            }
            return (int)(m >> 32);
        }

        /// <summary>A standard normal value (Box-Muller, one of the pair; the other is discarded to keep the state a plain value).</summary>
        public double NextGaussian()
        {
            double u1 = 1.0 - NextDouble(); // (0, 1], so the log is finite
            double u2 = NextDouble();
            return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
        }
    }
}
