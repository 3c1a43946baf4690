// Emit stage, the model summary: Keras' summary() without running anything. The same table goes into the class's XML
// docs (so the IDE shows it on hover), a Summary constant and PrintSummary.
using System.Collections.Generic;
using System.Globalization;
using System.Text;
using ModelGen.Generator.Model;
using ModelGen.Generator.Planning;
using ModelGen.Generator.Shapes;

namespace ModelGen.Generator.Emit;

internal static partial class ModelEmitter
{
    /// <summary>Floating-point operations of one sample's forward pass through a layer (multiply-adds count 2).</summary>
    public static long Flops(LayerInfo layer)
    {
        LayerSpec s = layer.Spec;
        return s.Kind switch
        {
            LayerKind.Dense => 2 * layer.Input.Length * s.Units,
            LayerKind.Conv2D => 2L * layer.Output.Height * layer.Output.Width * s.KernelHeight * s.KernelWidth * layer.Input.Channels * s.Units,
            _ => 0,
        };
    }

    private static string Number(long value) => value.ToString("N0", CultureInfo.InvariantCulture);

    private static string Bytes(long floats)
    {
        double bytes = floats * 4.0;
        return bytes >= 1 << 20 ? (bytes / (1 << 20)).ToString("0.0", CultureInfo.InvariantCulture) + " MiB"
            : (bytes / 1024).ToString("0.0", CultureInfo.InvariantCulture) + " KiB";
    }

    /// <summary>The summary as plain-text lines.</summary>
    private static List<string> SummaryLines(ModelPlan plan)
    {
        var lines = new List<string>
        {
            $"Model {plan.Spec.TypeName}: {plan.Input} -> {plan.Output}, batch size {plan.Spec.BatchSize}, seed {plan.Spec.Seed}, loss {plan.Spec.Loss}",
            $"{"#",-3} {"layer",-52} {"output",-12} {"params",12} {"FLOPs",14}",
            $"{"0",-3} {"input",-52} {plan.Input,-12} {"",12} {"",14}",
        };
        long flops = 0;
        foreach (LayerPlan layer in plan.Layers)
        {
            LayerInfo info = layer.Info;
            long f = Flops(info);
            flops += f;
            lines.Add($"{CodeWriter.Int(info.Spec.Index),-3} {LayerTitle(info),-52} {info.Output,-12} {Number(ShapeInference.ParameterCount(info)),12} {Number(f),14}");
        }
        long trainable = 0;
        foreach (VariablePlan v in plan.Variables) if (v.Trainable) trainable += v.Length;
        long activationsPerSample = plan.ActivationArenaLength / plan.Spec.BatchSize;
        lines.Add($"Parameters: {Number(plan.ParameterCount)} ({Number(trainable)} trainable), {Bytes(plan.ParameterArenaLength)}");
        lines.Add($"Forward FLOPs per sample: {Number(flops)}");
        lines.Add($"Memory: parameters {Bytes(plan.ParameterArenaLength)}, activations {Bytes(activationsPerSample)} per sample ({Bytes(plan.ActivationArenaLength)} for a batch), scratch {Bytes(plan.ScratchLength)}");
        return lines;
    }

    /// <summary>The summary table as XML doc lines on the generated class.</summary>
    private static void WriteSummaryDocs(CodeWriter w, ModelPlan plan)
    {
        List<string> lines = SummaryLines(plan);
        w.Line("/// <summary>");
        w.Line($"/// The generated half of the model: {Escape(Describe(plan))}.");
        w.Line("/// <code>");
        foreach (string line in lines) w.Line("/// " + Escape(line));
        w.Line("/// </code>");
        w.Line("/// </summary>");
    }

    private static void WriteSummaryMembers(CodeWriter w, ModelPlan plan)
    {
        var text = new StringBuilder();
        foreach (string line in SummaryLines(plan)) text.Append(line).Append("\\n");
        w.Line("/// <summary>The model summary (layers, output shapes, parameters, FLOPs, memory), as Keras' summary() prints it.</summary>");
        w.Line($"public const string Summary = \"{text.ToString().Replace("\"", "\\\"")}\";");
        w.Line();
        w.Line("/// <summary>Writes <see cref=\"Summary\"/> to <paramref name=\"writer\"/>, or to the console.</summary>");
        w.Line("public static void PrintSummary(global::System.IO.TextWriter? writer = null) => (writer ?? global::System.Console.Out).Write(Summary);");
        w.Line();
    }

    private static string Escape(string text) => text.Replace("&", "&amp;").Replace("<", "&lt;").Replace(">", "&gt;");
}
