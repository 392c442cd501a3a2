// Surface of Microsoft.Azure.Functions.Worker (+ .Core, .Extensions.Http, .Extensions.Http.AspNetCore). See SOURCES.md.
using AzureReferenceSurface;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Microsoft.Azure.Functions.Worker
{
    [AttributeUsage(AttributeTargets.Method)]
    public sealed class FunctionAttribute : Attribute
    {
        public FunctionAttribute(string name) => throw CompileOnly.Unavailable();
    }

    public enum AuthorizationLevel
    {
        Anonymous = 0,
        User = 1,
        Function = 2,
        System = 3,
        Admin = 4,
    }

    [AttributeUsage(AttributeTargets.Parameter)]
    public sealed class HttpTriggerAttribute : Attribute
    {
        public HttpTriggerAttribute(AuthorizationLevel authLevel, params string[] methods) => throw CompileOnly.Unavailable();

        public string? Route { get => throw CompileOnly.Unavailable(); set => throw CompileOnly.Unavailable(); }
    }
}

namespace Microsoft.Azure.Functions.Worker.Builder
{
    public class FunctionsApplication
    {
        public static FunctionsApplicationBuilder CreateBuilder(string[] args) => throw CompileOnly.Unavailable();
    }

    /// <summary>The real type also implements IHostApplicationBuilder; the app uses only these members.</summary>
    public class FunctionsApplicationBuilder
    {
        internal FunctionsApplicationBuilder() => throw CompileOnly.Unavailable();

        public ConfigurationManager Configuration => throw CompileOnly.Unavailable();

        public IServiceCollection Services => throw CompileOnly.Unavailable();

        public IHost Build() => throw CompileOnly.Unavailable();
    }

    public static class FunctionsApplicationBuilderAspNetCoreExtensions
    {
        public static FunctionsApplicationBuilder ConfigureFunctionsWebApplication(this FunctionsApplicationBuilder builder) =>
            throw CompileOnly.Unavailable();
    }
}
