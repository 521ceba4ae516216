using System.Runtime.InteropServices;

namespace MlNetMlm.Interop;

/// <summary>
/// Keeps the C heap's freed memory in the process while training runs. libtorch allocates every tensor
/// with malloc, and glibc hands each block above its mmap threshold (at most 32 MiB) straight back to the
/// kernel when it is freed. A training step frees and re-allocates the same large tensors every step
/// (the word-embedding table's gradient and its low-precision copies are 77–154 MB each for a
/// distilroberta-sized vocabulary), so each step paid again for hundreds of thousands of page faults and
/// the kernel zeroing those pages: about a fifth of a bf16 step's CPU time in a profile
/// (<c>perf record</c> of <c>bench train</c>, see bench/README.md). Inside a scope, large blocks come from
/// the heap and freed memory stays there for the next step; when the last scope ends, glibc's limits are
/// put back and the memory is returned (<c>malloc_trim</c>). This holds fully on the process's main thread
/// (the CLI, a console app's <c>Main</c>); a thread with an arena of its own still gets blocks over 64 MiB
/// mapped, so there only the smaller ones are kept. Elsewhere than glibc (Windows, macOS, musl) this does nothing.
/// </summary>
internal static partial class NativeHeap
{
    // mallopt parameters (glibc's malloc.h).
    private const int TrimThreshold = -1, MmapMax = -4;
    private const int DefaultMmapMax = 65536, DefaultTrimThreshold = 128 * 1024;

    private static readonly object Gate = new();
    private static int s_depth;
    private static bool? s_available;

    /// <summary>Whether a scope is open (for tests: a run that ends, however it ends, must close its scope).</summary>
    internal static bool Retaining
    {
        get { lock (Gate) return s_depth > 0; }
    }

    /// <summary>Retains freed native memory until the returned scope is disposed (scopes nest; thread-safe).</summary>
    public static IDisposable RetainFreedMemory()
    {
        lock (Gate)
        {
            if (s_depth++ == 0 && Available())
            {
                // No mmap for large blocks (they come from the heap and are reused) and no trimming of the heap's top.
                Mallopt(MmapMax, 0);
                Mallopt(TrimThreshold, int.MaxValue);
            }
        }
        return new Scope();
    }

    private static void Release()
    {
        lock (Gate)
        {
            if (--s_depth > 0 || !Available()) return;
            Mallopt(MmapMax, DefaultMmapMax);
            Mallopt(TrimThreshold, DefaultTrimThreshold);
            MallocTrim(0);
        }
    }

    private static bool Available()
    {
        if (s_available is { } known) return known;
        bool ok = false;
        if (OperatingSystem.IsLinux())
        {
            try { ok = GnuLibcVersion() != IntPtr.Zero; }        // glibc only: musl's mallopt ignores these
            catch (EntryPointNotFoundException) { }
            catch (DllNotFoundException) { }
        }
        s_available = ok;
        return ok;
    }

    private sealed class Scope : IDisposable
    {
        private int _disposed;
        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0) Release();
        }
    }

    [LibraryImport("libc", EntryPoint = "mallopt")]
    private static partial int Mallopt(int parameter, int value);

    [LibraryImport("libc", EntryPoint = "malloc_trim")]
    private static partial int MallocTrim(nuint pad);

    [LibraryImport("libc", EntryPoint = "gnu_get_libc_version")]
    private static partial IntPtr GnuLibcVersion();
}
