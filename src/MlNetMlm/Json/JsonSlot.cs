namespace MlNetMlm.Json;

/// <summary>The parsed value of one column for the current row; which member is used depends on the column's kind.</summary>
internal sealed class JsonSlot
{
    /// <summary>
    /// Whether the value is kept. An inactive column's values are still checked against its kind (so a
    /// line is bad or good whatever columns are read) but not decoded into strings and lists.
    /// </summary>
    public bool Active = true;

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
