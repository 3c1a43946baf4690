// Helpers shared by the model tests: random data, variables by name, tolerant comparison.
using System;
using System.Threading;
using System.Threading.Tasks;
using ModelGen;

namespace ModelGen.Models.Tests;

internal static class TestUtil
{
    public static float[] Random(int length, int seed, float scale = 1f)
    {
        var rng = new System.Random(seed);
        var data = new float[length];
        for (int i = 0; i < length; i++) data[i] = (float)(rng.NextDouble() * 2 - 1) * scale;
        return data;
    }

    /// <summary>Replaces every variable with random values (variances kept positive), so that no test relies on an initializer.</summary>
    public static void Randomize(IModel model, int seed)
    {
        var rng = new System.Random(seed);
        foreach (VariableInfo v in model.Variables)
        {
            Span<float> values = model.Parameters.Slice(v.Offset, v.Length);
            for (int i = 0; i < values.Length; i++)
            {
                double u = rng.NextDouble() * 2 - 1;
                values[i] = v.Kind switch
                {
                    VariableKind.MovingVariance => (float)(0.5 + rng.NextDouble()),
                    VariableKind.Gamma => (float)(0.5 + rng.NextDouble()),
                    VariableKind.Kernel => (float)(u / Math.Sqrt(v.Shape[v.Shape.Length - 2 >= 0 ? v.Shape.Length - 2 : 0] + 1) * 1.5),
                    _ => (float)(u * 0.5),
                };
            }
        }
    }

    public static VariableInfo Info(IModel model, string name)
    {
        foreach (VariableInfo v in model.Variables)
            if (v.Name == name) return v;
        throw new ArgumentException($"no variable '{name}'");
    }

    public static double[] Var(IModel model, string name)
    {
        VariableInfo v = Info(model, name);
        return Naive.D(model.Parameters.Slice(v.Offset, v.Length));
    }

    public static void AssertClose(ReadOnlySpan<double> expected, ReadOnlySpan<float> actual, double relative, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            double tolerance = relative * Math.Max(1, Math.Abs(expected[i]));
            if (!(Math.Abs(expected[i] - actual[i]) <= tolerance))
                Assert.Fail($"{what}[{i}]: expected {expected[i]:R}, got {actual[i]:R} (tolerance {tolerance:G3})");
        }
    }

    /// <summary>
    /// Runs <paramref name="exclusive"/> (a training step, PackWeights) over and over while another thread keeps
    /// inferring on <paramref name="model"/> (each of its calls refused in turn while an exclusive call holds the model),
    /// until one attempt is refused; returns that refusal, or null when none came in 10,000 attempts.
    /// </summary>
    public static async Task<InvalidOperationException?> RefusalWhileInferring(TutorialMlp model, float[] input, Action exclusive)
    {
        using var inferring = new ManualResetEventSlim();
        using var stop = new ManualResetEventSlim();
        var reader = Task.Run(() =>
        {
            var workspace = model.CreateWorkspace();
            float[] output = new float[TutorialMlp.OutputLength];
            while (!stop.IsSet)
            {
                try { model.Forward(workspace, input, output); }
                catch (InvalidOperationException e) when (e.Message.Contains("inference waits until it returns")) { continue; }
                inferring.Set();
            }
        });
        Assert.True(inferring.Wait(TimeSpan.FromSeconds(10)));
        InvalidOperationException? refused = null;
        for (int attempt = 0; attempt < 10_000 && refused is null; attempt++)
        {
            try { exclusive(); }
            catch (InvalidOperationException e) { refused = e; }
        }
        stop.Set();
        await reader;
        return refused;
    }
}
