using System.Buffers.Binary;
using System.Text;

namespace MlNetMlm.Interop;

/// <summary>
/// Just enough of an ELF64 little-endian reader to inspect and adjust symbol versioning:
/// section headers, .gnu.version_r (needed versions), .gnu.version_d (defined versions),
/// .dynsym with .gnu.version, and the RELA relocation tables. Every offset is bounds-checked;
/// anything unexpected throws <see cref="InvalidDataException"/> naming the file.
/// </summary>
internal sealed class ElfImage
{
    private const uint ShtRela = 4;
    private const uint ShtDynsym = 11;
    private const uint ShtGnuVerdef = 0x6ffffffd;
    private const uint ShtGnuVerneed = 0x6ffffffe;
    private const uint ShtGnuVersym = 0x6fffffff;

    /// <summary>Flag in <c>Vernaux.vna_flags</c>: a missing version is not an error.</summary>
    public const ushort VerFlagWeak = 0x2;

    private readonly byte[] _data;
    private readonly List<Section> _sections = new();

    public string Path { get; }

    public ReadOnlySpan<byte> Bytes => _data;

    private ElfImage(string path, byte[] data)
    {
        Path = path;
        _data = data;
        ParseSections();
    }

    public static ElfImage Read(string path) => new(path, File.ReadAllBytes(path));

    public static ElfImage FromBytes(string path, byte[] data) => new(path, data);

    private readonly record struct Section(uint Type, long Offset, long Size, uint Link, uint Info, long EntrySize);

    /// <summary>One <c>Vernaux</c> entry: a version the file needs from <see cref="File"/>.</summary>
    public readonly record struct NeededVersion(string File, string Name, ushort Flags, ushort Index, long FlagsOffset);

    private InvalidDataException Bad(string what) =>
        new($"'{Path}' is not an ELF64 little-endian shared library as expected: {what}.");

    private void Check(long offset, long length, string what)
    {
        if (offset < 0 || length < 0 || offset > _data.Length || length > _data.Length - offset)
            throw Bad($"{what} lies outside the file (offset {offset}, length {length}, file size {_data.Length})");
    }

    private ushort U16(long at) { Check(at, 2, "a field"); return BinaryPrimitives.ReadUInt16LittleEndian(_data.AsSpan((int)at)); }
    private uint U32(long at) { Check(at, 4, "a field"); return BinaryPrimitives.ReadUInt32LittleEndian(_data.AsSpan((int)at)); }
    private long I64(long at)
    {
        Check(at, 8, "a field");
        ulong v = BinaryPrimitives.ReadUInt64LittleEndian(_data.AsSpan((int)at));
        if (v > int.MaxValue) throw Bad($"value {v} at offset {at} is too large");
        return (long)v;
    }

    private void ParseSections()
    {
        if (_data.Length < 64 || _data[0] != 0x7f || _data[1] != (byte)'E' || _data[2] != (byte)'L' || _data[3] != (byte)'F')
            throw Bad("missing the ELF magic number");
        if (_data[4] != 2) throw Bad("not a 64-bit ELF file (EI_CLASS != ELFCLASS64)");
        if (_data[5] != 1) throw Bad("not little-endian (EI_DATA != ELFDATA2LSB)");
        if (U16(0x10) != 3) throw Bad("not a shared object (e_type != ET_DYN)");

        long shoff = I64(0x28);
        int shentsize = U16(0x3A);
        int shnum = U16(0x3C);
        if (shentsize != 64) throw Bad($"section header size is {shentsize}, expected 64");
        Check(shoff, (long)shnum * shentsize, "the section header table");
        for (int i = 0; i < shnum; i++)
        {
            long h = shoff + (long)i * shentsize;
            var s = new Section(U32(h + 4), I64(h + 0x18), I64(h + 0x20), U32(h + 0x28), U32(h + 0x2C), I64(h + 0x38));
            if (s.Type != 8 /* SHT_NOBITS */) Check(s.Offset, s.Size, $"section {i}");
            _sections.Add(s);
        }
    }

    private string CString(Section strtab, long index)
    {
        if (index < 0 || index >= strtab.Size) throw Bad($"string index {index} outside its string table");
        long start = strtab.Offset + index;
        long end = start;
        long limit = strtab.Offset + strtab.Size;
        while (end < limit && _data[end] != 0) end++;
        if (end == limit) throw Bad("unterminated string in a string table");
        return Encoding.ASCII.GetString(_data, (int)start, (int)(end - start));
    }

