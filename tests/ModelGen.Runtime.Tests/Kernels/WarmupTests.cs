// The background kernel warm-up: started once per process by the first arena, and it runs every kernel it covers to
// the end without an exception (its buffer sizes are right for each call).
using System;
using System.Runtime.CompilerServices;
using ModelGen.Kernels;
using Xunit;

namespace ModelGen.Runtime.Tests.Kernels
{
    public class WarmupTests
    {
        [Fact]
        public void AfterAnArena_StartReturnsFalse()
        {
            _ = new AlignedBuffer(16);
            Assert.False(Warmup.Start());
            Assert.False(Warmup.Start());
        }

        [Fact]
        public void StartedUnderTheJit_RunsToTheEnd()
        {
            Warmup.Start();
            Assert.True(Warmup.Wait(TimeSpan.FromSeconds(60)), "the warm-up thread did not finish within 60 s");
            bool expected = RuntimeFeature.IsDynamicCodeCompiled && Environment.ProcessorCount >= 2 &&
                            !(AppContext.TryGetSwitch(Warmup.DisableSwitch, out bool disabled) && disabled);
            Assert.Equal(expected, Warmup.Completed);
        }
    }
}
