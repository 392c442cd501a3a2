using System.Text.Json;
using BillingFunctions.Core.Accounts;
using BillingFunctions.Core.Orders;
using BillingFunctions.Server.Cutoffs;
using BillingFunctions;
using BillingFunctions.Accounts;
using BillingFunctions.Effects;
using BillingFunctions.Orders;
using BillingFunctions.Tables;
using BillingFunctions.Core.Amounts;
using BillingFunctions.Tests.Support;

namespace BillingFunctions.Tests.Functions;

/// <summary>What crosses the wire and the tables: queue/topic JSON, cut-off requests and their signature, table rows.</summary>
public class WireAndTableTests
{
    private static readonly long T0 = new DateTime(2025, 3, 1, 12, 0, 0, DateTimeKind.Utc).Ticks;

    [Fact]
    public void Order_messages_and_results_round_trip_and_bad_ones_are_refused_with_a_reason()
    {
        var message = new OrderMessage("b-1", "u1", new Money(4_500_000), 2);
        Assert.True(OrderWire.TryReadOrder(OrderWire.Write(message), out var read, out _));
        Assert.Equal(message, read);

        var result = new PaymentResult("b-1", "u1", new Money(4_500_000), 2, OrderStatus.Rejected, "Needs more", T0);
        Assert.True(OrderWire.TryReadResult(OrderWire.Write(result), out var readResult));
        Assert.Equal(result, readResult);

        foreach (var bad in new[] { "{", "{}", """{"basketId":"b","userId":"u","amount":"0","attempt":1}""", """{"basketId":"b","userId":"u","amount":"1","attempt":0}""" })
        {
            Assert.False(OrderWire.TryReadOrder(bad, out _, out var reason));
            Assert.StartsWith("Not an order message", reason);
        }
    }

    [Fact]
    public void Order_messages_and_results_name_the_account_userId_so_messages_already_queued_still_read()
    {
        var message = new OrderMessage("b-1", "acc-1", new Money(4_500_000), 2);
        Assert.Equal("""{"basketId":"b-1","userId":"acc-1","amount":"4.5","attempt":2}""", OrderWire.Write(message));
        Assert.True(OrderWire.TryReadOrder("""{"basketId":"b-1","userId":"acc-1","amount":"4.5","attempt":2}""", out var read, out _));
        Assert.Equal(message, read);
        Assert.False(OrderWire.TryReadOrder("""{"basketId":"b-1","accountId":"acc-1","amount":"4.5","attempt":2}""", out _, out _));

        var result = new PaymentResult("b-1", "acc-1", new Money(4_500_000), 2, OrderStatus.Paid, null, T0);
        using var written = JsonDocument.Parse(OrderWire.Write(result));
        Assert.Equal("acc-1", written.RootElement.GetProperty("userId").GetString());
        Assert.False(written.RootElement.TryGetProperty("accountId", out _));
    }

    [Fact]
    public void Durable_payloads_keep_the_stored_name_UserId_for_the_account_so_stored_state_still_reads()
    {
        var basket = Basket.Open("b-1", "acc-1", T0) with { Status = OrderStatus.Pending, Attempt = 1, Amount = new Money(2_000_000) };
        var result = new PaymentResult("b-1", "acc-1", new Money(2_000_000), 1, OrderStatus.Paid, null, T0 + 1);
        var request = OrderConsumer.Request(basket, new OrderMessage("b-1", "acc-1", new Money(2_000_000), 1));
        // Serialized as the Durable runtime does (System.Text.Json, property names as declared).
        foreach (var json in new[] { JsonSerializer.Serialize(StoredBasket.From(basket)), JsonSerializer.Serialize(StoredResult.From(result)),
                     JsonSerializer.Serialize(request) })
        {
            Assert.Contains("\"UserId\":\"acc-1\"", json);
            Assert.DoesNotContain("AccountId", json);
        }

        // As an app before the rename stored them.
        var storedBasket = """{"BasketId":"b-1","UserId":"acc-1","OpenedAt":1,"Status":1,"Attempt":1,"Amount":2000000,"DecidedAt":null,"Reason":null}""";
        Assert.Equal("acc-1", JsonSerializer.Deserialize<StoredBasket>(storedBasket)!.ToBasket().AccountId);
        var storedResult = """{"BasketId":"b-1","UserId":"acc-1","Amount":2000000,"Attempt":1,"Status":2,"Reason":null,"At":1}""";
        Assert.Equal("acc-1", JsonSerializer.Deserialize<StoredResult>(storedResult)!.ToResult().AccountId);
        var storedRequest = $$"""{"Basket":{{storedBasket}},"BasketId":"b-1","UserId":"acc-1","Amount":2000000,"Attempt":1}""";
        Assert.Equal("acc-1", JsonSerializer.Deserialize<ChargeRequest>(storedRequest)!.AccountId);
    }

