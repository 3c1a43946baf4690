// The output-size and SAME-padding formulas, from tables (TensorFlow's conv2d / max_pool output shapes).
using ModelGen.Generator.Model;
using ModelGen.Generator.Shapes;

namespace ModelGen.Generator.Tests;

public class ShapeTests
{
    [Theory]
    // input, window, stride, padding, expected output, pad before, pad after
    [InlineData(28, 5, 1, 1, 28, 2, 2)]
    [InlineData(28, 5, 1, 0, 24, 0, 0)]
    [InlineData(28, 2, 2, 0, 14, 0, 0)]
    [InlineData(7, 3, 2, 1, 4, 1, 1)]
    [InlineData(7, 3, 2, 0, 3, 0, 0)]
    [InlineData(8, 3, 2, 1, 4, 0, 1)]   // TF puts the odd pad after
    [InlineData(5, 2, 2, 1, 3, 0, 1)]
    [InlineData(28, 5, 2, 1, 14, 1, 2)]
    [InlineData(3, 5, 1, 1, 3, 2, 2)]
    [InlineData(1, 1, 3, 1, 1, 0, 0)]
    public void OutputSizeAndPads_MatchTensorFlow(int input, int window, int stride, int paddingValue, int output, int before, int after)
    {
        var padding = (PaddingKind)paddingValue;
        Assert.Equal(output, ShapeInference.OutputSize(input, window, stride, padding));
        Assert.Equal((before, after), ShapeInference.Pads(input, output, window, stride, padding));
    }
}
