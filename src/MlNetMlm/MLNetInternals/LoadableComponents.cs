using Microsoft.ML;
using MlNetMlm.Flatten;
using MlNetMlm.Join;

// Registers each saved component's loader with ML.NET's component catalog. ML.NET finds this
// assembly from the loader assembly name stored in the model, then calls the static
// Create(IHostEnvironment, ModelLoadContext) of the class named here.
[assembly: LoadableClass(typeof(JoinTextTransformer), null, typeof(SignatureLoadModel), "MlNetMlm Join Text", JoinTextTransformer.LoaderSignature)]
[assembly: LoadableClass(typeof(FlattenJsonTransformer), null, typeof(SignatureLoadModel), "MlNetMlm Flatten JSON", FlattenJsonTransformer.LoaderSignature)]
