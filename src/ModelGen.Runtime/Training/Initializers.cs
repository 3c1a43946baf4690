// Variable initializers (Glorot/Xavier, He, truncated and plain normal, constants), drawn from the model's Rng.
using System;

namespace ModelGen
{
    /// <summary>
    /// Fills a variable with its initial values, with the formulas of TensorFlow and Keras. Random values are drawn
    /// in element order from the caller's <see cref="Rng"/>, so a model's seed fixes every initial value.
    /// </summary>
    public static class Initializers
    {
        /// <summary>
        /// The standard deviation of a standard normal truncated to [-2, 2]: Keras divides the Glorot and He
        /// standard deviations by it so that the truncated values have the intended spread.
        /// </summary>
        public const double TruncatedNormalStddevFactor = 0.87962566103423978;

        /// <summary>The standard deviation of <see cref="Initializer.TruncatedNormal"/> and <see cref="Initializer.RandomNormal"/> when none is given.</summary>
        public const double DefaultStddev = 0.05;

        /// <summary>Fills <paramref name="values"/> according to <paramref name="initializer"/>.</summary>
        /// <param name="values">The variable's elements.</param>
        /// <param name="initializer">The scheme:
        /// <see cref="Initializer.GlorotUniform"/> U(-l, l) with l = sqrt(6 / (fanIn + fanOut));
        /// <see cref="Initializer.GlorotNormal"/> truncated normal with stddev sqrt(2 / (fanIn + fanOut)) / 0.8796;
        /// <see cref="Initializer.HeNormal"/> truncated normal with stddev sqrt(2 / fanIn) / 0.8796;
        /// <see cref="Initializer.HeUniform"/> U(-l, l) with l = sqrt(6 / fanIn);
        /// <see cref="Initializer.TruncatedNormal"/> normal with stddev <paramref name="value"/>, values beyond two
        /// standard deviations redrawn (<c>tf.truncated_normal</c>);
        /// <see cref="Initializer.RandomNormal"/> normal with stddev <paramref name="value"/>;
        /// <see cref="Initializer.Zeros"/>, <see cref="Initializer.Ones"/>, <see cref="Initializer.Constant"/> (<paramref name="value"/>).</param>
        /// <param name="value">The standard deviation of the two normal schemes (0 means <see cref="DefaultStddev"/>),
        /// the constant of <see cref="Initializer.Constant"/>; ignored otherwise.</param>
        /// <param name="fanIn">The inputs per output unit (kh*kw*in for a convolution kernel, in for a dense one); positive for Glorot and He.</param>
        /// <param name="fanOut">The outputs per input unit (kh*kw*out, out); positive for Glorot.</param>
        /// <param name="rng">The generator the random schemes draw from; the constant schemes leave it untouched.</param>
        public static void Fill(Span<float> values, Initializer initializer, float value, int fanIn, int fanOut, ref Rng rng)
        {
            switch (initializer)
            {
                case Initializer.GlorotUniform:
                    RequireFan(fanIn, nameof(fanIn), initializer);
                    RequireFan(fanOut, nameof(fanOut), initializer);
                    FillUniform(values, Math.Sqrt(6.0 / ((double)fanIn + fanOut)), ref rng);
                    break;
                case Initializer.GlorotNormal:
                    RequireFan(fanIn, nameof(fanIn), initializer);
                    RequireFan(fanOut, nameof(fanOut), initializer);
                    FillTruncatedNormal(values, Math.Sqrt(2.0 / ((double)fanIn + fanOut)) / TruncatedNormalStddevFactor, ref rng);
                    break;
                case Initializer.HeNormal:
                    RequireFan(fanIn, nameof(fanIn), initializer);
                    FillTruncatedNormal(values, Math.Sqrt(2.0 / fanIn) / TruncatedNormalStddevFactor, ref rng);
                    break;
                case Initializer.HeUniform:
                    RequireFan(fanIn, nameof(fanIn), initializer);
                    FillUniform(values, Math.Sqrt(6.0 / fanIn), ref rng);
                    break;
                case Initializer.LeCunNormal:
                    RequireFan(fanIn, nameof(fanIn), initializer);
                    FillTruncatedNormal(values, Math.Sqrt(1.0 / fanIn) / TruncatedNormalStddevFactor, ref rng);
                    break;
                case Initializer.LeCunUniform:
                    RequireFan(fanIn, nameof(fanIn), initializer);
                    FillUniform(values, Math.Sqrt(3.0 / fanIn), ref rng);
                    break;
                case Initializer.TruncatedNormal:
                    FillTruncatedNormal(values, Stddev(value, initializer), ref rng);
                    break;
                case Initializer.RandomNormal:
                {
                    double stddev = Stddev(value, initializer);
                    for (int i = 0; i < values.Length; i++)
                        values[i] = (float)(stddev * rng.NextGaussian());
                    break;
                }
                case Initializer.Zeros:
                    values.Clear();
                    break;
                case Initializer.Ones:
                    values.Fill(1f);
                    break;
                case Initializer.Constant:
                    if (!float.IsFinite(value))
                        throw new ArgumentOutOfRangeException(nameof(value), value, "The constant of Initializer.Constant must be finite.");
                    values.Fill(value);
                    break;
                default:
                    throw new ArgumentOutOfRangeException(nameof(initializer), initializer, "Unknown initializer.");
            }
        }

        // U(-limit, limit), as TensorFlow's random_uniform(minval = -limit, maxval = limit): minval + (maxval - minval) * u,
        // u a float in [0, 1) from 24 random bits (TF draws float32 too). The generator is copied into a local so that its
        // state stays in registers over millions of draws, then written back.
        private static void FillUniform(Span<float> values, double limit, ref Rng rng)
        {
            Rng local = rng;
            float low = (float)-limit, width = (float)(2 * limit);
            for (int i = 0; i < values.Length; i++)
                values[i] = low + width * local.NextFloat();
            rng = local;
        }

        // tf.truncated_normal: a standard normal draw outside [-2, 2] is discarded and drawn again (about 4.6% of draws).
        private static void FillTruncatedNormal(Span<float> values, double stddev, ref Rng rng)
        {
            Rng local = rng;
            for (int i = 0; i < values.Length; i++)
            {
                double z;
                do z = local.NextGaussian();
                while (z < -2.0 || z > 2.0);
                values[i] = (float)(stddev * z);
            }
            rng = local;
        }

        private static double Stddev(float value, Initializer initializer)
        {
            if (!(value >= 0) || float.IsInfinity(value))
                throw new ArgumentOutOfRangeException(nameof(value), value,
                    $"The standard deviation of Initializer.{initializer} must be finite and not negative (0 means {DefaultStddev}).");
            return value == 0 ? DefaultStddev : value;
        }

        private static void RequireFan(int fan, string name, Initializer initializer)
        {
            if (fan <= 0)
                throw new ArgumentOutOfRangeException(name, fan, $"Initializer.{initializer} needs a positive {name}.");
        }
    }
}
