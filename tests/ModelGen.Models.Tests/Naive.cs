// An independent naive implementation of every layer, straight from the definitions (NHWC index loops, double
// accumulation), used as the oracle for the generated forward passes. It shares no code with the runtime.
using System;

namespace ModelGen.Models.Tests;

internal sealed record Tensor(double[] Data, int H, int W, int C)
{
    public static Tensor Vector(double[] data) => new(data, 1, 1, data.Length);

    public double this[int y, int x, int c] => Data[(y * W + x) * C + c];
}

internal static class Naive
{
    public static Tensor From(ReadOnlySpan<float> x, int h, int w, int c)
    {
        var d = new double[h * w * c];
        for (int i = 0; i < d.Length; i++) d[i] = x[i];
        return new Tensor(d, h, w, c);
    }

    public static double[] D(ReadOnlySpan<float> s)
    {
        var d = new double[s.Length];
        for (int i = 0; i < d.Length; i++) d[i] = s[i];
        return d;
    }

    /// <summary>TensorFlow output size and the padding before, for one axis.</summary>
    public static (int Out, int PadBefore) Axis(int input, int window, int stride, bool same)
    {
        if (!same) return ((input - window) / stride + 1, 0);
        int output = (input + stride - 1) / stride;
        int total = Math.Max((output - 1) * stride + window - input, 0);
        return (output, total / 2);
    }

    public static Tensor Dense(Tensor x, double[] kernel, double[]? bias, int units, Func<double, double> activation)
    {
        int inputs = x.Data.Length;
        var y = new double[units];
        for (int j = 0; j < units; j++)
        {
            double sum = bias?[j] ?? 0;
            for (int i = 0; i < inputs; i++) sum += x.Data[i] * kernel[i * units + j];
            y[j] = activation(sum);
        }
        return Tensor.Vector(y);
    }

    public static Tensor Conv2D(Tensor x, double[] kernel, double[]? bias, int kh, int kw, int filters, int sh, int sw, bool same, Func<double, double> activation)
    {
        var (oh, pt) = Axis(x.H, kh, sh, same);
        var (ow, pl) = Axis(x.W, kw, sw, same);
        var y = new double[oh * ow * filters];
        for (int oy = 0; oy < oh; oy++)
        for (int ox = 0; ox < ow; ox++)
        for (int f = 0; f < filters; f++)
        {
            double sum = bias?[f] ?? 0;
            for (int ky = 0; ky < kh; ky++)
            for (int kx = 0; kx < kw; kx++)
            {
                int iy = oy * sh - pt + ky, ix = ox * sw - pl + kx;
                if (iy < 0 || iy >= x.H || ix < 0 || ix >= x.W) continue;
                for (int c = 0; c < x.C; c++)
                    sum += x[iy, ix, c] * kernel[((ky * kw + kx) * x.C + c) * filters + f];
            }
            y[(oy * ow + ox) * filters + f] = activation(sum);
        }
        return new Tensor(y, oh, ow, filters);
    }

    public static Tensor Pool(Tensor x, int wh, int ww, int sh, int sw, bool same, bool max)
    {
        var (oh, pt) = Axis(x.H, wh, sh, same);
        var (ow, pl) = Axis(x.W, ww, sw, same);
        var y = new double[oh * ow * x.C];
        for (int oy = 0; oy < oh; oy++)
        for (int ox = 0; ox < ow; ox++)
        for (int c = 0; c < x.C; c++)
        {
            double acc = max ? double.NegativeInfinity : 0;
            int count = 0;
            for (int ky = 0; ky < wh; ky++)
            for (int kx = 0; kx < ww; kx++)
            {
                int iy = oy * sh - pt + ky, ix = ox * sw - pl + kx;
                if (iy < 0 || iy >= x.H || ix < 0 || ix >= x.W) continue;
                acc = max ? Math.Max(acc, x[iy, ix, c]) : acc + x[iy, ix, c];
                count++;
            }
            y[(oy * ow + ox) * x.C + c] = max ? acc : acc / count;
        }
        return new Tensor(y, oh, ow, x.C);
    }

    /// <summary>Inference batch norm over the last axis with the moving statistics.</summary>
    public static Tensor BatchNorm(Tensor x, double[]? gamma, double[]? beta, double[] mean, double[] variance, double epsilon)
    {
        var y = new double[x.Data.Length];
        for (int i = 0; i < y.Length; i++)
        {
            int c = i % x.C;
            y[i] = (gamma?[c] ?? 1) * (x.Data[i] - mean[c]) / Math.Sqrt(variance[c] + epsilon) + (beta?[c] ?? 0);
        }
        return x with { Data = y };
    }

    public static Tensor Map(Tensor x, Func<double, double> f)
    {
        var y = new double[x.Data.Length];
        for (int i = 0; i < y.Length; i++) y[i] = f(x.Data[i]);
        return x with { Data = y };
    }

    public static Tensor Softmax(Tensor x)
    {
        var y = new double[x.Data.Length];
        for (int start = 0; start < y.Length; start += x.C)
        {
            double max = double.NegativeInfinity, sum = 0;
            for (int c = 0; c < x.C; c++) max = Math.Max(max, x.Data[start + c]);
            for (int c = 0; c < x.C; c++) sum += y[start + c] = Math.Exp(x.Data[start + c] - max);
            for (int c = 0; c < x.C; c++) y[start + c] /= sum;
        }
        return x with { Data = y };
    }

    public static Tensor Flatten(Tensor x) => Tensor.Vector(x.Data);

    public static double Linear(double v) => v;
    public static double Relu(double v) => Math.Max(v, 0);
    public static Func<double, double> LeakyRelu(double alpha) => v => v > 0 ? v : alpha * v;
    public static Func<double, double> Elu(double alpha) => v => v > 0 ? v : alpha * (Math.Exp(v) - 1);
    public static double Sigmoid(double v) => 1 / (1 + Math.Exp(-v));
    public static double Tanh(double v) => Math.Tanh(v);
}
