using System;

namespace ModelGen
{
    /// <summary>
    /// Marks a partial class as a model. The layer attributes on the same declaration, in declaration order,
    /// describe the network; the generator emits the class's other half.
    /// </summary>
    [AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
    public sealed class ModelAttribute : Attribute
    {
        /// <summary>The largest number of samples one batched call processes; buffers are sized for it. Default 32.</summary>
        public int BatchSize { get; set; } = 32;

        /// <summary>The seed of the generator that initializes variables and draws dropout masks. Default 0.</summary>
        public int Seed { get; set; }
    }

    /// <summary>The shape of one input sample: a vector of a length, or an image of height, width and channels (NHWC).</summary>
    [AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
    public sealed class InputAttribute : Attribute
    {
        /// <summary>A flat input of <paramref name="length"/> features.</summary>
        public InputAttribute(int length) => Shape = new[] { length };

        /// <summary>An image input, height by width by channels, as TensorFlow's NHWC.</summary>
        public InputAttribute(int height, int width, int channels) => Shape = new[] { height, width, channels };

        /// <summary>The shape of one sample.</summary>
        public int[] Shape { get; }
    }
}

namespace ModelGen
{
    /// <summary>
    /// Bakes trained weights into the model: the generator checks the safetensors file's names, shapes and dtypes against
    /// the model at compile time (a mismatch is a build error naming the variable and both shapes), and the constructor
    /// loads the variables from the assembly, with no file access. The project lists the file twice:
    /// <c>&lt;AdditionalFiles Include="mnist-cnn.safetensors" /&gt;</c> (for the check) and
    /// <c>&lt;EmbeddedResource Include="mnist-cnn.safetensors" LogicalName="mnist-cnn.safetensors" /&gt;</c> (the data).
    /// </summary>
    [System.AttributeUsage(System.AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
    public sealed class WeightsAttribute : System.Attribute
    {
        /// <summary>Bakes the weights of the file named <paramref name="fileName"/> (matched by file name among the AdditionalFiles).</summary>
        public WeightsAttribute(string fileName) => FileName = fileName;

        /// <summary>The safetensors file's name, also the embedded resource's logical name.</summary>
        public string FileName { get; }
    }
}
