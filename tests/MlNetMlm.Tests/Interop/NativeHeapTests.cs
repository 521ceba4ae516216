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
        long MappedWith(Func<IDisposable?> scope)
        {
            using var s = scope();
            long before = MallInfo().hblks;
            // 48 MiB: above the largest mmap threshold glibc allows (32 MiB), below the heap size of the arena a
            // thread other than the main one allocates from (64 MiB; larger blocks are always mapped there).
            using var big = empty(48L << 20, ScalarType.Byte);
            return MallInfo().hblks - before;
        }
        Assert.AreEqual(1, MappedWith(() => null), "outside a scope a 48 MiB tensor is mapped on its own");
        Assert.AreEqual(0, MappedWith(NativeHeap.RetainFreedMemory), "inside the scope it comes from the heap");
        using (NativeHeap.RetainFreedMemory())
        {
            Assert.AreEqual(0, MappedWith(NativeHeap.RetainFreedMemory), "scopes nest: an inner scope's end keeps the outer one's setting");
            Assert.AreEqual(0, MappedWith(() => null));
        }
        Assert.AreEqual(1, MappedWith(() => null), "the last scope's end puts glibc's limits back");
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

    private static (long hblks, long hblkhd) MallInfo()
    {
        var info = MallInfo2Native();
        return ((long)info.hblks, (long)info.hblkhd);
    }

    [DllImport("libc", EntryPoint = "mallinfo2")]
    private static extern MallInfo2 MallInfo2Native();

    [DllImport("libc", EntryPoint = "gnu_get_libc_version")]
    private static extern IntPtr GnuLibcVersion();
}
