// Syntax helpers shared by the layer code fixes: find the layer attribute a diagnostic points at, and write a ModelGen
// name qualified the way the user qualified that attribute (Dense, ModelGen.Dense, global::ModelGen.Dense).
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Text;

namespace ModelGen.CodeFixes;

internal static class LayerAttributeSyntax
{
    /// <summary>The attribute whose span the diagnostic covers (MG01xx diagnostics sit on the whole layer attribute).</summary>
    public static AttributeSyntax? Find(SyntaxNode root, TextSpan span) =>
        root.FindNode(span, getInnermostNodeForTie: true).FirstAncestorOrSelf<AttributeSyntax>();

    /// <summary>"ModelGen." (or "global::ModelGen.") when the attribute's own name is written qualified, else "".</summary>
    public static string Qualifier(AttributeSyntax attribute) =>
        attribute.Name is QualifiedNameSyntax qualified ? qualified.Left.ToString() + "." : "";

    /// <summary>A name in the ModelGen namespace, qualified as <paramref name="like"/> is.</summary>
    public static NameSyntax Name(AttributeSyntax like, string name) => SyntaxFactory.ParseName(Qualifier(like) + name);
}
