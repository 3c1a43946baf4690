// Generated forward passes against the naive oracle, on random weights, for more samples than a batch holds
// (so the chunking runs too), within 1e-5 relative.
using System;
using System.Collections.Generic;
using System.Linq;
using ModelGen;
using static ModelGen.Models.Tests.Naive;
using static ModelGen.Models.Tests.TestUtil;

namespace ModelGen.Models.Tests;

public class ForwardTests
{
    private const double Tolerance = 1e-5;

    private static void Check(IModel model, Func<Tensor, Tensor> reference, int samples, int seed)
    {
        Randomize(model, seed);
        float[] inputs = TestUtil.Random(samples * model.InputLength, seed + 1);
        float[] outputs = new float[samples * model.OutputLength];
        model.Forward(inputs, outputs);
        for (int s = 0; s < samples; s++)
        {
            int[] shape = ShapeOf(model);
            Tensor x = From(inputs.AsSpan(s * model.InputLength, model.InputLength), shape[0], shape[1], shape[2]);
            double[] expected = reference(x).Data;
            AssertClose(expected, outputs.AsSpan(s * model.OutputLength, model.OutputLength), Tolerance, $"{model.GetType().Name} sample {s}");
            float[] single = new float[model.OutputLength];
            model.Forward(inputs.AsSpan(s * model.InputLength, model.InputLength), single);
            Assert.Equal(outputs.AsSpan(s * model.OutputLength, model.OutputLength).ToArray(), single);
        }
    }

    private static int[] ShapeOf(IModel model) => model switch
    {
        DenseNet => new[] { 1, 1, DenseNet.InputLength },
        ConvNet => ConvNet.InputShape.ToArray(),
        PoolNet => PoolNet.InputShape.ToArray(),
        StridedPointwiseNet => StridedPointwiseNet.InputShape.ToArray(),
        NormNet => NormNet.InputShape.ToArray(),
        ActivationNet => ActivationNet.InputShape.ToArray(),
        FrozenNet => new[] { 1, 1, FrozenNet.InputLength },
        InferenceOnly => new[] { 1, 1, InferenceOnly.InputLength },
        _ => throw new ArgumentException(model.GetType().Name),
    };

    [Fact]
    public void DenseNet_MatchesNaive()
    {
        var m = new DenseNet();
        Check(m, x =>
        {
            x = Dense(x, Var(m, "d1/kernel"), Var(m, "d1/bias"), 7, Tanh);
            x = Dense(x, Var(m, "d2/kernel"), Var(m, "d2/bias"), 6, Elu(0.7));
            x = Dense(x, Var(m, "d3/kernel"), Var(m, "d3/bias"), 5, LeakyRelu(0.01));
            x = Dense(x, Var(m, "d4/kernel"), null, 4, Sigmoid);
            return Dense(x, Var(m, "logits/kernel"), Var(m, "logits/bias"), 3, Linear);
        }, samples: 9, seed: 1);
    }

    [Fact]
    public void ConvNet_SameStride2AndValid_MatchesNaive()
    {
        var m = new ConvNet();
        Check(m, x =>
        {
            x = Conv2D(x, Var(m, "conv1/kernel"), Var(m, "conv1/bias"), 3, 3, 4, 2, 2, same: true, Elu(1.0));
            Assert.Equal((4, 4), (x.H, x.W));
            x = Conv2D(x, Var(m, "conv2/kernel"), Var(m, "conv2/bias"), 3, 3, 2, 1, 1, same: false, Sigmoid);
            Assert.Equal((2, 2), (x.H, x.W));
            return Dense(Flatten(x), Var(m, "logits/kernel"), Var(m, "logits/bias"), 3, Linear);
        }, samples: 7, seed: 2);
    }

