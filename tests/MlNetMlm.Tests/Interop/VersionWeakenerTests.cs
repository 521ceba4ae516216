using MlNetMlm.Interop;

namespace MlNetMlm.Tests.Interop;

[TestClass]
public sealed class VersionWeakenerTests
{
    private static ElfImage RealLibTorchSharp()
    {
        var (_, libTorchSharp) = TorchNativeLoader.Locate();
        if (libTorchSharp is null) Assert.Inconclusive("libLibTorchSharp.so not found beside the test binaries (not Linux x64?)");
        return ElfImage.Read(libTorchSharp);
    }

    [TestMethod]
    public void WeakeningTheLinkMarkerVersionChangesExactlyOneByte()
    {
        var image = RealLibTorchSharp();
        var needs = image.NeededVersions();
        Assert.IsTrue(needs.Count > 10, $"expected many version needs, got {needs.Count}");
        var marker = needs.SingleOrDefault(n => n.Name == "GLIBCXX_3.4.32");
        if (marker.Name is null) Assert.Inconclusive("this TorchSharp build does not ask for GLIBCXX_3.4.32");
        Assert.AreEqual("libstdc++.so.6", marker.File);
        Assert.AreEqual(0, marker.Flags & ElfImage.VerFlagWeak);

        var symbols = image.SymbolsWithVersion(marker.Index);
        CollectionAssert.Contains(symbols.Select(s => s.Name).ToList(), "_ZSt21ios_base_library_initv");

        byte[] patched = VersionWeakener.Weaken(image, [marker]);
        byte[] original = image.Bytes.ToArray();
        var differing = Enumerable.Range(0, original.Length).Where(i => original[i] != patched[i]).ToList();
        Assert.AreEqual(1, differing.Count, "exactly one byte must change");
        Assert.AreEqual(marker.FlagsOffset, (long)differing[0]);
        Assert.AreEqual(original[differing[0]] | ElfImage.VerFlagWeak, patched[differing[0]]);

        var reread = ElfImage.FromBytes("patched", patched).NeededVersions().Single(n => n.Name == "GLIBCXX_3.4.32");
        Assert.AreEqual(ElfImage.VerFlagWeak, reread.Flags & ElfImage.VerFlagWeak);
    }

    [TestMethod]
    public void AVersionWhoseSymbolsAreRelocatedIsNeverWeakened()
    {
        var image = RealLibTorchSharp();
        var basic = image.NeededVersions().Single(n => n.Name == "GLIBCXX_3.4");
        var e = Assert.ThrowsExactly<NotSupportedException>(() => VersionWeakener.Weaken(image, [basic]));
        StringAssert.Contains(e.Message, "GLIBCXX_3.4");
    }

    [TestMethod]
    public void HostLibraryDefinitionsAreRead()
    {
        const string libstdcxx = "/usr/lib/x86_64-linux-gnu/libstdc++.so.6";
        if (!File.Exists(libstdcxx)) Assert.Inconclusive($"{libstdcxx} not present");
        var defined = ElfImage.Read(libstdcxx).DefinedVersions();
        Assert.IsTrue(defined.Contains("GLIBCXX_3.4"), "every libstdc++ defines GLIBCXX_3.4");
        Assert.IsTrue(defined.Contains("CXXABI_1.3"));
    }

    [TestMethod]
    public void NonElfInputGivesAClearError()
    {
        var e = Assert.ThrowsExactly<InvalidDataException>(() => ElfImage.FromBytes("notes.txt", "hello, this is not a library"u8.ToArray()));
        StringAssert.Contains(e.Message, "notes.txt");
        StringAssert.Contains(e.Message, "ELF magic");
    }

    [TestMethod]
    public void TruncatedElfGivesAClearError()
    {
        var image = RealLibTorchSharp();
        var truncated = image.Bytes[..4096].ToArray();
        var e = Assert.ThrowsExactly<InvalidDataException>(() => ElfImage.FromBytes("cut.so", truncated));
        StringAssert.Contains(e.Message, "cut.so");
        StringAssert.Contains(e.Message, "outside the file");
    }
}
