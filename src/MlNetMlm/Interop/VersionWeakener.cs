namespace MlNetMlm.Interop;

/// <summary>
/// Makes a copy of a shared library load on a host whose C++ runtime lacks some symbol versions
/// the library asks for, by setting VER_FLG_WEAK on those version requirements. That is safe only
/// when no relocation uses a symbol of such a version (the version is then a link marker, such as
/// GLIBCXX_3.4.32's <c>std::ios_base_library_init()</c>): this is checked, and anything else
/// is refused with an error that names the symbols, never papered over.
/// </summary>
internal static class VersionWeakener
{
    /// <summary>Returns the patched bytes; the only bytes that differ are the flag fields.</summary>
    public static byte[] Weaken(ElfImage image, IReadOnlyCollection<ElfImage.NeededVersion> missing)
    {
        var relocated = image.RelocatedSymbols();
        var copy = image.Bytes.ToArray();
        foreach (var need in missing)
        {
            var used = image.SymbolsWithVersion(need.Index).Where(s => relocated.Contains(s.Index)).Select(s => s.Name).ToList();
            if (used.Count > 0)
                throw new NotSupportedException(
                    $"'{image.Path}' needs {need.Name} from {need.File}, which this system's {need.File} does not provide, " +
                    $"and it really uses symbols of that version ({string.Join(", ", used.Take(5))}). " +
                    $"Install a newer {need.File} (e.g. from a newer distribution) to run TorchSharp here.");
            copy[need.FlagsOffset] = (byte)(copy[need.FlagsOffset] | ElfImage.VerFlagWeak);
        }
        return copy;
    }
}
