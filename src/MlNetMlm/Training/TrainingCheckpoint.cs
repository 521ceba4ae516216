using System.Globalization;
using System.Text.Json;
using MlNetMlm.Modeling;
using MlNetMlm.Tokenization;
using TorchSharp;

namespace MlNetMlm.Training;

/// <summary>
/// Checkpoint folders <c>checkpoint-STEP</c>: a Hugging Face model folder (Python can load it as it is)
/// plus <c>optimizer.bin</c> (AdamW moments and step counts) and <c>trainer_state.json</c> (position,
/// RNG state, metrics). Each is written to a temporary folder and renamed into place, so a crash
/// never leaves a half-written checkpoint, and only then are the oldest pruned.
/// </summary>
internal static class TrainingCheckpoint
{
    public const string OptimizerFile = "optimizer.bin";
    public const string StateFile = "trainer_state.json";
    private const string Prefix = "checkpoint-";

    public static string Save(string root, RobertaForMaskedLM model, RobertaTokenizer tokenizer, torch.optim.Optimizer optimizer, TrainerState state, int keep)
    {
        Directory.CreateDirectory(root);
        string target = Path.Combine(root, Prefix + state.GlobalStep.ToString(CultureInfo.InvariantCulture));
        model.SavePretrained(target, new CheckpointSaveOptions
        {
            Overwrite = true,
            Tokenizer = tokenizer,
            ModelName = Path.GetFileName(target),
            ExtraFiles =
            [
                (OptimizerFile, stream =>
                {
                    using var writer = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true);
                    ((TorchSharp.Modules.OptimizerHelper)optimizer).save_state_dict(writer);
                    writer.Flush();
                }),
                (StateFile, stream => JsonSerializer.Serialize(stream, state, TrainingJsonContext.Default.TrainerState)),
            ],
        });
        Prune(root, keep);
        return target;
    }

    /// <summary>The checkpoint folders under <paramref name="root"/>, oldest first.</summary>
    public static List<(long Step, string Path)> List(string root) =>
        !Directory.Exists(root) ? [] :
        Directory.EnumerateDirectories(root, Prefix + "*")
            .Select(d => (Ok: long.TryParse(Path.GetFileName(d).AsSpan(Prefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out long step), Step: step, Path: d))
            .Where(x => x.Ok && File.Exists(Path.Combine(x.Path, StateFile)))
            .Select(x => (x.Step, x.Path))
            .OrderBy(x => x.Step)
            .ToList();

    private static void Prune(string root, int keep)
    {
        var all = List(root);
        for (int i = 0; i < all.Count - Math.Max(1, keep); i++)
            Directory.Delete(all[i].Path, recursive: true);
    }

    /// <summary>A checkpoint folder from a path, or <c>latest</c> for the newest under <paramref name="root"/>.</summary>
    public static string Resolve(string spec, string? root)
    {
        if (string.Equals(spec, "latest", StringComparison.OrdinalIgnoreCase))
        {
            if (root is null) throw new ArgumentException("ResumeFromCheckpoint = \"latest\" needs CheckpointDirectory.");
            var all = List(root);
            if (all.Count == 0) throw new DirectoryNotFoundException($"No checkpoint-* folder with {StateFile} in '{root}' to resume from.");
            return all[^1].Path;
        }
        if (!File.Exists(Path.Combine(spec, StateFile)))
            throw new FileNotFoundException($"'{spec}' is not a training checkpoint: it has no {StateFile}.", Path.Combine(spec, StateFile));
        return spec;
    }

    public static TrainerState ReadState(string checkpoint)
    {
        string path = Path.Combine(checkpoint, StateFile);
        TrainerState? state;
        try
        {
            state = JsonSerializer.Deserialize(File.ReadAllBytes(path), TrainingJsonContext.Default.TrainerState);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: not a valid trainer state ({e.Message}).", e);
        }
        if (state is null || state.FormatVersion != TrainerState.CurrentFormat)
            throw new InvalidDataException($"{path}: trainer state format {state?.FormatVersion} is not the supported {TrainerState.CurrentFormat}.");
        return state;
    }

    /// <summary>Loads optimizer.bin into <paramref name="optimizer"/>; a damaged file is an error naming it and what was expected.</summary>
    public static void LoadOptimizer(string checkpoint, torch.optim.Optimizer optimizer)
    {
        string path = Path.Combine(checkpoint, OptimizerFile);
        if (!File.Exists(path)) throw new InvalidDataException($"{path} is missing; a training checkpoint holds the optimizer state there.");
        try
        {
            using var stream = File.OpenRead(path);
            if (stream.Length == 0) throw new EndOfStreamException("the file is empty");
            using var reader = new BinaryReader(stream);
            ((TorchSharp.Modules.OptimizerHelper)optimizer).load_state_dict(reader);
            if (stream.Position != stream.Length) throw new InvalidDataException($"{stream.Length - stream.Position} bytes are left over after the optimizer state");
        }
        catch (Exception e) when (e is EndOfStreamException or InvalidDataException or IOException or ArgumentException or FormatException
                                  or InvalidCastException or OverflowException or OutOfMemoryException or IndexOutOfRangeException or System.Runtime.InteropServices.ExternalException)
        {
            throw new InvalidDataException($"{path}: not the AdamW state this trainer writes for this model (step counts and two moment tensors per parameter): {Modeling.CheckpointReader.FirstLine(e.Message)}.", e);
        }
    }

    /// <summary>The RNG state stored in trainer_state.json, decoded.</summary>
    public static byte[] RngBytes(string checkpoint, TrainerState state)
    {
        try
        {
            return Convert.FromBase64String(state.RngState);
        }
        catch (FormatException e)
        {
            throw new InvalidDataException($"{Path.Combine(checkpoint, StateFile)}: rng_state is not base64 ({e.Message}).", e);
        }
    }

    /// <summary>
    /// After <paramref name="failed"/> could not be resumed: names the newest earlier checkpoint whose files read
    /// (trainer state, RNG state, safetensors header, a non-empty optimizer.bin), or says there is none.
    /// </summary>
    public static string IntactHint(string failed, string? root)
    {
        root ??= Path.GetDirectoryName(Path.GetFullPath(failed));
        if (root is null) return "";
        string failedFull = Path.GetFullPath(failed).TrimEnd(Path.DirectorySeparatorChar);
        foreach (var (_, path) in List(root).AsEnumerable().Reverse())
        {
            if (Path.GetFullPath(path).TrimEnd(Path.DirectorySeparatorChar) == failedFull) continue;
            try
            {
                RngBytes(path, ReadState(path));
                SafetensorsFile.ReadHeader(Path.Combine(path, RobertaCheckpoint.SafetensorsFileName));
                RobertaConfig.Load(Path.Combine(path, RobertaCheckpoint.ConfigFile));
                if (new FileInfo(Path.Combine(path, OptimizerFile)) is not { Exists: true, Length: > 0 }) continue;
                return $" The earlier checkpoint '{path}' reads intact: resume from it with ResumeFromCheckpoint = that path (mlnet-mlm train --resume '{path}').";
            }
            catch (Exception e) when (e is InvalidDataException or IOException or FormatException)
            {
            }
        }
        return " No earlier checkpoint in '" + root + "' reads intact.";
    }
}
