// Compares a [Weights] file with the model's variable table: every variable present with its shape and a float dtype,
// no tensor the model does not have (optimizer state aside). Each problem is its own diagnostic on the attribute.
using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using ModelGen.Generator.Diagnostics;
using ModelGen.Generator.Model;
using ModelGen.Generator.Planning;

namespace ModelGen.Generator.Weights;

internal static class WeightsCheck
{
    public static bool Check(ModelPlan plan, ImmutableArray<WeightsFileInfo> files, List<DiagnosticInfo> diagnostics)
    {
        ModelSpec spec = plan.Spec;
        string wanted = spec.WeightsFile!;
        WeightsFileInfo? file = files.FirstOrDefault(f => string.Equals(f.FileName, Path.GetFileName(wanted), StringComparison.OrdinalIgnoreCase));
        if (file is null)
        {
            diagnostics.Add(DiagnosticInfo.Create(Descriptors.WeightsFileNotFound, spec.WeightsLocation, spec.TypeName, wanted));
            return false;
        }
        if (file.Error is not null)
        {
            diagnostics.Add(DiagnosticInfo.Create(Descriptors.WeightsFileInvalid, spec.WeightsLocation, spec.TypeName, wanted, file.Error));
            return false;
        }

        var tensors = file.Tensors.ToDictionary(t => t.Name, StringComparer.Ordinal);
        int before = diagnostics.Count;
        foreach (VariablePlan v in plan.Variables)
        {
            string expected = "[" + string.Join(", ", v.Shape) + "]";
            if (!tensors.TryGetValue(v.Name, out TensorEntry? tensor))
                Report($"{v.Name}: expected {expected}, missing");
            else if (tensor.DType is not ("F32" or "F64" or "F16" or "BF16"))
                Report($"{v.Name}: dtype {tensor.DType}, expected a float type");
            else if (!tensor.Shape.AsSpan().SequenceEqual(v.Shape.Select(d => (long)d).ToArray()))
                Report($"{v.Name}: expected {expected}, found {tensor.ShapeText}");
        }
        var names = new HashSet<string>(plan.Variables.Select(v => v.Name), StringComparer.Ordinal);
        foreach (TensorEntry tensor in file.Tensors)
            if (!names.Contains(tensor.Name) && !tensor.Name.StartsWith("optimizer/", StringComparison.Ordinal))
                Report($"{tensor.Name}: in the file, but the model has no such variable");
        return diagnostics.Count == before;

        void Report(string problem) =>
            diagnostics.Add(DiagnosticInfo.Create(Descriptors.WeightsMismatch, spec.WeightsLocation, wanted, spec.TypeName, problem));
    }
}
