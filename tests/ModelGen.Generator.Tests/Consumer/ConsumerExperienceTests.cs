// The consumer-experience matrix of issue 7: generated code builds with no warning in a project with nullable enabled,
// all warnings as errors and the highest warning level, for every C# version that net8.0 supports and wherever a user
// may declare a model (any namespace form, nested, internal or public, sealed). Each case also calls the model.
using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace ModelGen.Generator.Tests.Consumer;

public class ConsumerExperienceTests
{
    // Every layer kind and both losses, so that each emitter's code meets the strict options. Shapes: 8x8x2 -> conv SAME
    // 8x8x4 -> pool 4x4x4 -> conv VALID 2x2x4 -> avg pool 1x1x4 -> flatten 4 -> 6 -> 3.
    private const string ClassifierLayers = """
        [Model(BatchSize = 4, Seed = 7)]
        [Input(8, 8, 2)]
        [Conv2D(3, 3, 4, Padding = Padding.Same, Activation = Activation.Relu, Name = "conv1")]
        [BatchNorm(Name = "bn1")]
        [MaxPool2D(2)]
        [Conv2D(3, 3, 4, Activation = Activation.Elu, L2 = 0.001)]
        [AvgPool2D(2)]
        [Flatten]
        [Dense(6, KernelInitializer = Initializer.HeNormal)]
        [LeakyRelu(0.2)]
        [Dropout(0.25)]
        [Dense(3, Name = "logits")]
        [SoftmaxCrossEntropy]
        """;

    private const string RegressorLayers = """
        [Model(BatchSize = 2)]
        [Input(5)]
        [Dense(4, Activation = Activation.Tanh, L1 = 0.01)]
        [Sigmoid]
        [Dense(2, Trainable = false)]
        [Elu]
        [Dense(1)]
        [MeanSquaredError]
        """;

    // No loss: an inference-only model implements IModel only.
    private const string EncoderLayers = """
        [Model(BatchSize = 1)]
        [Input(6)]
        [Dense(3, Activation = Activation.Softmax)]
        [Tanh]
        """;

    /// <summary>The oldest C# version a net8.0 project may select is not older than 7.3, but the runtime's target
    /// defaults to C# 12; the matrix covers the versions the issue names, from 10 (file-scoped namespaces) up.</summary>
    public static TheoryData<LanguageVersion> Versions => new()
    {
        LanguageVersion.CSharp10, LanguageVersion.CSharp11, LanguageVersion.CSharp12, LanguageVersion.Latest,
    };

    public static TheoryData<string> Placements => new(PlacementSources.Keys);

    public static TheoryData<string, LanguageVersion> PlacementsByVersion
    {
        get
        {
            var data = new TheoryData<string, LanguageVersion>();
            foreach (string placement in PlacementSources.Keys)
            {
                data.Add(placement, LanguageVersion.CSharp10);
                data.Add(placement, LanguageVersion.Latest);
            }
            return data;
        }
    }

    // Sources are written in C# 10 (type bodies in braces, no primary constructors) so one text serves every version.
    private static readonly Dictionary<string, string> PlacementSources = new()
    {
        ["GlobalNamespace"] = $$"""
            using ModelGen;
            {{ClassifierLayers}}
            public partial class Net { }
            {{Use("Net")}}
            """,
        ["BlockNamespace"] = $$"""
            using ModelGen;
            namespace Company.Product.Models
            {
            {{ClassifierLayers}}
                public partial class Net { }
            {{Use("Net")}}
            }
            """,
        ["FileScopedNamespace"] = $$"""
            using ModelGen;
            namespace Company.Product.Models;
            {{ClassifierLayers}}
            public partial class Net { }
            {{Use("Net")}}
            """,
        ["NestedInPartialClass"] = $$"""
            using ModelGen;
            namespace Models;
            public partial class Outer
            {
            {{ClassifierLayers}}
                public partial class Net { }
            }
            {{Use("Outer.Net")}}
            """,
        ["NestedTwoLevels"] = $$"""
            using ModelGen;
            namespace Models
            {
                internal static partial class Outer
                {
                    public sealed partial class Middle
                    {
            {{ClassifierLayers}}
                        internal partial class Net { }
                    }
                }
            {{Use("Outer.Middle.Net")}}
            }
            """,
        ["NestedInPartialStructAndRecord"] = $$"""
            using ModelGen;
            namespace Models;
            public partial struct Outer
            {
                public partial record Middle
                {
            {{ClassifierLayers}}
                    public partial class Net { }
                }
            }
            {{Use("Outer.Middle.Net")}}
            """,
        ["Internal"] = $$"""
            using ModelGen;
            namespace Models;
            {{ClassifierLayers}}
            internal partial class Net { }
            {{Use("Net")}}
            """,
        ["DefaultAccessibility"] = $$"""
            using ModelGen;
            namespace Models;
            {{ClassifierLayers}}
            partial class Net { }
            {{Use("Net")}}
            """,
        ["SealedPartial"] = $$"""
            using ModelGen;
            namespace Models;
            {{ClassifierLayers}}
            public sealed partial class Net { }
            {{Use("Net")}}
            """,
        ["PartialSealedModifierOrder"] = $$"""
            using ModelGen;
            namespace Models;
            {{ClassifierLayers}}
            internal sealed partial class Net { }
            {{Use("Net")}}
            """,
        ["TwoModelsInOneFile"] = $$"""
            using ModelGen;
            namespace Models;
            {{RegressorLayers}}
            public partial class Regressor { }
            {{EncoderLayers}}
            public partial class Encoder { }
            public static class Usage
            {
                public static float Run()
                {
                    var regressor = new Regressor();
                    var encoder = new Encoder();
                    System.Span<float> output = stackalloc float[Encoder.OutputLength];
                    encoder.Forward(new float[Encoder.InputLength], output);
                    float loss = regressor.TrainStep(new float[Regressor.BatchSize * Regressor.InputLength],
                        new float[Regressor.BatchSize], new Sgd(0.1f));
                    return loss + output[0];
                }
            }
            """,
        ["ModelNamedLikeSystemType"] = $$"""
            using ModelGen;
            namespace Models.System;
            {{RegressorLayers}}
            public partial class Math { }
            public static class Span { }
            """,
    };