    [Fact]
    public void StridedPointwiseNet_MatchesNaive()
    {
        var m = new StridedPointwiseNet();
        Check(m, x =>
        {
            x = Conv2D(x, Var(m, "pointwise/kernel"), Var(m, "pointwise/bias"), 1, 1, 3, 2, 2, same: false, Tanh);
            Assert.Equal((3, 4), (x.H, x.W));
            x = Conv2D(x, Var(m, "conv/kernel"), Var(m, "conv/bias"), 2, 2, 2, 1, 1, same: true, Linear);
            return Dense(Flatten(x), Var(m, "out/kernel"), Var(m, "out/bias"), 2, Linear);
        }, samples: 3, seed: 5);
    }

    [Fact]
    public void PoolNet_RectangularStridesAndSamePools_MatchesNaive()
    {
        var m = new PoolNet();
        Check(m, x =>
        {
            x = Conv2D(x, Var(m, "conv/kernel"), Var(m, "conv/bias"), 3, 2, 3, 2, 1, same: true, Tanh);
            x = Pool(x, 3, 3, 2, 2, same: true, max: true);
            x = Pool(x, 2, 2, 2, 2, same: true, max: false);
            return Dense(Flatten(x), Var(m, "out/kernel"), Var(m, "out/bias"), 4, Linear);
        }, samples: 5, seed: 3);
    }

    [Fact]
    public void NormNet_BatchNormUsesMovingStatistics_DropoutIsIdentity()
    {
        var m = new NormNet();
        Check(m, x =>
        {
            x = Conv2D(x, Var(m, "conv/kernel"), null, 3, 3, 3, 1, 1, same: false, Linear);
            x = BatchNorm(x, Var(m, "bn1/gamma"), Var(m, "bn1/beta"), Var(m, "bn1/moving_mean"), Var(m, "bn1/moving_variance"), 0.001);
            x = Map(x, Elu(0.5));
            x = Dense(Flatten(x), Var(m, "fc/kernel"), Var(m, "fc/bias"), 6, Linear);
            x = BatchNorm(x, Var(m, "bn2/gamma"), null, Var(m, "bn2/moving_mean"), Var(m, "bn2/moving_variance"), 0.001);
            x = Map(x, LeakyRelu(0.2));
            return Dense(x, Var(m, "logits/kernel"), Var(m, "logits/bias"), 3, Linear);
        }, samples: 13, seed: 4);
    }

    [Fact]
    public void ActivationNet_EveryActivationLayer_MatchesNaive()
    {
        var m = new ActivationNet();
        Check(m, x =>
        {
            x = Conv2D(x, Var(m, "first/kernel"), Var(m, "first/bias"), 1, 1, 4, 1, 1, same: false, Linear);
            x = Map(x, Relu);
            x = Map(x, Tanh);
            x = Map(x, Sigmoid);
            x = Map(x, LeakyRelu(0.01));
            x = Map(x, Elu(1.0));
            x = Conv2D(x, Var(m, "mix/kernel"), Var(m, "mix/bias"), 1, 1, 3, 1, 1, same: false, Linear);
            x = Softmax(x);
            return Dense(Flatten(x), Var(m, "out/kernel"), Var(m, "out/bias"), 2, Linear);
        }, samples: 3, seed: 5);
    }

    [Fact]
    public void InferenceOnly_SoftmaxDense_MatchesNaive()
    {
        var m = new InferenceOnly();
        Check(m, x => Softmax(Dense(x, Var(m, "dense/kernel"), Var(m, "dense/bias"), 2, Linear)), samples: 40, seed: 6);
    }

    [Fact]
    public void Predict_IsArgMaxOfForward()
    {
        var m = new DenseNet();
        float[] inputs = TestUtil.Random(10 * DenseNet.InputLength, 7);
        float[] outputs = new float[10 * DenseNet.OutputLength];
        int[] classes = new int[10];
        m.Forward(inputs, outputs);
        m.Predict(inputs, classes);
        for (int s = 0; s < 10; s++)
        {
            var o = outputs.AsSpan(s * 3, 3);
            int best = o[0] >= o[1] ? (o[0] >= o[2] ? 0 : 2) : (o[1] >= o[2] ? 1 : 2);
            Assert.Equal(best, classes[s]);
            Assert.Equal(best, m.Predict(inputs.AsSpan(s * DenseNet.InputLength, DenseNet.InputLength)));
        }
    }

