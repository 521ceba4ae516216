namespace MlNetMlm.Json;

/// <summary>The parsed value of one column for the current row; which member is used depends on the column's kind.</summary>
internal sealed class JsonSlot
{
    public ReadOnlyMemory<char> Text;

    public double Number = double.NaN;

    public bool Boolean;

    public readonly List<ReadOnlyMemory<char>> Texts = [];

    public readonly List<double> Numbers = [];

    /// <summary>Back to the value of a missing field.</summary>
    public void Clear()
    {
        Text = default;
        Number = double.NaN;
        Boolean = false;
        Texts.Clear();
        Numbers.Clear();
    }
}
