// Reference twin of Kernels.Conv2D: the seven nested loops of the definition, no scratch (columns is unused).
using System;

namespace ModelGen.Kernels.Reference
{
    internal static class Conv2D
    {
        internal static void Forward(Span<float> y, Span<float> columns, ReadOnlySpan<float> x, ReadOnlySpan<float> kernel, ReadOnlySpan<float> bias,
                                     int batch, in Conv2DGeometry g, Activation activation, float alpha)
        {
            if (activation == Activation.Softmax) throw new ArgumentException("Softmax is not element-wise.", nameof(activation));
            for (int s = 0; s < batch; s++)
            for (int oy = 0; oy < g.OutHeight; oy++)
            for (int ox = 0; ox < g.OutWidth; ox++)
            for (int oc = 0; oc < g.OutChannels; oc++)
            {
                double sum = bias.IsEmpty ? 0.0 : bias[oc];
                for (int ky = 0; ky < g.KernelHeight; ky++)
                for (int kx = 0; kx < g.KernelWidth; kx++)
                {
                    int iy = oy * g.StrideH - g.PadTop + ky, ix = ox * g.StrideW - g.PadLeft + kx;
                    if (iy < 0 || iy >= g.InHeight || ix < 0 || ix >= g.InWidth) continue; // zero padding
                    for (int ic = 0; ic < g.InChannels; ic++)
                    {
                        sum += (double)x[InputIndex(g, s, iy, ix, ic)] * kernel[KernelIndex(g, ky, kx, ic, oc)];
                    }
                }
                y[OutputIndex(g, s, oy, ox, oc)] = Activations.Apply((float)sum, activation, alpha);
            }
        }

        internal static void Backward(Span<float> dx, Span<float> dKernel, Span<float> dBias, Span<float> columns, ReadOnlySpan<float> dy,
                                      ReadOnlySpan<float> x, ReadOnlySpan<float> kernel, int batch, in Conv2DGeometry g)
        {
            if (!dx.IsEmpty) dx.Clear();
            for (int s = 0; s < batch; s++)
            for (int oy = 0; oy < g.OutHeight; oy++)
            for (int ox = 0; ox < g.OutWidth; ox++)
            for (int oc = 0; oc < g.OutChannels; oc++)
            {
                float gradient = dy[OutputIndex(g, s, oy, ox, oc)];
                if (!dBias.IsEmpty) dBias[oc] += gradient;
                for (int ky = 0; ky < g.KernelHeight; ky++)
                for (int kx = 0; kx < g.KernelWidth; kx++)
                {
                    int iy = oy * g.StrideH - g.PadTop + ky, ix = ox * g.StrideW - g.PadLeft + kx;
                    if (iy < 0 || iy >= g.InHeight || ix < 0 || ix >= g.InWidth) continue;
                    for (int ic = 0; ic < g.InChannels; ic++)
                    {
                        int xi = InputIndex(g, s, iy, ix, ic), ki = KernelIndex(g, ky, kx, ic, oc);
                        dKernel[ki] += x[xi] * gradient;
                        if (!dx.IsEmpty) dx[xi] += kernel[ki] * gradient;
                    }
                }
            }
        }

        private static int InputIndex(in Conv2DGeometry g, int s, int iy, int ix, int ic) =>
            ((s * g.InHeight + iy) * g.InWidth + ix) * g.InChannels + ic;

        private static int OutputIndex(in Conv2DGeometry g, int s, int oy, int ox, int oc) =>
            ((s * g.OutHeight + oy) * g.OutWidth + ox) * g.OutChannels + oc;

        // TensorFlow's [kh, kw, inC, outC] layout.
        private static int KernelIndex(in Conv2DGeometry g, int ky, int kx, int ic, int oc) =>
            ((ky * g.KernelWidth + kx) * g.InChannels + ic) * g.OutChannels + oc;
    }
}
