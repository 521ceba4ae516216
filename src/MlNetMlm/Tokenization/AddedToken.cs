namespace MlNetMlm.Tokenization;

/// <summary>
/// A token that is matched in the raw text before any word splitting (for RoBERTa: <c>&lt;s&gt;</c>,
/// <c>&lt;pad&gt;</c>, <c>&lt;/s&gt;</c>, <c>&lt;unk&gt;</c>, <c>&lt;mask&gt;</c>), as Hugging Face's added tokens are.
/// </summary>
/// <param name="Content">The exact text of the token.</param>
/// <param name="Id">Its id.</param>
/// <param name="LeftStrip">Whitespace right before the token is swallowed by it (RoBERTa's <c>&lt;mask&gt;</c>).</param>
/// <param name="RightStrip">Whitespace right after the token is swallowed by it.</param>
/// <param name="IsSpecial">A control token (skipped when decoding with <c>skipSpecialTokens</c>).</param>
internal sealed record AddedToken(string Content, int Id, bool LeftStrip = false, bool RightStrip = false, bool IsSpecial = true);
