// MG0105: inserts [Flatten] right before a layer that needs a flat input but receives an image (height x width x
// channels), as TensorFlow tutorials reshape conv outputs before the first dense layer.
using System.Collections.Immutable;
using System.Composition;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Formatting;

namespace ModelGen.CodeFixes;

/// <summary>Fixes MG0105 (a dense layer on a rank-3 input) by inserting <c>[Flatten]</c> before the layer.</summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(InsertFlattenCodeFix)), Shared]
public sealed class InsertFlattenCodeFix : CodeFixProvider
{
    /// <inheritdoc/>
    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(DiagnosticIds.NeedsFlatInput);

    /// <inheritdoc/>
    public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

    /// <inheritdoc/>
    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        SyntaxNode? root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        if (root is null) return;
        foreach (Diagnostic diagnostic in context.Diagnostics)
        {
            if (LayerAttributeSyntax.Find(root, diagnostic.Location.SourceSpan) is not { Parent: AttributeListSyntax } attribute) continue;
            context.RegisterCodeFix(
                CodeAction.Create("Insert [Flatten] before this layer", token => InsertAsync(context.Document, attribute, token), equivalenceKey: nameof(InsertFlattenCodeFix)),
                diagnostic);
        }
    }

    private static async Task<Document> InsertAsync(Document document, AttributeSyntax attribute, CancellationToken token)
    {
        SyntaxNode root = (await document.GetSyntaxRootAsync(token).ConfigureAwait(false))!;
        var list = (AttributeListSyntax)attribute.Parent!;
        AttributeSyntax flatten = SyntaxFactory.Attribute(LayerAttributeSyntax.Name(attribute, "Flatten"));

        if (list.Attributes.Count > 1 || list.Parent is null)
        {
            // [Input(4), Dense(2)]: the new layer goes into the same list, just before the layer.
            AttributeListSyntax widened = list.WithAttributes(list.Attributes.Insert(list.Attributes.IndexOf(attribute), flatten))
                .WithAdditionalAnnotations(Formatter.Annotation);
            return document.WithSyntaxRoot(root.ReplaceNode(list, widened));
        }

        // One attribute per list, the usual layout: a new [Flatten] list, on its own line with the same indentation.
        // It takes over the list's leading trivia (a comment above the layer stays above both), the layer keeps the
        // indentation.
        SyntaxTriviaList leading = list.GetLeadingTrivia();
        SyntaxTriviaList indentation = SyntaxFactory.TriviaList(leading.Reverse().TakeWhile(t => t.IsKind(SyntaxKind.WhitespaceTrivia)).Reverse());
        bool ownLine = list.GetTrailingTrivia().Any(SyntaxKind.EndOfLineTrivia);
        SyntaxTriviaList separator = ownLine
            ? SyntaxFactory.TriviaList(list.GetTrailingTrivia().First(t => t.IsKind(SyntaxKind.EndOfLineTrivia)))
            : SyntaxFactory.TriviaList(SyntaxFactory.Space);
        AttributeListSyntax added = SyntaxFactory.AttributeList(SyntaxFactory.SingletonSeparatedList(flatten))
            .WithLeadingTrivia(leading)
            .WithTrailingTrivia(separator);
        SyntaxNode updated = root.ReplaceNode(list, new[] { added, list.WithLeadingTrivia(ownLine ? indentation : SyntaxFactory.TriviaList()) });
        return document.WithSyntaxRoot(updated);
    }
}
