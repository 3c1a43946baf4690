// The options of Checkpoint.Save and Checkpoint.Load: metadata to write, and which tensors to restore under which names.
using System.Collections.Generic;

namespace ModelGen.Checkpoints
{
    /// <summary>What <see cref="Checkpoint.Save(IModel, string, CheckpointOptions?)"/> writes besides the variables.</summary>
    public sealed class CheckpointOptions
    {
        /// <summary>The training step, written as the metadata entry <c>modelgen.step</c> (TensorFlow's <c>global_step</c>); omitted when null.</summary>
        public long? Step { get; init; }

        /// <summary>
        /// Extra string entries for the file's <c>__metadata__</c> map. Keys starting with <c>modelgen.</c> are reserved
        /// for the entries the runtime writes (<c>modelgen.format</c>, <c>modelgen.model</c>, <c>modelgen.step</c>).
        /// </summary>
        public IReadOnlyDictionary<string, string>? Metadata { get; init; }
    }

    /// <summary>
    /// How <see cref="Checkpoint.Load(IModel, string, LoadOptions?)"/> matches the tensors of a file to the variables of a
    /// model. The default is strict: every model variable must be in the file with its exact shape, and every tensor of the
    /// file must be a model variable.
    /// </summary>
    public sealed class LoadOptions
    {
        /// <summary>
        /// A regular expression (matched against the whole name, after <see cref="Rename"/>) selecting the model variables
        /// to restore, e.g. <c>hidden[123]/.*</c>; the others keep their values and their tensors in the file are ignored.
        /// Like TensorFlow's <c>tf.train.Saver(var_list)</c> for reusing lower layers. Null restores every variable.
        /// Tensors that match no model variable at all are still an error unless <see cref="IgnoreUnknown"/> is set.
        /// </summary>
        public string? Include { get; init; }

        /// <summary>Tensors of the file that match no model variable are ignored instead of being an error.</summary>
        public bool IgnoreUnknown { get; init; }

        /// <summary>
        /// File name to model name: <c>"hidden1/kernel" -&gt; "fc1/kernel"</c>. A key ending with <c>/</c> renames a prefix
        /// (<c>"hidden1/" -&gt; "fc1/"</c>, and then its value must end with <c>/</c> too); an exact key wins over a prefix,
        /// and the longest prefix wins over shorter ones.
        /// </summary>
        public IReadOnlyDictionary<string, string>? Rename { get; init; }

        /// <summary>
        /// The file's kernels are in PyTorch's layout and are transposed on load: dense <c>[out, in]</c> to
        /// <c>[in, out]</c>, convolution <c>[out, in, kh, kw]</c> to <c>[kh, kw, in, out]</c>. Only variables of kind
        /// <see cref="VariableKind.Kernel"/> with rank 2 or 4 are transposed.
        /// </summary>
        public bool PyTorchLayout { get; init; }
    }
}
