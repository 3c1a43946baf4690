// Mnist: discovery, the error that says where to put the files, and a load of the real files when they are present.
using System;
using System.IO;
using System.Linq;
using ModelGen.Data;
using ModelGen.Runtime.Tests.Checkpoints;

namespace ModelGen.Runtime.Tests.Data
{
    /// <summary>A fact that is skipped, saying why, when no MNIST folder is found.</summary>
    public sealed class MnistFactAttribute : FactAttribute
    {
        public MnistFactAttribute()
        {
            if (Mnist.FindDirectory() is null)
                Skip = "The MNIST files were not found (expected in ../shared/data/mnist next to the repository root, or ./data/mnist).";
        }
    }

    public sealed class MnistTests : IDisposable
    {
        private readonly TempFolder folder = new();

        public void Dispose() => folder.Dispose();

        [MnistFact]
        public void RealFiles_LoadWithTheirKnownCountsAndRanges()
        {
            (Dataset train, Dataset test) = Mnist.Load();

            Assert.Equal((60000, 10000), (train.Count, test.Count));
            Assert.Equal(784, train.InputLength);
            Assert.All(train.CountPerClass(), n => Assert.InRange(n, 5000, 7000));
            Assert.Equal(10, test.CountPerClass().Length);
            Assert.Equal((0f, 1f), (train.Inputs.Min(), train.Inputs.Max()));
            // The first training image is a 5 and the first test image a 7 in every copy of MNIST.
            Assert.Equal((5, 7), (train.Labels[0], test.Labels[0]));
        }

        [Fact]
        public void EmptyFolder_FileNotFoundSaysWhereItLookedAndWhatIsMissing()
        {
            Assert.Null(Mnist.FindDirectory(folder.Path));
            var e = Assert.Throws<FileNotFoundException>(() => Mnist.Load(folder.Path));
            Assert.Contains(folder.Path, e.Message);
            Assert.Contains("missing train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte", e.Message);
        }

        [Fact]
        public void FolderOfSmallUncompressedAndCompressedFiles_Loads()
        {
            byte[] pixels = Enumerable.Range(0, 2 * 784).Select(i => (byte)i).ToArray();
            File.WriteAllBytes(folder.File("train-images-idx3-ubyte"), IdxTests.IdxBytes(2051, new[] { 2, 28, 28 }, pixels));
            File.WriteAllBytes(folder.File("train-labels-idx1-ubyte.gz"), IdxTests.Gzip(IdxTests.IdxBytes(2049, new[] { 2 }, new byte[] { 3, 9 })));
            File.WriteAllBytes(folder.File("t10k-images-idx3-ubyte.gz"), IdxTests.Gzip(IdxTests.IdxBytes(2051, new[] { 1, 28, 28 }, new byte[784])));
            File.WriteAllBytes(folder.File("t10k-labels-idx1-ubyte"), IdxTests.IdxBytes(2049, new[] { 1 }, new byte[] { 0 }));

            Assert.Equal(Path.GetFullPath(folder.Path), Mnist.FindDirectory(folder.Path));
            (Dataset train, Dataset test) = Mnist.Load(folder.Path);

            Assert.Equal(new[] { 3, 9 }, train.Labels);
            Assert.Equal(pixels[900] / 255f, train.Inputs[900], 6);
            Assert.Equal(1, test.Count);
        }

        [Fact]
        public void LoadTest_NeedsOnlyTheTestFiles()
        {
            File.WriteAllBytes(folder.File("t10k-images-idx3-ubyte.gz"), IdxTests.Gzip(IdxTests.IdxBytes(2051, new[] { 2, 28, 28 }, Enumerable.Repeat((byte)255, 2 * 784).ToArray())));
            File.WriteAllBytes(folder.File("t10k-labels-idx1-ubyte"), IdxTests.IdxBytes(2049, new[] { 2 }, new byte[] { 7, 2 }));

            Assert.Null(Mnist.FindDirectory(folder.Path)); // the full set is not there
            Dataset test = Mnist.LoadTest(folder.Path);
            Assert.Equal(new[] { 7, 2 }, test.Labels);
            Assert.Equal(1f, test.Inputs[783]);
            var e = Assert.Throws<FileNotFoundException>(() => Mnist.LoadTest(Path.Combine(folder.Path, "nowhere")));
            Assert.Contains("no such folder", e.Message);
        }

        [Fact]
        public void LabelsNotMatchingImages_AreAnIdxFormatException()
        {
            File.WriteAllBytes(folder.File("train-images-idx3-ubyte"), IdxTests.IdxBytes(2051, new[] { 2, 28, 28 }, new byte[2 * 784]));
            File.WriteAllBytes(folder.File("train-labels-idx1-ubyte"), IdxTests.IdxBytes(2049, new[] { 3 }, new byte[] { 1, 2, 3 }));
            File.WriteAllBytes(folder.File("t10k-images-idx3-ubyte"), IdxTests.IdxBytes(2051, new[] { 1, 28, 28 }, new byte[784]));
            File.WriteAllBytes(folder.File("t10k-labels-idx1-ubyte"), IdxTests.IdxBytes(2049, new[] { 1 }, new byte[] { 0 }));

            var e = Assert.Throws<IdxFormatException>(() => Mnist.Load(folder.Path));
            Assert.Contains("3 labels but", e.Message);
        }
    }
}