    [Fact]
    public void WrongSpanLengths_ThrowNamingExpectedAndActual()
    {
        var m = new ConvNet();
        var e = Assert.Throws<ArgumentException>(() => m.Forward(new float[100], new float[3]));
        Assert.Contains("100", e.Message);
        Assert.Contains("147", e.Message);
        e = Assert.Throws<ArgumentException>(() => m.Forward(new float[147], new float[4]));
        Assert.Contains("outputs holds 4", e.Message);
        e = Assert.Throws<ArgumentException>(() => m.Predict(new float[146]));
        Assert.Contains("146", e.Message);
    }

    [Fact]
    public void VariableTable_HasTensorFlowNamesShapesAndLayouts()
    {
        var names = new List<string>();
        foreach (VariableInfo v in TutorialCnn.Variables) names.Add(v.Name + " " + v.ShapeText);
        Assert.Equal(new[]
        {
            "conv1/kernel [5, 5, 1, 32]", "conv1/bias [32]", "conv2/kernel [5, 5, 32, 64]", "conv2/bias [64]",
            "fc1/kernel [3136, 1024]", "fc1/bias [1024]", "logits/kernel [1024, 10]", "logits/bias [10]",
        }, names);
        Assert.Equal(3274634, TutorialCnn.ParameterCount);
        foreach (VariableInfo v in TutorialCnn.Variables) Assert.Equal(0, v.Offset % 16);
        var bn = new List<string>();
        foreach (VariableInfo v in NormNet.Variables) bn.Add($"{v.Name} {v.Kind} {v.Trainable}");
        Assert.Contains("bn1/moving_mean MovingMean False", bn);
        Assert.Contains("bn1/gamma Gamma True", bn);
        Assert.DoesNotContain(bn, s => s.StartsWith("bn2/beta", StringComparison.Ordinal));
    }

    [Fact]
    public void Accessors_AreViewsOfTheArena()
    {
        var m = new TutorialCnn();
        m.Conv1Bias[3] = 42f;
        Assert.Equal(42f, m.Parameters[TestUtil.Info(m, "conv1/bias").Offset + 3]);
    }

    [Fact]
    public void SameSeed_SameParameters_OtherSeedDiffers()
    {
        Assert.Equal(new TutorialMlp().Parameters.ToArray(), new TutorialMlp().Parameters.ToArray());
        var m = new TutorialMlp();
        float[] before = m.Parameters.ToArray();
        m.Parameters.Fill(0);
        m.ResetParameters();
        Assert.Equal(before, m.Parameters.ToArray());
        Assert.NotEqual(new DenseNet().Parameters.ToArray()[..10], new DenseNet().Parameters.ToArray()[..10].Select(v => v + 1).ToArray());
    }
}

public class SummaryTests
{
    [Fact]
    public void Summary_ListsLayersParametersFlopsAndMemory()
    {
        Assert.Contains("Conv2D 'conv1'", TutorialCnn.Summary);
        Assert.Contains("Parameters: 3,274,634 (3,274,634 trainable)", TutorialCnn.Summary);
        Assert.Contains("Forward FLOPs per sample: 27,767,808", TutorialCnn.Summary); // the 27.8 M
        Assert.Contains("Parameters: 74 (15 trainable)", FrozenNet.Summary); // 6*5+5 and 5*4+4 frozen, 4*3+3 trainable
        var writer = new System.IO.StringWriter();
        TutorialMlp.PrintSummary(writer);
        Assert.Equal(TutorialMlp.Summary, writer.ToString());
        Assert.Contains("Parameters: 203,530", TutorialMlp.Summary);
    }
}
