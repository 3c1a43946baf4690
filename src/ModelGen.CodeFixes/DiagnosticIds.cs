// The MG ids this assembly fixes. They mirror ModelGen.Generator's Descriptors (ids never change); the IDE tests pin
// each fix to a diagnostic the analyzer really reports.
namespace ModelGen.CodeFixes;

internal static class DiagnosticIds
{
    public const string ModelNotPartial = "MG0001";
    public const string KernelLargerThanInput = "MG0103";
    public const string NeedsFlatInput = "MG0105";
}
