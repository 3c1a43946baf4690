// The options of Checkpoint.Save and Checkpoint.Load: metadata and optimizer state to write, and which tensors to
// restore under which names.
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

        /// <summary>
        /// The optimizer whose state to save with the model, so that training can resume exactly where it stopped (as
        /// TensorFlow 1.x's <c>tf.train.Saver</c> saves the optimizer's slot variables and <c>global_step</c>). Written are:
        /// each slot of each trainable variable as <c>optimizer/&lt;slot&gt;/&lt;variable&gt;</c> (F32, the variable's
        /// shape, e.g. <c>optimizer/m/fc1/kernel</c>); the step count <see cref="ModelGen.Optimizer.Iterations"/> as
        /// <c>optimizer/iterations</c> (I64, shape [], a scalar); and the metadata entry <c>modelgen.optimizer</c>, a JSON
        /// object with the optimizer's type name and hyper-parameters. An optimizer that has not been used yet is bound to
        /// the model's arena first (its slots then hold their initial values). Null (the default) saves the model only.
        /// <para>
        /// What a checkpoint does not hold: the model's own random stream, from which <c>Dropout</c> layers draw their
        /// masks, and the state of a learning-rate schedule beyond the step count. A resumed run equals an uninterrupted
        /// one bitwise only for models without dropout (and schedules that are functions of the step).
        /// </para>
        /// </summary>
        public Optimizer? Optimizer { get; init; }
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

        /// <summary>
        /// The optimizer to restore from the file's optimizer state (see <see cref="CheckpointOptions.Optimizer"/>), to resume
        /// training exactly. The file's <c>modelgen.optimizer</c> type must be this optimizer's type (its hyper-parameters
        /// are not compared: this optimizer keeps its own), and every slot of every selected trainable variable must be
        /// present with the variable's shape, as must <c>optimizer/iterations</c> (I64, shape []). The optimizer is then
        /// bound to the model's arena (<c>Bind(model.Parameters.Length)</c>), its slots for those variables are overwritten
        /// (the rest keep their values) and <see cref="ModelGen.Optimizer.Iterations"/> is set; all of it only after the
        /// whole file was validated and read, so a failed load changes neither the model nor the optimizer. Slot tensors
        /// follow <see cref="Include"/> and <see cref="Rename"/> (applied to their variable part) and are never transposed;
        /// combining this with <see cref="PyTorchLayout"/> is an error. Null (the default) ignores every tensor whose name
        /// starts with <c>optimizer/</c>.
        /// </summary>
        public Optimizer? Optimizer { get; init; }
    }
}
