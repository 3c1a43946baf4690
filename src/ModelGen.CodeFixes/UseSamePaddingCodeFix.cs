// MG0103: sets Padding = Padding.Same on a Conv2D or pooling layer whose window does not fit its input with VALID
// padding. With SAME padding (TensorFlow's semantics) the output is ceil(input / stride), whatever the window.
using System.Collections.Immutable;
using System.Composition;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Formatting;

namespace ModelGen.CodeFixes;

/// <summary>Fixes MG0103 (a window larger than its VALID input) by switching the layer's padding to SAME.</summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(UseSamePaddingCodeFix)), Shared]
public sealed class UseSamePaddingCodeFix : CodeFixProvider
{
    private const string PaddingProperty = "Padding";

    /// <inheritdoc/>
    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(DiagnosticIds.KernelLargerThanInput);

    /// <inheritdoc/>
    public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

    /// <inheritdoc/>
    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        SyntaxNode? root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        if (root is null) return;
        foreach (Diagnostic diagnostic in context.Diagnostics)
        {
            if (LayerAttributeSyntax.Find(root, diagnostic.Location.SourceSpan) is not { } attribute) continue;
            context.RegisterCodeFix(
                CodeAction.Create("Use Padding = Padding.Same", token => UseSameAsync(context.Document, attribute, token), equivalenceKey: nameof(UseSamePaddingCodeFix)),
                diagnostic);
        }
    }

    private static async Task<Document> UseSameAsync(Document document, AttributeSyntax attribute, CancellationToken token)
    {
        SyntaxNode root = (await document.GetSyntaxRootAsync(token).ConfigureAwait(false))!;
        return document.WithSyntaxRoot(root.ReplaceNode(attribute, WithSamePadding(attribute)));
    }

    internal static AttributeSyntax WithSamePadding(AttributeSyntax attribute)
    {
        AttributeArgumentListSyntax arguments = attribute.ArgumentList ?? SyntaxFactory.AttributeArgumentList();
        foreach (AttributeArgumentSyntax argument in arguments.Arguments)
        {
            if (argument.NameEquals?.Name.Identifier.ValueText != PaddingProperty) continue;
            // Padding = Padding.Valid (or ModelGen.Padding.Valid): keep the user's qualifier, change the member.
            ExpressionSyntax same = argument.Expression is MemberAccessExpressionSyntax access
                ? access.WithName(SyntaxFactory.IdentifierName("Same"))
                : SameValue(attribute).WithTriviaFrom(argument.Expression);
            return attribute.ReplaceNode(argument.Expression, same);
        }

        AttributeArgumentSyntax added = SyntaxFactory.AttributeArgument(SyntaxFactory.NameEquals(PaddingProperty), null, SameValue(attribute));
        return attribute.WithArgumentList(arguments.AddArguments(added).WithAdditionalAnnotations(Formatter.Annotation));
    }

    private static ExpressionSyntax SameValue(AttributeSyntax attribute) =>
        SyntaxFactory.ParseExpression(LayerAttributeSyntax.Qualifier(attribute) + "Padding.Same");
}