    [Fact]
    public void A_cutoff_request_calls_the_url_with_the_account_as_userId_and_a_signature_the_receiver_verifies()
    {
        var settings = new BillingSettings("USD", "https://platform.example/cutoff?zone=1", "s3cret", [], [], null, 1, 1, 1, null, null, null, null);
        var call = new CutoffCall("acc-1:7", "acc 1", null, 2, T0);
        using var request = CutoffRequests.Build(call, settings, 1_740_000_000, 3)!;
        Assert.Equal("https://platform.example/cutoff?zone=1&userId=acc%201", request.RequestUri!.AbsoluteUri);
        string Header(string name) => request.Headers.GetValues(name).Single();
        Assert.Equal(("acc-1:7", "3"), (Header(CutoffSignature.EventIdHeader), Header(CutoffSignature.AttemptHeader)));
        Assert.True(CutoffSignature.Verify("s3cret", Header(CutoffSignature.TimestampHeader), "acc-1:7", "acc 1", Header(CutoffSignature.SignatureHeader)));
        Assert.False(CutoffSignature.Verify("other", Header(CutoffSignature.TimestampHeader), "acc-1:7", "acc 1", Header(CutoffSignature.SignatureHeader)));

        Assert.Null(CutoffRequests.Build(call, settings with { CutoffUrl = null }, 1, 1));
    }

    [Fact]
    public void Ledger_rows_sort_by_sequence_and_give_back_the_event()
    {
        var events = EventSamples.OneOfEach();
        Assert.Equal(EventTypes.All.Order(), events.Select(e => e.Type).Distinct().Order());
        foreach (var (e, i) in events.Select((e, i) => (e, i)))
        {
            var stored = new StoredEvent(12 + i, $"acc-1:{12 + i}", e);
            var row = LedgerRow.From(stored);
            Assert.Equal(("acc-1", (12 + i).ToString("D19"), e.Type), (row.PartitionKey, row.RowKey, row.Type));
            Assert.Equal(stored, row.ToEvent());
        }
        Assert.True(string.CompareOrdinal(LedgerRow.Key(9), LedgerRow.Key(10)) < 0);
    }

