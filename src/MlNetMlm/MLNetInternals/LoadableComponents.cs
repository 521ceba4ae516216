using Microsoft.ML;
using MlNetMlm.FillMask;
using MlNetMlm.Flatten;
using MlNetMlm.GroupTexts;
using MlNetMlm.Join;
using MlNetMlm.Masking;
using MlNetMlm.Tokenization;

// Registers each saved component's loader with ML.NET's component catalog. ML.NET finds this
// assembly from the loader assembly name stored in the model, then calls the static
// Create(IHostEnvironment, ModelLoadContext) of the class named here.
[assembly: LoadableClass(typeof(FlattenJsonTransformer), null, typeof(SignatureLoadModel), "MlNetMlm Flatten JSON", FlattenJsonTransformer.LoaderSignature)]
[assembly: LoadableClass(typeof(JoinTextTransformer), null, typeof(SignatureLoadModel), "MlNetMlm Join Text", JoinTextTransformer.LoaderSignature)]
[assembly: LoadableClass(typeof(RobertaTokenizingTransformer), null, typeof(SignatureLoadModel), "MlNetMlm Tokenize RoBERTa", RobertaTokenizingTransformer.LoaderSignature)]
[assembly: LoadableClass(typeof(GroupTextsTransformer), null, typeof(SignatureLoadModel), "MlNetMlm Group Texts", GroupTextsTransformer.LoaderSignature)]
[assembly: LoadableClass(typeof(MaskTokensTransformer), null, typeof(SignatureLoadModel), "MlNetMlm Mask Tokens", MaskTokensTransformer.LoaderSignature)]
[assembly: LoadableClass(typeof(MaskedLmTransformer), null, typeof(SignatureLoadModel), "MlNetMlm Masked LM (fill-mask)", MaskedLmTransformer.LoaderSignature)]
