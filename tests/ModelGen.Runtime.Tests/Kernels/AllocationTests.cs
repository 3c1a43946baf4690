// The kernels allocate nothing: generated Forward and TrainStep promise zero allocations after construction.
using System;
using ModelGen.Kernels;
using ModelGen.Tests;
using static ModelGen.Runtime.Tests.Kernels.KernelTestData;

namespace ModelGen.Runtime.Tests.Kernels
{
    public class AllocationTests
    {
        [Fact]
        public void TrainingStepOfEveryKernel_AllocatesNothing()
        {
            var conv = Conv(8, 8, 3, 8, 3, 3, 1, 1, Padding.Same);
            var pool = Pool(8, 8, 8, 2, 2, 2, 2, Padding.Same);
            const int batch = 4, units = 10, inputs = 4 * 4 * 8;
            float[] x = Random(batch * conv.InputLength, 1), kernel = Random(conv.KernelLength, 2), bias = Random(8, 3);
            float[] columns = new float[conv.ColumnsLength], convOut = new float[batch * conv.OutputLength];
            float[] normalized = new float[convOut.Length], inverseStd = new float[8], mean = new float[8], variance = new float[8];
            float[] pooled = new float[batch * pool.OutputLength], mask = new float[pooled.Length];
            float[] dense = Random(inputs * units, 4), logits = new float[batch * units], dLogits = new float[logits.Length];
            float[] dPooled = new float[pooled.Length], dConvOut = new float[convOut.Length], dx = new float[x.Length];
            float[] dKernel = new float[kernel.Length], dBias = new float[8], dDense = new float[dense.Length], dDenseBias = new float[units];
            float[] dGamma = new float[8], dBeta = new float[8];
            int[] labels = { 1, 2, 3, 4 };
            var rng = new Rng(7);

            void Step()
            {
                Conv2D.Forward(convOut, columns, x, kernel, bias, batch, conv, Activation.Linear, 0f);
                BatchNorm.TrainingForward(convOut, normalized, inverseStd, mean, variance, convOut, bias, bias, batch * 64, 8, 0.99f, 1e-3f);
                Activations.Forward(convOut, convOut, Activation.Elu, 1f);
                Pooling.MaxForward(pooled, convOut, batch, pool);
                Dropout.Forward(pooled, mask, pooled, 0.5f, ref rng);
                Dense.Forward(logits, pooled, dense, bias.AsSpan(0, 0), batch, inputs, units, Activation.Linear, 0f);
                Losses.SoftmaxCrossEntropy(dLogits, logits, labels, batch, units);
                Regularization.Apply(dDense, dense, 0f, 1e-4f);
                Dense.Backward(dPooled, dDense, dDenseBias, dLogits, pooled, dense, batch, inputs, units);
                Dropout.Backward(dPooled, dPooled, mask);
                Pooling.MaxBackward(dConvOut, dPooled, convOut, batch, pool);
                Activations.Backward(dConvOut, dConvOut, convOut, Activation.Elu, 1f);
                BatchNorm.Backward(dConvOut, dGamma, dBeta, dConvOut, normalized, inverseStd, bias, batch * 64, 8);
                Conv2D.Backward(dx, dKernel, dBias, columns, dConvOut, x, kernel, batch, conv);
                Pooling.AvgForward(pooled, convOut, batch, pool);
                Pooling.AvgBackward(dConvOut, dPooled, batch, pool);
                Activations.Softmax(logits, logits, batch, units);
                BatchNorm.Inference(convOut, convOut, bias, bias, mean, variance, batch * 64, 8, 1e-3f);
            }

            Assert.Equal(0L, Allocations.InSteadyState(Step));
        }
    }
}