    private Section LinkedSection(Section s)
    {
        if (s.Link >= _sections.Count) throw Bad($"section link {s.Link} out of range");
        return _sections[(int)s.Link];
    }

    /// <summary>All <c>Vernaux</c> entries of <c>.gnu.version_r</c>.</summary>
    public IReadOnlyList<NeededVersion> NeededVersions()
    {
        var result = new List<NeededVersion>();
        foreach (var s in _sections.Where(x => x.Type == ShtGnuVerneed))
        {
            var strtab = LinkedSection(s);
            long entry = s.Offset;
            for (uint n = 0; n < s.Info; n++)
            {
                Check(entry, 16, "a Verneed entry");
                if (U16(entry) != 1) throw Bad($"Verneed version {U16(entry)} at offset {entry}, expected 1");
                int count = U16(entry + 2);
                string file = CString(strtab, U32(entry + 4));
                long aux = entry + U32(entry + 8);
                for (int a = 0; a < count; a++)
                {
                    Check(aux, 16, "a Vernaux entry");
                    result.Add(new NeededVersion(file, CString(strtab, U32(aux + 8)), U16(aux + 4), U16(aux + 6), aux + 4));
                    uint nextAux = U32(aux + 12);
                    if (nextAux == 0) break;
                    aux += nextAux;
                }
                uint next = U32(entry + 12);
                if (next == 0) break;
                entry += next;
            }
        }
        return result;
    }

    /// <summary>Names of the versions this file defines in <c>.gnu.version_d</c> (e.g. GLIBCXX_3.4.30).</summary>
    public IReadOnlySet<string> DefinedVersions()
    {
        var result = new HashSet<string>(StringComparer.Ordinal);
        foreach (var s in _sections.Where(x => x.Type == ShtGnuVerdef))
        {
            var strtab = LinkedSection(s);
            long entry = s.Offset;
            for (uint n = 0; n < s.Info; n++)
            {
                Check(entry, 20, "a Verdef entry");
                int count = U16(entry + 6);
                long aux = entry + U32(entry + 12);
                if (count > 0)
                {
                    Check(aux, 8, "a Verdaux entry");
                    result.Add(CString(strtab, U32(aux))); // the first Verdaux names the version itself
                }
                uint next = U32(entry + 16);
                if (next == 0) break;
                entry += next;
            }
        }
        return result;
    }

    /// <summary>Names of the dynamic symbols bound to the given version index.</summary>
    public IReadOnlyList<(int Index, string Name)> SymbolsWithVersion(ushort versionIndex)
    {
        var dynsym = _sections.FirstOrDefault(x => x.Type == ShtDynsym);
        var versym = _sections.FirstOrDefault(x => x.Type == ShtGnuVersym);
        if (dynsym.Type == 0 || versym.Type == 0) throw Bad("no .dynsym or .gnu.version section");
        var strtab = LinkedSection(dynsym);
        long count = dynsym.Size / 24;
        if (versym.Size / 2 != count) throw Bad(".gnu.version and .dynsym have different lengths");
        var result = new List<(int, string)>();
        for (int i = 0; i < count; i++)
        {
            if ((U16(versym.Offset + 2L * i) & 0x7fff) == versionIndex)
                result.Add((i, CString(strtab, U32(dynsym.Offset + 24L * i))));
        }
        return result;
    }

    /// <summary>Indices of the dynamic symbols that any RELA relocation against .dynsym refers to.</summary>
    public IReadOnlySet<int> RelocatedSymbols()
    {
        var result = new HashSet<int>();
        int dynsymIndex = _sections.FindIndex(x => x.Type == ShtDynsym);
        foreach (var s in _sections.Where(x => x.Type == ShtRela && x.Link == dynsymIndex))
        {
            for (long at = s.Offset; at + 24 <= s.Offset + s.Size; at += 24)
            {
                Check(at + 8, 8, "a relocation");
                ulong info = BinaryPrimitives.ReadUInt64LittleEndian(_data.AsSpan((int)(at + 8)));
                result.Add((int)(info >> 32));
            }
        }
        return result;
    }
}