    // A user of the model in the same namespace: constructs it, runs a forward pass and one training step.
    private static string Use(string type) => $$"""
        public static class Usage
        {
            public static float Run()
            {
                var model = new {{type}}();
                float[] outputs = new float[{{type}}.OutputLength];
                model.Forward(new float[{{type}}.InputLength], outputs);
                string? unused = null;
                _ = unused;
                return model.TrainStep(new float[{{type}}.BatchSize * {{type}}.InputLength], new int[{{type}}.BatchSize],
                    new ModelGen.Adam(0.001f)) + outputs[0];
            }
        }
        """;

    [Theory]
    [MemberData(nameof(PlacementsByVersion))]
    public void Placement_CompilesWithoutWarningsAsErrors(string placement, LanguageVersion version)
    {
        ConsumerResult result = ConsumerBuild.Build(PlacementSources[placement], version);
        Assert.NotEmpty(result.Generated);
        Assert.True(result.Problems.IsEmpty, $"{placement}, C# {version.ToDisplayString()}:\n{result.Describe()}");
    }

    [Theory]
    [MemberData(nameof(Versions))]
    public void TutorialModels_CompileUnderEachLanguageVersion(LanguageVersion version)
    {
        // The tutorial texts declare `partial class X;` (C# 12); give them braces so C# 10 and 11 can parse them.
        foreach (string source in new[] { TutorialModels.Mlp, TutorialModels.Cnn, TutorialModels.BatchNormMlp })
        {
            ConsumerResult result = ConsumerBuild.Build(source.TrimEnd().TrimEnd(';') + " { }", version);
            Assert.Single(result.Generated);
            Assert.True(result.Problems.IsEmpty, $"C# {version.ToDisplayString()}:\n{result.Describe()}");
        }
    }

    [Theory]
    [InlineData(NullableContextOptions.Disable)]
    [InlineData(NullableContextOptions.Warnings)]
    [InlineData(NullableContextOptions.Annotations)]
    [InlineData(NullableContextOptions.Enable)]
    public void NullableContext_GeneratedCodeCompilesWithoutWarnings(NullableContextOptions nullable)
    {
        // The generated file sets `#nullable enable` itself; the user's project setting must not matter. The user code
        // here is nullable-oblivious so that it is clean under every setting.
        string source = """
            using ModelGen;
            namespace Models;
            [Model(BatchSize = 2)]
            [Input(3)]
            [Dense(2)]
            [SoftmaxCrossEntropy]
            public partial class Net { }
            """;
        ConsumerResult result = ConsumerBuild.Build(source, LanguageVersion.Latest, nullable);
        Assert.Single(result.Generated);
        Assert.True(result.Problems.IsEmpty, $"Nullable {nullable}:\n{result.Describe()}");
    }

    [Fact]
    public void WarningInUserCode_IsReportedAsError()
    {
        // Proves the strict options bite: an unused variable (CS0168) is an error under them, so an empty problem list
        // above means the generated code really has no warning.
        string source = """
            using ModelGen;
            namespace Models;
            [Model(BatchSize = 2)]
            [Input(3)]
            [Dense(2)]
            public partial class Net { public void M() { int unused; } }
            """;
        ConsumerResult result = ConsumerBuild.Build(source);
        Diagnostic problem = Assert.Single(result.Problems);
        Assert.Equal("CS0168", problem.Id);
        Assert.Equal(DiagnosticSeverity.Error, problem.Severity);
        Assert.True(problem.IsWarningAsError);
    }

    [Fact]
    public void HighestWarningLevel_ReportsWaveWarningsInUserCode()
    {
        // CS8981 (a lower-case type name) is a warning wave 5 diagnostic, reported only at warning level 5 and above:
        // it shows that the consumer build runs with the newest warning waves on.
        string source = """
            namespace Models;
            public class lowercase { }
            """;
        ConsumerResult result = ConsumerBuild.Build(source);
        Assert.Equal("CS8981", Assert.Single(result.Problems).Id);
    }
}
