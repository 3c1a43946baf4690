// Cold start under the JIT: a background thread runs the inference kernels once on tiny private buffers while the
// model is still being constructed, so that their vector code is compiled by the time the first forward pass needs it.
using System;
using System.Runtime.CompilerServices;
using System.Threading;

namespace ModelGen.Kernels
{
    /// <summary>
    /// Compiles the inference kernels ahead of the first forward pass, on a background thread. Under the JIT a fresh
    /// process spends most of its first prediction compiling the width-specialized kernels (about 26 ms of JIT for the
    /// tutorial CNN, against 1.3 ms of arithmetic); started when a model allocates its parameter arena, the compilation
    /// overlaps the parameter initialization instead of following it. A kernel the model reaches while the warm-up is
    /// still compiling it waits for that compilation rather than repeating it. The warm-up reads and writes only its own
    /// small arrays and never uses <see cref="Parallelism"/>'s workers, so no result changes.
    /// It does nothing under NativeAOT (nothing to compile), on a single processor (nothing to overlap with), or when the
    /// app sets the <see cref="DisableSwitch"/> switch.
    /// </summary>
    public static class Warmup
    {
        /// <summary>
        /// The <see cref="AppContext"/> switch that turns the warm-up off (for instance
        /// <c>&lt;RuntimeHostConfigurationOption Include="ModelGen.Kernels.DisableWarmup" Value="true" /&gt;</c>).
        /// </summary>
        public const string DisableSwitch = "ModelGen.Kernels.DisableWarmup";

        private static int started;
        private static Thread? thread;

        /// <summary>
        /// Starts the background compilation once per process; later calls return at once. Generated models call it
        /// when they allocate their first arena; an app may call it earlier (first thing in <c>Main</c>) to start sooner.
        /// </summary>
        /// <returns>True when this call started the warm-up; false when it was already started or is disabled.</returns>
        public static bool Start()
        {
            if (Volatile.Read(ref started) != 0 || Interlocked.Exchange(ref started, 1) != 0)
            {
                return false;
            }
            if (!RuntimeFeature.IsDynamicCodeCompiled || Environment.ProcessorCount < 2 ||
                (AppContext.TryGetSwitch(DisableSwitch, out bool disabled) && disabled))
            {
                return false;
            }
            var worker = new Thread(Run) { IsBackground = true, Name = "ModelGen kernel warm-up" };
            worker.Start();
            Volatile.Write(ref thread, worker);
            return true;
        }

        /// <summary>Waits for a started warm-up to finish; true when it has (or none was started) within <paramref name="timeout"/>.</summary>
        internal static bool Wait(TimeSpan timeout) => Volatile.Read(ref thread)?.Join(timeout) ?? true;

        /// <summary>Whether the warm-up thread ran to its end, for tests.</summary>
        internal static bool Completed { get; private set; }

        /// <summary>
        /// The kernels in the order a forward pass first meets them: a convolution with 32 output channels (the gathered
        /// product and the 6-row tiles a shallow 32-column product takes, fused Relu), max pooling, then dense layers at batch 1 (the GEMV
        /// path) with 16 units (widest vector), again with an input mostly zero (the path that skips the rows of the
        /// kernel facing zeros, which a ReLU's output takes), 9 units (the 8-wide and scalar tails a 10-class output takes) and 4
        /// units (the 4-wide tail), and last a dense layer at batch 6 with 29 units (a 16-wide strip and a padded 13-column
        /// tail, as batched inference uses them), each through the overload with a packed kernel that generated inference
        /// calls (given none, so the kernels pack per call). Any exception is swallowed: the warm-up is an optimization, never a failure.
        /// </summary>
        private static void Run()
        {
            try
            {
                var conv = new Conv2DGeometry(4, 4, 1, 4, 4, 32, 3, 3, 1, 1, 1, 1);
                var pool = new Pool2DGeometry(4, 4, 32, 2, 2, 2, 2, 2, 2, 0, 0);
                float[] x = new float[6 * 8], kernel = new float[Math.Max(conv.KernelLength, 64 * 16)], bias = new float[32];
                float[] columns = new float[conv.ColumnsLength], y = new float[conv.OutputLength], pooled = new float[pool.OutputLength];
                Fill(x);
                Fill(kernel);
                Conv2D.Forward(y, columns, x.AsSpan(0, conv.InputLength), kernel.AsSpan(0, conv.KernelLength), default, bias, 1, conv, Activation.Relu, 0f);
                Pooling.MaxForward(pooled, y, 1, pool);
                Dense(x, kernel, bias, y, 1, 16);
                float[] sparse = new float[64]; // a batch-1 input mostly zero, as after a ReLU: the rows facing zeros are skipped
                sparse[5] = 0.5f;
                sparse[40] = -0.25f;
                Dense(sparse, kernel, bias, y, 1, 16, inputs: 64);
                Dense(x, kernel, bias, y, 1, 9);
                if (Simd.Best < SimdWidth.V512)
                {
                    Dense(x, kernel, bias, y, 1, 4); // with Vector512, 9 columns already took the one tail path there is
                }
                Dense(x, kernel, bias, y, 6, 29);
                Losses.ArgMax(y.AsSpan(0, 10));
                Completed = true;
            }
            catch (Exception)
            {
                // A failure here would show again, with its real context, when the model calls the same kernel.
            }
        }

        // y[batch x units] = relu(x[batch x inputs] kernel[inputs x units] + bias), on prefixes of the warm-up's arrays.
        private static void Dense(float[] x, float[] kernel, float[] bias, float[] y, int batch, int units, int inputs = 8) =>
            Kernels.Dense.Forward(y.AsSpan(0, batch * units), x.AsSpan(0, batch * inputs), kernel.AsSpan(0, inputs * units), default, bias.AsSpan(0, units),
                                  batch, inputs, units, Activation.Relu, 0f);

        // Small non-zero values, so that no kernel takes a shortcut for zeros.
        private static void Fill(float[] values)
        {
            for (int i = 0; i < values.Length; i++)
            {
                values[i] = (i % 7 - 3) * 0.125f + 0.0625f;
            }
        }
    }
}
