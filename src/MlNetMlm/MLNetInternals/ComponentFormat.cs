using Microsoft.ML;

namespace MlNetMlm.MLNetInternals;

/// <summary>
/// Identity and version of one saved component kind in the ML.NET model zip.
/// <paramref name="ModelSignature"/> is ML.NET's 8-character tag; <paramref name="LoaderSignature"/>
/// names the loader registered in <c>LoadableComponents.cs</c>; <paramref name="Version"/> goes up by one
/// whenever the stored layout changes (older layouts are refused with a clear message).
/// </summary>
internal sealed record ComponentFormat(string ModelSignature, string LoaderSignature, uint Version, Type ComponentType)
{
    internal VersionInfo ToVersionInfo() => new(
        modelSignature: ModelSignature,
        verWrittenCur: Version,
        verReadableCur: Version,
        verWeCanReadBack: Version,
        loaderSignature: LoaderSignature,
        loaderAssemblyName: ComponentType.Assembly.FullName);
}
