using DurableTask.Core;

namespace BillingFunctions.Tests.Durable.Runtime;

/// <summary>
/// Hands a TaskHubWorker a freshly adapted object per work item, under the name the app's function is called by. The
/// version is empty: the app schedules everything unversioned, and the worker looks objects up by name and version.
/// </summary>
public sealed class ShimCreator<T> : ObjectCreator<T>
{
    private readonly Func<T> _create;

    public ShimCreator(string name, Func<T> create)
    {
        Name = name;
        Version = string.Empty;
        _create = create;
    }

    public override T Create() => _create();
}
