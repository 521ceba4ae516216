// Tests run one class at a time: TorchSharp's thread pool and the 2-core CI machine gain nothing from more.
[assembly: Parallelize(Workers = 1, Scope = ExecutionScope.ClassLevel)]
