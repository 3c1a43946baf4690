// The steady-state allocation probe every zero-allocation test relies on sees a call that does allocate.
using ModelGen.Tests;

namespace ModelGen.Runtime.Tests
{
    public class AllocationsHelperTests
    {
        private static object? sink;

        [Fact]
        public void AllocatingCall_IsSeenInEveryWindow()
        {
            long bytes = Allocations.InSteadyState(() => sink = new byte[100], calls: 10);
            Assert.True(bytes >= 10 * 100, $"{bytes} bytes");
        }
    }
}