    /// <summary>
    /// A ledger or events page (both hosts render it alike) with one event of each type: byte for byte what it was
    /// while events were one flat record. A hold's expiry, kept with hold.placed now, does not show here.
    /// </summary>
    [Fact]
    public void Every_event_type_renders_on_the_wire_byte_for_byte_as_before()
    {
        var page = new BillingFunctions.Contract.Page<EventResponse>(EventSamples.OneOfEach()
            .Select((e, i) => Representations.Event(new StoredEvent(i + 1, $"acc-1:{i + 1}", e))).ToList(), null);
        string[] items =
        [
            """{"sequence":1,"eventId":"acc-1:1","type":"account.created","accountId":"acc-1","operationId":null,"at":"2025-03-01T12:00:00.0000001Z","amount":"0.0001","delta":"-0.00001","consumed":"0.000001","balanceBefore":"0.001","balanceAfter":"0.00099","held":"0.00005","episode":1,"holdId":null,"counterparty":null,"ratePerSecond":null}""",
            """{"sequence":2,"eventId":"acc-1:2","type":"account.credited","accountId":"acc-1","operationId":"op-credit","at":"2025-03-01T12:00:00.0000002Z","amount":"0.0002","delta":"-0.00002","consumed":"0.000002","balanceBefore":"0.002","balanceAfter":"0.00198","held":"0.0001","episode":2,"holdId":null,"counterparty":null,"ratePerSecond":null}""",
            """{"sequence":3,"eventId":"acc-1:3","type":"account.debited","accountId":"acc-1","operationId":"op-debit","at":"2025-03-01T12:00:00.0000003Z","amount":"0.0003","delta":"-0.00003","consumed":"0.000003","balanceBefore":"0.003","balanceAfter":"0.00297","held":"0.00015","episode":0,"holdId":null,"counterparty":null,"ratePerSecond":null}""",
            """{"sequence":4,"eventId":"acc-1:4","type":"account.rate_changed","accountId":"acc-1","operationId":"op-rate","at":"2025-03-01T12:00:00.0000004Z","amount":"0.0004","delta":"-0.00004","consumed":"0.000004","balanceBefore":"0.004","balanceAfter":"0.00396","held":"0.0002","episode":1,"holdId":null,"counterparty":null,"ratePerSecond":"0.0000015"}""",
            """{"sequence":5,"eventId":"acc-1:5","type":"transfer.completed","accountId":"acc-1","operationId":"t-1","at":"2025-03-01T12:00:00.0000005Z","amount":"0.0005","delta":"-0.00005","consumed":"0.000005","balanceBefore":"0.005","balanceAfter":"0.00495","held":"0.00025","episode":2,"holdId":null,"counterparty":"acc-2","ratePerSecond":null}""",
            """{"sequence":6,"eventId":"acc-1:6","type":"hold.placed","accountId":"acc-1","operationId":"op-hold","at":"2025-03-01T12:00:00.0000006Z","amount":"0.0006","delta":"-0.00006","consumed":"0.000006","balanceBefore":"0.006","balanceAfter":"0.00594","held":"0.0003","episode":0,"holdId":"h1","counterparty":null,"ratePerSecond":null}""",
            """{"sequence":7,"eventId":"acc-1:7","type":"hold.placed","accountId":"acc-1","operationId":"op-hold-2","at":"2025-03-01T12:00:00.0000007Z","amount":"0.0007","delta":"-0.00007","consumed":"0.000007","balanceBefore":"0.007","balanceAfter":"0.00693","held":"0.00035","episode":1,"holdId":"h2","counterparty":null,"ratePerSecond":null}""",
            """{"sequence":8,"eventId":"acc-1:8","type":"hold.captured","accountId":"acc-1","operationId":"op-capture","at":"2025-03-01T12:00:00.0000008Z","amount":"0.0008","delta":"-0.00008","consumed":"0.000008","balanceBefore":"0.008","balanceAfter":"0.00792","held":"0.0004","episode":2,"holdId":"h1","counterparty":null,"ratePerSecond":null}""",
            """{"sequence":9,"eventId":"acc-1:9","type":"hold.released","accountId":"acc-1","operationId":"op-release","at":"2025-03-01T12:00:00.0000009Z","amount":"0.0009","delta":"-0.00009","consumed":"0.000009","balanceBefore":"0.009","balanceAfter":"0.00891","held":"0.00045","episode":0,"holdId":"h2","counterparty":null,"ratePerSecond":null}""",
            """{"sequence":10,"eventId":"acc-1:10","type":"hold.expired","accountId":"acc-1","operationId":"hold:h3:expiry","at":"2025-03-01T12:00:00.0000010Z","amount":"0.001","delta":"-0.0001","consumed":"0.00001","balanceBefore":"0.01","balanceAfter":"0.0099","held":"0.0005","episode":1,"holdId":"h3","counterparty":null,"ratePerSecond":null}""",
            """{"sequence":11,"eventId":"acc-1:11","type":"account.depleted","accountId":"acc-1","operationId":null,"at":"2025-03-01T12:00:00.0000011Z","amount":"0.0011","delta":"-0.00011","consumed":"0.000011","balanceBefore":"0.011","balanceAfter":"0.01089","held":"0.00055","episode":2,"holdId":null,"counterparty":null,"ratePerSecond":null}""",
            """{"sequence":12,"eventId":"acc-1:12","type":"account.restored","accountId":"acc-1","operationId":null,"at":"2025-03-01T12:00:00.0000012Z","amount":"0.0012","delta":"-0.00012","consumed":"0.000012","balanceBefore":"0.012","balanceAfter":"0.01188","held":"0.0006","episode":0,"holdId":null,"counterparty":null,"ratePerSecond":null}""",
            """{"sequence":13,"eventId":"acc-1:13","type":"account.low_balance","accountId":"acc-1","operationId":null,"at":"2025-03-01T12:00:00.0000013Z","amount":"0.0013","delta":"-0.00013","consumed":"0.000013","balanceBefore":"0.013","balanceAfter":"0.01287","held":"0.00065","episode":1,"holdId":null,"counterparty":null,"ratePerSecond":null}""",
            """{"sequence":14,"eventId":"acc-1:14","type":"order.paid","accountId":"acc-1","operationId":"b-1","at":"2025-03-01T12:00:00.0000014Z","amount":"0.0014","delta":"-0.00014","consumed":"0.000014","balanceBefore":"0.014","balanceAfter":"0.01386","held":"0.0007","episode":2,"holdId":null,"counterparty":null,"ratePerSecond":null}""",
            """{"sequence":15,"eventId":"acc-1:15","type":"order.rejected","accountId":"acc-1","operationId":"b-2","at":"2025-03-01T12:00:00.0000015Z","amount":"0.0015","delta":"-0.00015","consumed":"0.000015","balanceBefore":"0.015","balanceAfter":"0.01485","held":"0.00075","episode":0,"holdId":null,"counterparty":null,"ratePerSecond":null}""",
        ];
        Assert.Equal("{\"items\":[" + string.Join(",", items) + "],\"next\":null}", JsonSerializer.Serialize(page, Representations.Json));
    }

