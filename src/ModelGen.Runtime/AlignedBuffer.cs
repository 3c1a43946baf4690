// A pinned float buffer whose first element sits on a 64-byte boundary: one cache line, one AVX-512 vector.
using System;

namespace ModelGen
{
    /// <summary>
    /// A zeroed, pinned array of floats whose <see cref="Span"/> starts on a 64-byte boundary. Generated models keep their
    /// arenas in these, so that every tensor (at offsets that are multiples of 16 floats) is aligned. The first buffer of
    /// a process starts <see cref="Kernels.Warmup"/>.
    /// </summary>
    public sealed class AlignedBuffer
    {
        private const int AlignmentFloats = 16;
        private readonly float[] array;
        private readonly int start;

        /// <summary>Allocates <paramref name="length"/> zeroed floats on the pinned object heap.</summary>
        public unsafe AlignedBuffer(int length)
        {
            if (length < 0) throw new ArgumentOutOfRangeException(nameof(length), length, "The length cannot be negative.");
            // A model's first arena: compile the kernels in the background while the model initializes its parameters.
            Kernels.Warmup.Start();
            array = GC.AllocateArray<float>(length + AlignmentFloats, pinned: true);
            fixed (float* p = array)
            {
                long misalignment = (long)p & 63;
                start = misalignment == 0 ? 0 : (int)((64 - misalignment) / sizeof(float));
            }
            Length = length;
        }

        /// <summary>The number of floats.</summary>
        public int Length { get; }

        /// <summary>The whole buffer.</summary>
        public Span<float> Span => new(array, start, Length);
    }
}
