// Finds and loads the MNIST database of handwritten digits from its four IDX files.
using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;

namespace ModelGen.Data
{
    /// <summary>
    /// The MNIST database (LeCun, Cortes, Burges): 60,000 training and 10,000 test images of 28x28 handwritten digits, read
    /// from its four original IDX files, gzip-compressed or not. Pixels become floats in [0, 1] (byte / 255) laid out NHWC
    /// [28, 28, 1], and labels class indices 0-9, as TensorFlow 1.x's <c>input_data.read_data_sets</c> produces with
    /// <c>one_hot=False</c> (use <see cref="Dataset.Split"/> for its 55,000 / 5,000 validation split).
    /// </summary>
    public static class Mnist
    {
        /// <summary>The height and width of an image.</summary>
        public const int ImageSize = 28;

        /// <summary>The floats per image: 28 x 28 x 1.</summary>
        public const int InputLength = ImageSize * ImageSize;

        /// <summary>The number of classes, the digits 0-9.</summary>
        public const int ClassCount = 10;

        /// <summary>The four file names, without the optional <c>.gz</c>.</summary>
        private static readonly string[] FileNames =
        {
            "train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte",
        };

        /// <summary>
        /// The folder holding the four MNIST files, or null when none does. With <paramref name="directory"/>, only that
        /// folder is considered; otherwise, in order: <c>../shared/data/mnist</c> next to the repository root (the folder
        /// holding <c>ModelGen.sln</c>, found by walking up from the current directory and then from
        /// <see cref="AppContext.BaseDirectory"/>), then <c>./data/mnist</c>.
        /// </summary>
        public static string? FindDirectory(string? directory = null) => Candidates(directory).FirstOrDefault(c => HasFiles(c, FileNames));

        /// <summary>Loads the training and test sets from <see cref="FindDirectory"/>'s folder.</summary>
        /// <exception cref="FileNotFoundException">No folder holds the four files; the message lists where it looked and what to put there.</exception>
        /// <exception cref="IdxFormatException">A file is malformed, or the images and labels do not match.</exception>
        public static (Dataset Train, Dataset Test) Load(string? directory = null)
        {
            string found = Find(directory, FileNames);
            Dataset train = LoadSet(Resolve(found, FileNames[0])!, Resolve(found, FileNames[1])!);
            Dataset test = LoadSet(Resolve(found, FileNames[2])!, Resolve(found, FileNames[3])!);
            return (train, test);
        }

        /// <summary>Loads only the 10,000 test images and labels: a folder with just the two <c>t10k</c> files is enough.</summary>
        /// <exception cref="FileNotFoundException">No folder holds the two test files; the message lists where it looked.</exception>
        /// <exception cref="IdxFormatException">A file is malformed, or the images and labels do not match.</exception>
        public static Dataset LoadTest(string? directory = null)
        {
            string[] names = { FileNames[2], FileNames[3] };
            string found = Find(directory, names);
            return LoadSet(Resolve(found, names[0])!, Resolve(found, names[1])!);
        }

        /// <summary>The first candidate folder holding <paramref name="names"/>, or an exception saying where it looked.</summary>
        private static string Find(string? directory, string[] names)
        {
            List<string> candidates = Candidates(directory).ToList();
            string? found = candidates.FirstOrDefault(c => HasFiles(c, names));
            if (found is not null) return found;
            string places = string.Join("", candidates.Select(c => "\n  " + c + MissingText(c, names)));
            throw new FileNotFoundException(
                $"The MNIST files were not found. Looked in:{places}\nPut the MNIST files " +
                $"({string.Join(", ", names)}, each optionally gzip-compressed with a .gz suffix, as distributed) in one of " +
                "these folders, or pass the folder to Mnist.Load. SyntheticDigits.Generate makes a stand-in dataset without them.");
        }

        private static Dataset LoadSet(string imagesPath, string labelsPath)
        {
            IdxImages images = Idx.ReadImages(imagesPath);
            byte[] labels = Idx.ReadLabels(labelsPath);
            if (images.Rows != ImageSize || images.Columns != ImageSize)
                throw new IdxFormatException(imagesPath, $"MNIST images are {ImageSize}x{ImageSize}, these are {images.Rows}x{images.Columns}");
            if (labels.Length != images.Count)
                throw new IdxFormatException(labelsPath, $"it holds {labels.Length} labels but '{imagesPath}' holds {images.Count} images");
            int[] classes = new int[labels.Length];
            for (int i = 0; i < labels.Length; i++)
            {
                if (labels[i] >= ClassCount) throw new IdxFormatException(labelsPath, $"label {i} is {labels[i]}, not a digit 0-9");
                classes[i] = labels[i];
            }
            return new Dataset(images.ToFloats(), classes, InputLength);
        }

        private static IEnumerable<string> Candidates(string? directory)
        {
            if (directory is not null)
            {
                yield return Path.GetFullPath(directory);
                yield break;
            }
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (string start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
            {
                string? root = FindRepositoryRoot(start);
                if (root is null) continue;
                string candidate = Path.GetFullPath(Path.Combine(root, "..", "shared", "data", "mnist"));
                if (seen.Add(candidate)) yield return candidate;
            }
            string local = Path.GetFullPath(Path.Combine("data", "mnist"));
            if (seen.Add(local)) yield return local;
        }

        private static string? FindRepositoryRoot(string start)
        {
            for (DirectoryInfo? folder = new DirectoryInfo(start); folder is not null; folder = folder.Parent)
                if (File.Exists(Path.Combine(folder.FullName, "ModelGen.sln"))) return folder.FullName;
            return null;
        }

        /// <summary>The path of <paramref name="name"/> in <paramref name="folder"/>, uncompressed or with <c>.gz</c>; null when neither exists.</summary>
        private static string? Resolve(string folder, string name)
        {
            string raw = Path.Combine(folder, name);
            if (File.Exists(raw)) return raw;
            string gz = raw + ".gz";
            return File.Exists(gz) ? gz : null;
        }

        private static bool HasFiles(string folder, string[] names) => names.All(name => Resolve(folder, name) is not null);

        private static string MissingText(string folder, string[] names)
        {
            if (!Directory.Exists(folder)) return " (no such folder)";
            return " (missing " + string.Join(", ", names.Where(n => Resolve(folder, n) is null)) + ")";
        }
    }
}
