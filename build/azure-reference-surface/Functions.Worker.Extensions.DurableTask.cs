// Surface of Microsoft.Azure.Functions.Worker.Extensions.DurableTask. See SOURCES.md.
using AzureReferenceSurface;

namespace Microsoft.Azure.Functions.Worker
{
    [AttributeUsage(AttributeTargets.Parameter)]
    public sealed class DurableClientAttribute : Attribute
    {
        public DurableClientAttribute() => throw CompileOnly.Unavailable();
    }

    [AttributeUsage(AttributeTargets.Parameter)]
    public sealed class OrchestrationTriggerAttribute : Attribute
    {
        public OrchestrationTriggerAttribute() => throw CompileOnly.Unavailable();
    }

    [AttributeUsage(AttributeTargets.Parameter)]
    public sealed class ActivityTriggerAttribute : Attribute
    {
        public ActivityTriggerAttribute() => throw CompileOnly.Unavailable();
    }

    [AttributeUsage(AttributeTargets.Parameter)]
    public sealed class EntityTriggerAttribute : Attribute
    {
        public EntityTriggerAttribute() => throw CompileOnly.Unavailable();
    }

    public sealed class TaskEntityDispatcher
    {
        internal TaskEntityDispatcher() => throw CompileOnly.Unavailable();

        public Task DispatchAsync<T>() => throw CompileOnly.Unavailable();
    }
}
