// Measures managed allocation per call in a steady state. The runtime itself can allocate on the measuring thread
// once in a while (a tier-1 recompile installed in the middle of a window, a lazy runtime structure), and on a
// loaded CI machine that lands inside a window now and then. A call that allocates does so in every window, so the
// fewest bytes over a few windows is zero exactly when the calls allocate nothing.
using System;
using System.Collections.Generic;

namespace ModelGen.Tests;

internal static class Allocations
{
    /// <summary>
    /// Runs <paramref name="body"/> once to warm it up, then in windows of <paramref name="calls"/> calls, and returns
    /// the fewest bytes this thread allocated in one window (stops at the first window with none, else after
    /// <paramref name="windows"/>).
    /// </summary>
    public static long InSteadyState(Action body, int calls = 1, int windows = 5)
    {
        body();
        long fewest = long.MaxValue;
        for (int w = 0; w < windows && fewest > 0; w++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < calls; i++) body();
            fewest = Math.Min(fewest, GC.GetAllocatedBytesForCurrentThread() - before);
        }
        return fewest;
    }
}
