using MlNetMlm.FillMask;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers MlNetMlm's fill-mask service in an app's service container (ASP.NET Core, generic host).</summary>
public static class FillMaskServiceCollectionExtensions
{
    /// <summary>
    /// Adds one <see cref="FillMaskService"/> singleton serving the model at <paramref name="modelPath"/> (a model zip
    /// or a Hugging Face folder), loaded when first asked for and disposed with the container (queued texts finish first).
    /// Inject <see cref="FillMaskService"/> where you need it; it is safe to call from any number of requests at once.
    /// </summary>
    public static IServiceCollection AddMlNetMlmFillMask(this IServiceCollection services, string modelPath, FillMaskServiceOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(modelPath);
        var copy = (options ?? new FillMaskServiceOptions()).Validated(); // a bad option fails here, not at the first request
        services.AddSingleton(_ => FillMaskService.Load(modelPath, copy));
        return services;
    }

    /// <summary>As <see cref="AddMlNetMlmFillMask(IServiceCollection, string, FillMaskServiceOptions?)"/>, with the options set by <paramref name="configure"/>.</summary>
    public static IServiceCollection AddMlNetMlmFillMask(this IServiceCollection services, string modelPath, Action<FillMaskServiceOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        var options = new FillMaskServiceOptions();
        configure(options);
        return services.AddMlNetMlmFillMask(modelPath, options);
    }
}
