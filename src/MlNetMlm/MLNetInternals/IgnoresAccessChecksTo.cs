// MlNetMlm stores its components in ML.NET's model zip with ML.NET's own save/load machinery
// (ModelSaveContext.Writer, SaveBinaryStream, LoadableClass, VersionInfo), which is internal:
// public API cannot save a third-party transformer's state. The compiler sees publicized copies of
// Microsoft.ML.Core and Microsoft.ML.Data (src/build/MLNetInternals.targets); this attribute tells the
// runtime to allow the calls. Every use of those internals stays in this folder.
[assembly: System.Runtime.CompilerServices.IgnoresAccessChecksTo("Microsoft.ML.Core")]
[assembly: System.Runtime.CompilerServices.IgnoresAccessChecksTo("Microsoft.ML.Data")]

namespace System.Runtime.CompilerServices
{
    /// <summary>Honoured by the .NET runtime: lets this assembly use non-public members of the named assembly.</summary>
    [AttributeUsage(AttributeTargets.Assembly, AllowMultiple = true)]
    internal sealed class IgnoresAccessChecksToAttribute : Attribute
    {
        public IgnoresAccessChecksToAttribute(string assemblyName) => AssemblyName = assemblyName;

        public string AssemblyName { get; }
    }
}
