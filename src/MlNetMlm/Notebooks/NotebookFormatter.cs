namespace MlNetMlm.Notebooks;

/// <summary>
/// How a notebook should show values of one type: <paramref name="Format"/> turns a value into text of
/// <paramref name="MimeType"/>. MlNetMlm has no dependency on .NET Interactive; the package's kernel
/// extension (<c>interactive-extensions/dotnet/extension.dib</c>) hands each entry of
/// <see cref="NotebookFormatters.All"/> to the kernel's <c>Formatter.Register</c>.
/// </summary>
/// <param name="Type">The type shown (values of derived types too).</param>
/// <param name="MimeType">Usually <c>text/html</c>.</param>
/// <param name="Format">Writes one value; receives values of <paramref name="Type"/> only.</param>
public sealed record NotebookFormatter(Type Type, string MimeType, Func<object, string> Format)
{
    /// <summary>An HTML formatter for <typeparamref name="T"/>.</summary>
    public static NotebookFormatter Html<T>(Func<T, string> format) where T : notnull =>
        new(typeof(T), "text/html", value => format((T)value));
}
