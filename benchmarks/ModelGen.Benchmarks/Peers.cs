// The peers' copies of the two networks, built from a ModelGen model's weights: ONNX graphs (NCHW) and TorchSharp
// modules, with the layouts converted so that all three compute the same function of the same input.
using System;
using TorchSharp;
using static TorchSharp.torch;

namespace ModelGen.Benchmarks;

/// <summary>Weight layout conversions and the peers' model builders.</summary>
internal static class Peers
{
    /// <summary>A ModelGen variable by its TensorFlow-style name, as a new array.</summary>
    public static float[] Variable(IModel model, string name)
    {
        foreach (VariableInfo v in model.Variables)
        {
            if (v.Name == name) return model.Parameters.Slice(v.Offset, v.Length).ToArray();
        }
        throw new ArgumentException($"The model has no variable '{name}'.", nameof(name));
    }

    /// <summary>[rows, cols] -> [cols, rows].</summary>
    public static float[] Transpose(float[] a, int rows, int cols)
    {
        var t = new float[a.Length];
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < cols; c++) t[c * rows + r] = a[r * cols + c];
        return t;
    }

    /// <summary>TensorFlow's conv kernel [kh, kw, in, out] -> ONNX/PyTorch [out, in, kh, kw].</summary>
    public static float[] ConvKernelToOihw(float[] k, int kh, int kw, int cin, int cout)
    {
        var t = new float[k.Length];
        for (int y = 0; y < kh; y++)
            for (int x = 0; x < kw; x++)
                for (int i = 0; i < cin; i++)
                    for (int o = 0; o < cout; o++) t[((o * cin + i) * kh + y) * kw + x] = k[((y * kw + x) * cin + i) * cout + o];
        return t;
    }

    /// <summary>
    /// fc1's kernel [h*w*c, out] as ModelGen flattens NHWC, reordered to the rows an NCHW flatten produces
    /// (row c*h*w + y*w + x), so that the peers need no transpose before the flatten.
    /// </summary>
    public static float[] NhwcRowsToNchw(float[] k, int h, int w, int c, int outUnits)
    {
        var t = new float[k.Length];
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
                for (int ch = 0; ch < c; ch++)
                    Array.Copy(k, ((y * w + x) * c + ch) * outUnits, t, (ch * h * w + y * w + x) * outUnits, outUnits);
        return t;
    }

    /// <summary>The MLP as ONNX: Gemm, Relu, Gemm over input [N, 784], output logits [N, 10].</summary>
    public static byte[] MlpOnnx(IModel model) =>
        new OnnxGraph()
            .Input("input", 784).Output("logits", 10)
            .Weight("w1", Variable(model, "hidden1/kernel"), 784, 256).Weight("b1", Variable(model, "hidden1/bias"), 256)
            .Weight("w2", Variable(model, "logits/kernel"), 256, 10).Weight("b2", Variable(model, "logits/bias"), 10)
            .Node("Gemm", new[] { "input", "w1", "b1" }, "h1")
            .Node("Relu", new[] { "h1" }, "a1")
            .Node("Gemm", new[] { "a1", "w2", "b2" }, "logits")
            .ToModel();

    /// <summary>
    /// The CNN as ONNX over input [N, 1, 28, 28] (the same bytes as ModelGen's NHWC [N, 28, 28, 1]): Conv, Relu, MaxPool
    /// twice, Reshape to [N, 3136], Gemm, Relu, Gemm. Dropout is the identity at inference and is left out.
    /// </summary>
    public static byte[] CnnOnnx(IModel model)
    {
        int[] pads = { 2, 2, 2, 2 }, window = { 2, 2 };
        return new OnnxGraph()
            .Input("input", 1, 28, 28).Output("logits", 10)
            .Weight("k1", ConvKernelToOihw(Variable(model, "conv1/kernel"), 5, 5, 1, 32), 32, 1, 5, 5).Weight("c1", Variable(model, "conv1/bias"), 32)
            .Weight("k2", ConvKernelToOihw(Variable(model, "conv2/kernel"), 5, 5, 32, 64), 64, 32, 5, 5).Weight("c2", Variable(model, "conv2/bias"), 64)
            .Weight("w3", NhwcRowsToNchw(Variable(model, "fc1/kernel"), 7, 7, 64, 1024), 3136, 1024).Weight("b3", Variable(model, "fc1/bias"), 1024)
            .Weight("w4", Variable(model, "logits/kernel"), 1024, 10).Weight("b4", Variable(model, "logits/bias"), 10)
            .Int64s("flat", -1, 3136)
            .Node("Conv", new[] { "input", "k1", "c1" }, "y1", ("kernel_shape", new[] { 5, 5 }), ("pads", pads))
            .Node("Relu", new[] { "y1" }, "r1")
            .Node("MaxPool", new[] { "r1" }, "p1", ("kernel_shape", window), ("strides", window))
            .Node("Conv", new[] { "p1", "k2", "c2" }, "y2", ("kernel_shape", new[] { 5, 5 }), ("pads", pads))
            .Node("Relu", new[] { "y2" }, "r2")
            .Node("MaxPool", new[] { "r2" }, "p2", ("kernel_shape", window), ("strides", window))
            .Node("Reshape", new[] { "p2", "flat" }, "f")
            .Node("Gemm", new[] { "f", "w3", "b3" }, "h3")
            .Node("Relu", new[] { "h3" }, "r3")
            .Node("Gemm", new[] { "r3", "w4", "b4" }, "logits")
            .ToModel();
    }

    /// <summary>The MLP as a TorchSharp module with ModelGen's weights (Linear keeps [out, in]).</summary>
    public static nn.Module<Tensor, Tensor> MlpTorch(IModel model)
    {
        var fc1 = nn.Linear(784, 256);
        var fc2 = nn.Linear(256, 10);
        using (no_grad())
        {
            fc1.weight!.copy_(tensor(Transpose(Variable(model, "hidden1/kernel"), 784, 256), new long[] { 256, 784 }));
            fc1.bias!.copy_(tensor(Variable(model, "hidden1/bias")));
            fc2.weight!.copy_(tensor(Transpose(Variable(model, "logits/kernel"), 256, 10), new long[] { 10, 256 }));
            fc2.bias!.copy_(tensor(Variable(model, "logits/bias")));
        }
        return nn.Sequential(("hidden1", fc1), ("relu", nn.ReLU()), ("logits", fc2));
    }

    /// <summary>The CNN as a TorchSharp module over [N, 1, 28, 28], dropout 0.5 included (active in training only).</summary>
    public static nn.Module<Tensor, Tensor> CnnTorch(IModel model)
    {
        var conv1 = nn.Conv2d(1, 32, 5, padding: 2);
        var conv2 = nn.Conv2d(32, 64, 5, padding: 2);
        var fc1 = nn.Linear(3136, 1024);
        var fc2 = nn.Linear(1024, 10);
        using (no_grad())
        {
            conv1.weight!.copy_(tensor(ConvKernelToOihw(Variable(model, "conv1/kernel"), 5, 5, 1, 32), new long[] { 32, 1, 5, 5 }));
            conv1.bias!.copy_(tensor(Variable(model, "conv1/bias")));
            conv2.weight!.copy_(tensor(ConvKernelToOihw(Variable(model, "conv2/kernel"), 5, 5, 32, 64), new long[] { 64, 32, 5, 5 }));
            conv2.bias!.copy_(tensor(Variable(model, "conv2/bias")));
            fc1.weight!.copy_(tensor(Transpose(NhwcRowsToNchw(Variable(model, "fc1/kernel"), 7, 7, 64, 1024), 3136, 1024), new long[] { 1024, 3136 }));
            fc1.bias!.copy_(tensor(Variable(model, "fc1/bias")));
            fc2.weight!.copy_(tensor(Transpose(Variable(model, "logits/kernel"), 1024, 10), new long[] { 10, 1024 }));
            fc2.bias!.copy_(tensor(Variable(model, "logits/bias")));
        }
        return nn.Sequential(
            ("conv1", conv1), ("relu1", nn.ReLU()), ("pool1", nn.MaxPool2d(2)),
            ("conv2", conv2), ("relu2", nn.ReLU()), ("pool2", nn.MaxPool2d(2)),
            ("flatten", nn.Flatten()), ("fc1", fc1), ("relu3", nn.ReLU()), ("dropout", nn.Dropout(0.5)), ("logits", fc2));
    }
}