    [Fact]
    public void Events_in_durable_payloads_are_flat_and_read_back_typed()
    {
        var batch = new EventBatch("acc-1", EventSamples.OneOfEach().Select((e, i) => new StoredEvent(i + 1, $"acc-1:{i + 1}", e)).ToList(), []);
        foreach (var options in new[] { JsonSerializerOptions.Default, new JsonSerializerOptions(JsonSerializerDefaults.Web) })
        {
            var json = JsonSerializer.Serialize(batch, options);
            Assert.Equal(batch.Events, JsonSerializer.Deserialize<EventBatch>(json, options)!.Events);
        }

        // A payload written while events were one flat record still reads (a hold placed then has no expiry), and an
        // event is written as that same object with the expiry added.
        const string flat = """{"Sequence":3,"EventId":"acc-1:3","Event":{"Type":"hold.placed","AccountId":"acc-1","At":5,"OperationId":"op-1","Amount":5,"Delta":0,"Consumed":2,"BalanceBefore":8,"BalanceAfter":8,"HeldAfter":5,"Episode":1,"HoldId":"h1","Counterparty":null,"RatePerSecond":null}}""";
        var stored = JsonSerializer.Deserialize<StoredEvent>(flat)!;
        Assert.Equal(new HoldPlaced(new LedgerEntry("acc-1", 5, "op-1", 5, 0, 2, 8, 8, 5, 1), "h1", null), stored.Event);
        Assert.Equal(flat.Replace("null}}", "null,\"HoldExpiresAt\":null}}"), JsonSerializer.Serialize(stored));
        Assert.Throws<JsonException>(() => JsonSerializer.Deserialize<StoredEvent>(flat.Replace("hold.placed", "hold.renamed")));
    }

    [Fact]
    public void A_ledger_row_of_an_unknown_type_or_without_its_own_field_is_refused()
    {
        var row = LedgerRow.From(new StoredEvent(1, "acc-1:1", EventSamples.OneOfEach().OfType<HoldCaptured>().Single()));
        row.HoldId = null;
        Assert.Contains("no hold id", Assert.Throws<FormatException>(() => row.ToEvent()).Message);
        row.Type = "account.renamed";
        Assert.Contains("Unknown event type 'account.renamed'", Assert.Throws<FormatException>(() => row.ToEvent()).Message);
    }

    [Fact]
    public void Basket_rows_and_notification_rows_keep_what_the_order_decider_needs()
    {
        var basket = new Basket("b-1", "u1", T0, OrderStatus.Rejected, 3, new Money(7), T0 + 1, "short");
        Assert.Equal(basket, BasketRow.From(basket).ToBasket());
        var result = new PaymentResult("b-1", "u1", new Money(7), 3, OrderStatus.Paid, null, T0);
        var row = NotificationRow.From(result, T0 + 5);
        Assert.Equal(("u1", "b-1:3"), (row.PartitionKey, row.RowKey));
        Assert.Equal("paid", Representations.Notification(row.ToNotification()).Status);
    }
}
