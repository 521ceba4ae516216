using System.Runtime.InteropServices;
using MlNetMlm.Interop;
using static TorchSharp.torch;

namespace MlNetMlm.Tests.Interop;

/// <summary>
/// Inside <see cref="NativeHeap.RetainFreedMemory"/> a large tensor comes from the heap instead of a fresh
/// mapping (so freeing it keeps the pages for the next step); outside, glibc maps it as before. Read through
/// glibc's own accounting (<c>mallinfo2</c>: <c>hblks</c> counts the blocks mapped on their own).
/// </summary>
[TestClass]
public sealed class NativeHeapTests
{
    [TestMethod]
    public void LargeTensorsComeFromTheHeapOnlyInsideTheScope()
    {
        if (!OperatingSystem.IsLinux() || !IsGlibc())
            Assert.Inconclusive("glibc's malloc is not this process's allocator: the scope does nothing here.");
        TorchRuntime.EnsureLoaded();
        // Outside a scope: a block larger than every free chunk of the heap (earlier tests leave some behind, and
        // malloc reuses them before mapping anything) and above the largest mmap threshold glibc allows (32 MiB).
        // Inside: 48 MiB, which a thread other than the main one can take from its arena's heap (64 MiB heaps;
        // larger blocks are always mapped there).
        long MappedWith(Func<IDisposable?> scope, bool inside)
        {
            using var s = scope();
            var before = MallInfo();
            long bytes = inside ? 48L << 20 : Math.Max(48L << 20, before.FreeBytes + (8L << 20));
            using var big = empty(bytes, ScalarType.Byte);
            return MallInfo().MappedBlocks - before.MappedBlocks;
        }
        Assert.AreEqual(1, MappedWith(() => null, inside: false), "outside a scope a large tensor is mapped on its own");
        Assert.AreEqual(0, MappedWith(NativeHeap.RetainFreedMemory, inside: true), "inside the scope it comes from the heap");
        using (NativeHeap.RetainFreedMemory())
        {
            Assert.AreEqual(0, MappedWith(NativeHeap.RetainFreedMemory, inside: true), "scopes nest: an inner scope's end keeps the outer one's setting");
            Assert.AreEqual(0, MappedWith(() => null, inside: true));
        }
        Assert.IsFalse(NativeHeap.Retaining);
        Assert.AreEqual(1, MappedWith(() => null, inside: false), "the last scope's end puts glibc's limits back");
    }

    private static bool IsGlibc()
    {
        try { return GnuLibcVersion() != IntPtr.Zero; }
        catch (EntryPointNotFoundException) { return false; }
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct MallInfo2
    {
        public nuint arena, ordblks, smblks, hblks, hblkhd, usmblks, fsmblks, uordblks, fordblks, keepcost;
    }

    /// <summary>Blocks mapped on their own, and the free bytes in the heaps (every arena).</summary>
    private static (long MappedBlocks, long FreeBytes) MallInfo()
    {
        var info = MallInfo2Native();
        return ((long)info.hblks, (long)info.fordblks);
    }

    [DllImport("libc", EntryPoint = "mallinfo2")]
    private static extern MallInfo2 MallInfo2Native();

    [DllImport("libc", EntryPoint = "gnu_get_libc_version")]
    private static extern IntPtr GnuLibcVersion();
}
