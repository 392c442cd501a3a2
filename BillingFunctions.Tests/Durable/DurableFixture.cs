using BillingFunctions.Tests.Durable.Runtime;
using BillingFunctions.Tests.Support;

namespace BillingFunctions.Tests.Durable;

/// <summary>
/// The tests of the app on the real Durable runtime run one class at a time: each class has its own task hub and
/// worker, and several workers polling one Azurite on a small machine would only slow each other down.
/// </summary>
[CollectionDefinition(Name)]
public sealed class DurableCollection
{
    public const string Name = "Durable runtime";
}

/// <summary>One runtime (own task hub, own worker) and one real cut-off receiver per test class.</summary>
public sealed class DurableFixture : IAsyncLifetime
{
    public CutoffReceiver Receiver { get; private set; } = null!;

    public DurableRuntime Runtime { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Receiver = await CutoffReceiver.StartAsync();
        Runtime = await DurableRuntime.StartAsync("billing", Receiver.Url);
    }

    public async Task DisposeAsync()
    {
        // Either may be missing when starting failed; the test failures already say why.
        if (Runtime is not null)
            await Runtime.DisposeAsync();
        if (Receiver is not null)
            await Receiver.DisposeAsync();
    }
}
