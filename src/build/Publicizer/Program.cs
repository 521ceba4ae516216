using Mono.Cecil;

// Usage: Publicizer <input.dll> <output.dll>
// Makes every type, method and field public (fields that back an event keep their access, or C#
// would see two members of one name). The output is only a compile-time reference: at run time the
// real assembly is used, and [IgnoresAccessChecksTo] lets MlNetMlm call its internals.
if (args.Length != 2)
{
    Console.Error.WriteLine("usage: Publicizer <input.dll> <output.dll>");
    return 2;
}
string input = args[0], output = args[1];
string self = typeof(AssemblyDefinition).Assembly.Location;
if (File.Exists(output) && File.GetLastWriteTimeUtc(output) >= File.GetLastWriteTimeUtc(input)
    && File.GetLastWriteTimeUtc(output) >= File.GetLastWriteTimeUtc(self))
    return 0; // up to date: keep the timestamp so the library is not recompiled needlessly

// Deferred reading: custom attributes stay raw blobs, so referenced assemblies never need resolving.
using var resolver = new DefaultAssemblyResolver();
resolver.AddSearchDirectory(Path.GetDirectoryName(Path.GetFullPath(input))!);
byte[] image = File.ReadAllBytes(input); // read fully so the input file is not held open
using var assembly = AssemblyDefinition.ReadAssembly(new MemoryStream(image), new ReaderParameters { ReadingMode = ReadingMode.Deferred, AssemblyResolver = resolver });
foreach (var type in assembly.MainModule.GetTypes())
{
    if (type.IsNested) type.IsNestedPublic = true; else type.IsPublic = true;
    foreach (var method in type.Methods) method.IsPublic = true;
    var eventNames = type.Events.Select(e => e.Name).ToHashSet();
    foreach (var field in type.Fields.Where(f => !eventNames.Contains(f.Name))) field.IsPublic = true;
}
Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(output))!);
string temp = output + ".tmp";
assembly.Write(temp);
File.Move(temp, output, overwrite: true);
return 0;
