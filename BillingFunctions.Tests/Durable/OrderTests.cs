using Azure.Messaging.ServiceBus;
using BillingFunctions.Core.Orders;
using BillingFunctions.Tests.Durable.Runtime;
using BillingFunctions.Tests.Support;
using BillingFunctions.Accounts;
using BillingFunctions.Http;
using BillingFunctions.Orders;
using Microsoft.Extensions.DependencyInjection;
using BillingFunctions.Core.Amounts;

namespace BillingFunctions.Tests.Durable;

/// <summary>
/// The order consumer and its <c>ChargeOrder</c> orchestration on the real Durable runtime, with the baskets table on
/// Azurite. No Service Bus broker runs here: messages are built with <see cref="ServiceBusModelFactory"/>, settlements
/// are recorded, and the results topic is a namespace that refuses connections — so publishing fails, as in an outage.
/// </summary>
[Collection(DurableCollection.Name)]
public sealed class OrderTests(DurableFixture fixture) : IClassFixture<DurableFixture>
{
    private DurableRuntime Runtime => fixture.Runtime;

    [Fact]
    public async Task The_charge_orchestration_decides_an_attempt_once_however_often_it_is_delivered()
    {
        var account = BillingCalls.NewAccountId("buyer");
        await Funded(account, "10");
        var (basket, message) = await PendingOrder(account, 4_000_000);
        var request = OrderConsumer.Request(basket, message);

        // Three deliveries at once, then one more later: the entity decides the attempt once and remembers it.
        var runs = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => Charge(request)));
        var later = await Charge(request);
        var decisions = runs.Append(later).ToList();
        Assert.All(decisions, d => Assert.Equal((Disposition.Complete, OrderStatus.Paid), (d.Disposition, d.Result!.Status)));
        Assert.Single(decisions, d => d.Changed);
        Assert.All(decisions, d => Assert.Equal(decisions[0].Result, d.Result));
        Assert.Equal("6", (await Runtime.Account(account)).Json.Str("balance"));
        Assert.Contains(message.MessageId, (await Runtime.Record(account))!.Payments.Keys);
    }

    [Fact]
    public async Task A_redelivered_order_is_not_charged_again_when_publishing_the_result_failed()
    {
        var account = BillingCalls.NewAccountId("outage");
        await Funded(account, "10");
        var (_, order) = await PendingOrder(account, 3_000_000);
        var functions = ActivatorUtilities.CreateInstance<OrderFunctions>(Runtime.Services);
        var actions = new RecordingMessageActions();

        // Each delivery charges or finds the decision, writes the basket, then fails to publish: it settles nothing,
        // so Service Bus would deliver it again.
        for (var delivery = 1; delivery <= 2; delivery++)
        {
            var message = Message(OrderWire.Write(order), order.MessageId, delivery);
            // The failure is the publish: Service Bus's client gives up on the unreachable namespace after its retries.
            await Assert.ThrowsAsync<ServiceBusException>(() => functions.ChargeOrders(message, actions, Runtime.Client, CancellationToken.None));
        }

        Assert.Empty(actions.Settlements);
        Assert.Equal("7", (await Runtime.Account(account)).Json.Str("balance"));
        var (stored, _) = await Runtime.Services.GetRequiredService<BasketStore>().Get(order.BasketId, CancellationToken.None);
        Assert.Equal((OrderStatus.Paid, order.Attempt), (stored!.Status, stored.Attempt));
    }

    [Fact]
    public async Task Malformed_and_mismatched_order_messages_are_dead_lettered_and_charge_nothing()
    {
        var account = BillingCalls.NewAccountId("victim");
        await Funded(account, "10");
        var (_, order) = await PendingOrder(account, 1_000_000);
        var functions = ActivatorUtilities.CreateInstance<OrderFunctions>(Runtime.Services);
        var actions = new RecordingMessageActions();

        var messages = new[]
        {
            Message("not json", "m-1"),
            Message("""{"basketId":"b","userId":"u","amount":"0","attempt":1}""", "m-2"),
            Message("""{"basketId":"b","userId":"u","amount":"1","attempt":0}""", "m-3"),
            // Well formed, but for another account than the basket's: it can never be handled.
            Message(OrderWire.Write(order with { AccountId = BillingCalls.NewAccountId("other") }), "m-4"),
        };
        foreach (var message in messages)
            await functions.ChargeOrders(message, actions, Runtime.Client, CancellationToken.None);

        Assert.Equal(["m-1", "m-2", "m-3", "m-4"], actions.Settlements.Select(s => s.MessageId));
        Assert.All(actions.Settlements, s => Assert.Equal("dead-letter", s.Action));
        Assert.Equal(["unreadable", "unreadable", "unreadable", "invalid"], actions.Settlements.Select(s => s.Reason));
        Assert.All(actions.Settlements, s => Assert.False(string.IsNullOrEmpty(s.Description)));
        Assert.Equal("10", (await Runtime.Account(account)).Json.Str("balance"));
    }

    private async Task Funded(string account, string amount)
    {
        Assert.Equal(201, (await Runtime.Open(account)).Status);
        Assert.Equal(200, (await Runtime.Credit(account, amount)).Status);
    }

    /// <summary>A basket with an order placed, as <c>PlaceOrder</c> leaves it before sending the message.</summary>
    private async Task<(Basket Basket, OrderMessage Message)> PendingOrder(string account, long amount)
    {
        var baskets = Runtime.Services.GetRequiredService<BasketStore>();
        var opened = await baskets.Open(account, DateTime.UtcNow.Ticks, CancellationToken.None);
        var (current, etag) = await baskets.Get(opened.BasketId, CancellationToken.None);
        var placement = OrderDecider.Place(current, opened.BasketId, account, new Money(amount));
        Assert.True(await baskets.TryReplace(placement.Basket!, etag, CancellationToken.None));
        var pending = placement.Basket!;
        return (pending, new OrderMessage(pending.BasketId, account, pending.Amount, pending.Attempt));
    }

    private async Task<PaymentDecision> Charge(ChargeRequest request)
    {
        var (done, decision) = await Orchestrations.RunAsync<PaymentDecision>(Runtime.Client, nameof(OrderFunctions.ChargeOrder), request,
            120, CancellationToken.None);
        Assert.True(done, $"ChargeOrder did not finish. Runtime log:\n{Runtime.Logs.Tail()}");
        return decision!;
    }

    private static ServiceBusReceivedMessage Message(string body, string messageId, int deliveryCount = 1) =>
        ServiceBusModelFactory.ServiceBusReceivedMessage(body: BinaryData.FromString(body), messageId: messageId, deliveryCount: deliveryCount,
            contentType: "application/json");
}
