// Reference twin of Kernels.Pooling: each window visited position by position, skipping the padding.
using System;

namespace ModelGen.Kernels.Reference
{
    internal static class Pooling
    {
        internal static void MaxForward(Span<float> y, ReadOnlySpan<float> x, int batch, in Pool2DGeometry g)
        {
            for (int s = 0; s < batch; s++)
            for (int oy = 0; oy < g.OutHeight; oy++)
            for (int ox = 0; ox < g.OutWidth; ox++)
            for (int c = 0; c < g.Channels; c++)
            {
                int best = FirstMax(x, g, s, oy, ox, c);
                y[OutputIndex(g, s, oy, ox, c)] = x[best];
            }
        }

        internal static void MaxBackward(Span<float> dx, ReadOnlySpan<float> dy, ReadOnlySpan<float> x, int batch, in Pool2DGeometry g)
        {
            dx.Clear();
            for (int s = 0; s < batch; s++)
            for (int oy = 0; oy < g.OutHeight; oy++)
            for (int ox = 0; ox < g.OutWidth; ox++)
            for (int c = 0; c < g.Channels; c++)
            {
                dx[FirstMax(x, g, s, oy, ox, c)] += dy[OutputIndex(g, s, oy, ox, c)];
            }
        }

        internal static void AvgForward(Span<float> y, ReadOnlySpan<float> x, int batch, in Pool2DGeometry g)
        {
            for (int s = 0; s < batch; s++)
            for (int oy = 0; oy < g.OutHeight; oy++)
            for (int ox = 0; ox < g.OutWidth; ox++)
            for (int c = 0; c < g.Channels; c++)
            {
                double sum = 0;
                int count = 0;
                for (int ky = 0; ky < g.WindowHeight; ky++)
                for (int kx = 0; kx < g.WindowWidth; kx++)
                {
                    int iy = oy * g.StrideH - g.PadTop + ky, ix = ox * g.StrideW - g.PadLeft + kx;
                    if (iy < 0 || iy >= g.InHeight || ix < 0 || ix >= g.InWidth) continue;
                    sum += x[InputIndex(g, s, iy, ix, c)];
                    count++;
                }
                y[OutputIndex(g, s, oy, ox, c)] = (float)(sum / count);
            }
        }

        internal static void AvgBackward(Span<float> dx, ReadOnlySpan<float> dy, int batch, in Pool2DGeometry g)
        {
            dx.Clear();
            for (int s = 0; s < batch; s++)
            for (int oy = 0; oy < g.OutHeight; oy++)
            for (int ox = 0; ox < g.OutWidth; ox++)
            for (int c = 0; c < g.Channels; c++)
            {
                int count = 0;
                for (int pass = 0; pass < 2; pass++) // count the in-bounds inputs, then share the gradient among them
                {
                    for (int ky = 0; ky < g.WindowHeight; ky++)
                    for (int kx = 0; kx < g.WindowWidth; kx++)
                    {
                        int iy = oy * g.StrideH - g.PadTop + ky, ix = ox * g.StrideW - g.PadLeft + kx;
                        if (iy < 0 || iy >= g.InHeight || ix < 0 || ix >= g.InWidth) continue;
                        if (pass == 0) count++;
                        else dx[InputIndex(g, s, iy, ix, c)] += dy[OutputIndex(g, s, oy, ox, c)] / count;
                    }
                }
            }
        }

        // Index in x of the first maximal in-bounds input of the window, in row-major (ky, kx) order.
        private static int FirstMax(ReadOnlySpan<float> x, in Pool2DGeometry g, int s, int oy, int ox, int c)
        {
            int best = -1;
            for (int ky = 0; ky < g.WindowHeight; ky++)
            for (int kx = 0; kx < g.WindowWidth; kx++)
            {
                int iy = oy * g.StrideH - g.PadTop + ky, ix = ox * g.StrideW - g.PadLeft + kx;
                if (iy < 0 || iy >= g.InHeight || ix < 0 || ix >= g.InWidth) continue;
                int index = InputIndex(g, s, iy, ix, c);
                if (best < 0 || x[index] > x[best]) best = index;
            }
            return best;
        }

        private static int InputIndex(in Pool2DGeometry g, int s, int iy, int ix, int c) =>
            ((s * g.InHeight + iy) * g.InWidth + ix) * g.Channels + c;

        private static int OutputIndex(in Pool2DGeometry g, int s, int oy, int ox, int c) =>
            ((s * g.OutHeight + oy) * g.OutWidth + ox) * g.Channels + c;
    }
}
