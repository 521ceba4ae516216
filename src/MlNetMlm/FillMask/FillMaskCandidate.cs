namespace MlNetMlm.FillMask;

/// <summary>One candidate for one mask, as HF's fill-mask pipeline reports it.</summary>
/// <param name="Score">Probability of the token at the mask.</param>
/// <param name="Token">Token id.</param>
/// <param name="TokenStr">The token decoded on its own (e.g. <c>" spiral"</c>).</param>
/// <param name="Sequence">The input with this mask filled (special tokens kept when the text has several masks, as HF).</param>
public sealed record FillMaskCandidate(float Score, int Token, string TokenStr, string Sequence);
