using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using BillingFunctions.Tests.Support;

namespace BillingFunctions.Tests.Server;

/// <summary>Holds (place, capture, release, expiry) and transfers over HTTP.</summary>
public sealed class HoldAndTransferApiTests(SharedServer fixture) : IClassFixture<SharedServer>
{
    private HttpClient Client => fixture.Server.Client;

    // ---------------------------------------------------------------- holds

    [Fact]
    public async Task Placing_a_hold_is_201_and_moves_funds_from_available_to_held()
    {
        await Funded("hold-place", "100");
        var response = await PlaceHold("hold-place", new { holdId = "h1", amount = "30.5" });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var hold = await response.Json();
        Assert.Equal("h1", hold.Str("holdId"));
        Assert.Equal("hold-place", hold.Str("accountId"));
        Assert.Equal("30.5", hold.Str("amount"));
        Assert.Equal("0", hold.Str("captured"));
        Assert.Equal("active", hold.Str("status"));
        Assert.NotEqual(JsonValueKind.Null, hold.GetProperty("expiresAt").ValueKind); // a default expiry, never forever
        var account = hold.GetProperty("account");
        Assert.Equal("100", account.Str("balance"));
        Assert.Equal("69.5", account.Str("available"));
        Assert.Equal("30.5", account.Str("held"));

        var read = await Client.Account("hold-place");
        Assert.Equal("100", read.Str("balance"));
        Assert.Equal("69.5", read.Str("available"));
        Assert.Equal("30.5", read.Str("held"));

        // Held funds cannot be debited.
        await ProblemAssert.Is(await Client.Debit("hold-place", "69.500001"), HttpStatusCode.Conflict, "insufficient-funds");
        Assert.Equal(HttpStatusCode.OK, (await Client.Debit("hold-place", "69.5")).StatusCode);
        Assert.Equal("30.5", (await Client.Account("hold-place")).Str("balance"));
    }

    [Fact]
    public async Task A_hold_beyond_available_funds_is_409_and_changes_nothing()
    {
        await Funded("hold-poor", "10");
        Assert.Equal(HttpStatusCode.Created, (await PlaceHold("hold-poor", new { holdId = "h1", amount = "6" })).StatusCode);
        var before = await Client.Account("hold-poor");
        var ledger = (await Client.Ledger("hold-poor")).Count;

        await ProblemAssert.Is(await PlaceHold("hold-poor", new { holdId = "h2", amount = "4.000001" }), HttpStatusCode.Conflict, "insufficient-funds");

        var after = await Client.Account("hold-poor");
        Assert.Equal(before.Str("available"), after.Str("available"));
        Assert.Equal(before.Str("held"), after.Str("held"));
        Assert.Equal(ledger, (await Client.Ledger("hold-poor")).Count);
        Assert.DoesNotContain(await Holds("hold-poor"), h => h.Str("holdId") == "h2");
        // The refused hold id is free to use once funds allow.
        Assert.Equal(HttpStatusCode.Created, (await PlaceHold("hold-poor", new { holdId = "h2", amount = "4" })).StatusCode);
    }

    [Fact]
    public async Task Holds_are_listed_with_their_status()
    {
        await Funded("hold-list", "50");
        (await PlaceHold("hold-list", new { holdId = "a", amount = "1" })).EnsureSuccessStatusCode();
        (await PlaceHold("hold-list", new { holdId = "b", amount = "2" })).EnsureSuccessStatusCode();
        (await Client.PostAsync("/api/accounts/hold-list/holds/b/release", null)).EnsureSuccessStatusCode();

        var response = await Client.GetAsync("/api/accounts/hold-list/holds");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var holds = (await response.Json()).EnumerateArray().ToDictionary(h => h.Str("holdId"));
        Assert.Equal(2, holds.Count);
        Assert.Equal("active", holds["a"].Str("status"));
        Assert.Equal("1", holds["a"].Str("amount"));
        Assert.Equal("released", holds["b"].Str("status"));

        await ProblemAssert.Is(await Client.GetAsync("/api/accounts/hold-nobody/holds"), HttpStatusCode.NotFound, "not-found");
    }

    [Fact]
    public async Task A_partial_capture_charges_only_the_captured_amount_and_releases_the_rest()
    {
        await Funded("hold-cap-part", "100");
        (await PlaceHold("hold-cap-part", new { holdId = "h1", amount = "40" })).EnsureSuccessStatusCode();

        var response = await Capture("hold-cap-part", "h1", new { amount = "15.25" });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var hold = await response.Json();
        Assert.Equal("captured", hold.Str("status"));
        Assert.Equal("40", hold.Str("amount"));
        Assert.Equal("15.25", hold.Str("captured"));
        var account = hold.GetProperty("account");
        Assert.Equal("84.75", account.Str("balance"));
        Assert.Equal("84.75", account.Str("available"));
        Assert.Equal("0", account.Str("held"));

        var read = await Client.Account("hold-cap-part");
        Assert.Equal("84.75", read.Str("balance"));
        Assert.Equal("84.75", read.Str("available"));
        Assert.Equal("0", read.Str("held"));
        var listed = Assert.Single(await Holds("hold-cap-part"));
        Assert.Equal("captured", listed.Str("status"));
        Assert.Equal("15.25", listed.Str("captured"));
        var captured = Assert.Single(await Client.Ledger("hold-cap-part"), e => e.Str("type") == "hold.captured");
        Assert.Equal("h1", captured.Str("holdId"));
        Assert.Equal("15.25", captured.Str("amount"));

        // A captured hold cannot be captured again with a different amount, nor released.
        await ProblemAssert.Is(await Capture("hold-cap-part", "h1", new { amount = "1" }), HttpStatusCode.Conflict);
        await ProblemAssert.Is(await Release("hold-cap-part", "h1"), HttpStatusCode.Conflict, "hold-state");
        Assert.Equal("84.75", (await Client.Account("hold-cap-part")).Str("balance"));
    }

    [Fact]
    public async Task A_capture_beyond_the_hold_is_400_and_changes_nothing()
    {
        await Funded("hold-cap-over", "100");
        (await PlaceHold("hold-cap-over", new { holdId = "h1", amount = "10" })).EnsureSuccessStatusCode();
        await ProblemAssert.Is(await Capture("hold-cap-over", "h1", new { amount = "10.000001" }), HttpStatusCode.BadRequest, "validation");
        var account = await Client.Account("hold-cap-over");
        Assert.Equal("100", account.Str("balance"));
        Assert.Equal("10", account.Str("held"));
        Assert.Equal("active", Assert.Single(await Holds("hold-cap-over")).Str("status"));
    }

    [Fact]
    public async Task A_full_capture_without_an_amount_charges_the_whole_hold()
    {
        await Funded("hold-cap-full", "20");
        (await PlaceHold("hold-cap-full", new { holdId = "h1", amount = "20" })).EnsureSuccessStatusCode();
        Assert.Equal("0", (await Client.Account("hold-cap-full")).Str("available"));

        var response = await Client.PostAsync("/api/accounts/hold-cap-full/holds/h1/capture", null);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var hold = await response.Json();
        Assert.Equal("captured", hold.Str("status"));
        Assert.Equal("20", hold.Str("captured"));
        Assert.Equal("0", hold.GetProperty("account").Str("balance"));
        Assert.Equal("0", hold.GetProperty("account").Str("held"));
        Assert.Equal("0", (await Client.Account("hold-cap-full")).Str("balance"));
    }

    [Fact]
    public async Task Release_restores_available_funds_and_a_released_hold_cannot_be_captured()
    {
        await Funded("hold-rel", "10");
        (await PlaceHold("hold-rel", new { holdId = "h1", amount = "7" })).EnsureSuccessStatusCode();

        var response = await Release("hold-rel", "h1");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var hold = await response.Json();
        Assert.Equal("released", hold.Str("status"));
        Assert.Equal("0", hold.Str("captured"));
        Assert.Equal("10", hold.GetProperty("account").Str("available"));
        Assert.Equal("0", hold.GetProperty("account").Str("held"));
        var ledger = (await Client.Ledger("hold-rel")).Count;

        await ProblemAssert.Is(await Capture("hold-rel", "h1", new { }), HttpStatusCode.Conflict, "hold-state");
        await ProblemAssert.Is(await Client.PostAsync("/api/accounts/hold-rel/holds/h1/capture", null), HttpStatusCode.Conflict, "hold-state");

        var account = await Client.Account("hold-rel");
        Assert.Equal("10", account.Str("balance"));
        Assert.Equal("10", account.Str("available"));
        Assert.Equal(ledger, (await Client.Ledger("hold-rel")).Count);
        Assert.Equal("released", Assert.Single(await Holds("hold-rel")).Str("status"));
    }

    [Fact]
    public async Task Capture_or_release_of_an_unknown_hold_is_404()
    {
        await Funded("hold-unknown", "10");
        await ProblemAssert.Is(await Capture("hold-unknown", "nope", new { }), HttpStatusCode.NotFound, "not-found");
        await ProblemAssert.Is(await Release("hold-unknown", "nope"), HttpStatusCode.NotFound, "not-found");
        await ProblemAssert.Is(await Capture("hold-nobody", "nope", new { }), HttpStatusCode.NotFound, "not-found");
        await ProblemAssert.Is(await PlaceHold("hold-nobody", new { holdId = "h", amount = "1" }), HttpStatusCode.NotFound, "not-found");
        Assert.Equal("10", (await Client.Account("hold-unknown")).Str("balance"));
    }

    [Fact]
    public async Task Replaying_a_place_or_a_capture_returns_the_original_answer_and_changes_nothing()
    {
        await Funded("hold-replay", "100");
        var placed = await PlaceHold("hold-replay", new { holdId = "h1", amount = "30" });
        Assert.Equal(HttpStatusCode.Created, placed.StatusCode);
        Assert.False(placed.Headers.Contains("Idempotent-Replayed"));
        var placedBody = await placed.Content.ReadAsStringAsync();
        await Task.Delay(20);

        var placeAgain = await PlaceHold("hold-replay", new { holdId = "h1", amount = "30" });
        Assert.Equal(HttpStatusCode.Created, placeAgain.StatusCode);
        Assert.Equal("true", Assert.Single(placeAgain.Headers.GetValues("Idempotent-Replayed")));
        Assert.Equal(placedBody, await placeAgain.Content.ReadAsStringAsync());
        Assert.Equal("30", (await Client.Account("hold-replay")).Str("held"));
        Assert.Single(await Holds("hold-replay"));

        // The same hold id for a different amount is a different request.
        await ProblemAssert.Is(await PlaceHold("hold-replay", new { holdId = "h1", amount = "31" }), HttpStatusCode.Conflict, "idempotency-conflict");

        var captured = await Capture("hold-replay", "h1", new { amount = "10" });
        Assert.Equal(HttpStatusCode.OK, captured.StatusCode);
        Assert.False(captured.Headers.Contains("Idempotent-Replayed"));
        var capturedBody = await captured.Content.ReadAsStringAsync();
        var ledger = (await Client.Ledger("hold-replay")).Count;
        await Task.Delay(20);

        var captureAgain = await Capture("hold-replay", "h1", new { amount = "10" });
        Assert.Equal(HttpStatusCode.OK, captureAgain.StatusCode);
        Assert.Equal("true", Assert.Single(captureAgain.Headers.GetValues("Idempotent-Replayed")));
        Assert.Equal(capturedBody, await captureAgain.Content.ReadAsStringAsync());

        // A replayed place after the capture must not re-reserve anything either.
        var placeLate = await PlaceHold("hold-replay", new { holdId = "h1", amount = "30" });
        Assert.Equal("true", Assert.Single(placeLate.Headers.GetValues("Idempotent-Replayed")));

        var account = await Client.Account("hold-replay");
        Assert.Equal("90", account.Str("balance"));
        Assert.Equal("0", account.Str("held"));
        Assert.Equal("90", account.Str("available"));
        Assert.Equal(ledger, (await Client.Ledger("hold-replay")).Count);
    }

    [Fact]
    public async Task A_hold_expires_by_itself_and_restores_available_funds()
    {
        await Funded("hold-exp", "10");
        var placed = await PlaceHold("hold-exp", new { holdId = "h-exp", amount = "4", expiresInSeconds = 1 });
        Assert.Equal(HttpStatusCode.Created, placed.StatusCode);
        var hold = await placed.Json();
        var expiresAt = hold.Ticks("expiresAt");
        Assert.InRange(expiresAt - hold.Ticks("placedAt"), TimeSpan.FromSeconds(0.9).Ticks, TimeSpan.FromSeconds(1).Ticks);
        Assert.Equal("6", hold.GetProperty("account").Str("available"));

        JsonElement? expired = null;
        var deadline = DateTime.UtcNow.AddSeconds(5);
        while (DateTime.UtcNow < deadline)
        {
            var listed = Assert.Single(await Holds("hold-exp"));
            if (listed.Str("status") == "expired")
            {
                expired = listed;
                break;
            }
            Assert.Equal("active", listed.Str("status"));
            await Task.Delay(50);
        }
        Assert.True(expired is not null, "the hold did not expire within 5 s");
        Assert.Equal("0", expired.Value.Str("captured"));

        var account = await Client.Account("hold-exp");
        Assert.Equal("10", account.Str("balance"));
        Assert.Equal("10", account.Str("available"));
        Assert.Equal("0", account.Str("held"));

        var expiredEvent = Assert.Single(await Client.Ledger("hold-exp"), e => e.Str("type") == "hold.expired");
        Assert.Equal("h-exp", expiredEvent.Str("holdId"));
        Assert.Equal("4", expiredEvent.Str("amount"));
        Assert.True(expiredEvent.Ticks("at") >= expiresAt, "expired before its expiry instant");
        Assert.Contains(await Client.Events(), e => e.Str("eventId") == expiredEvent.Str("eventId"));

        // An expired hold can no longer be captured.
        await ProblemAssert.Is(await Capture("hold-exp", "h-exp", new { }), HttpStatusCode.Conflict, "hold-state");
        Assert.Equal("10", (await Client.Account("hold-exp")).Str("balance"));
    }

    // ---------------------------------------------------------------- transfers

    [Fact]
    public async Task A_transfer_moves_money_on_both_sides_and_records_it_on_both_ledgers()
    {
        await Funded("tr-a", "100");
        await Funded("tr-b", "5");
        var response = await Client.Transfer("tr-a", "tr-b", "30.000001", "tx-1");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.False(response.Headers.Contains("Idempotent-Replayed"));
        var body = await response.Json();
        Assert.Equal("tr-a", body.GetProperty("from").Str("accountId"));
        Assert.Equal("69.999999", body.GetProperty("from").Str("balance"));
        Assert.Equal("tr-b", body.GetProperty("to").Str("accountId"));
        Assert.Equal("35.000001", body.GetProperty("to").Str("balance"));

        Assert.Equal("69.999999", (await Client.Account("tr-a")).Str("balance"));
        Assert.Equal("35.000001", (await Client.Account("tr-b")).Str("balance"));

        var outgoing = Assert.Single(await Client.Ledger("tr-a"), e => e.Str("type") == "transfer.completed");
        Assert.Equal("tx-1", outgoing.Str("operationId"));
        Assert.Equal("-30.000001", outgoing.Str("delta"));
        Assert.Equal("tr-b", outgoing.Str("counterparty"));
        var incoming = Assert.Single(await Client.Ledger("tr-b"), e => e.Str("type") == "transfer.completed");
        Assert.Equal("tx-1", incoming.Str("operationId"));
        Assert.Equal("30.000001", incoming.Str("delta"));
        Assert.Equal("tr-a", incoming.Str("counterparty"));
        Assert.NotEqual(outgoing.Str("eventId"), incoming.Str("eventId"));
        Assert.Equal(outgoing.Str("at"), incoming.Str("at"));
    }

    [Fact]
    public async Task An_insufficient_transfer_is_409_and_neither_account_changes()
    {
        await Funded("tr-poor", "10");
        await Funded("tr-rich", "1");
        (await PlaceHold("tr-poor", new { holdId = "h", amount = "3" })).EnsureSuccessStatusCode(); // 7 available
        var eventsBefore = (await Client.Events()).Count;

        await ProblemAssert.Is(await Client.Transfer("tr-poor", "tr-rich", "7.000001", "tx-poor"), HttpStatusCode.Conflict, "insufficient-funds");

        var poor = await Client.Account("tr-poor");
        Assert.Equal("10", poor.Str("balance"));
        Assert.Equal("7", poor.Str("available"));
        Assert.Equal("1", (await Client.Account("tr-rich")).Str("balance"));
        Assert.Equal(eventsBefore, (await Client.Events()).Count);
        Assert.DoesNotContain(await Client.Ledger("tr-rich"), e => e.Str("type") == "transfer.completed");

        // The refused transfer id may be retried once funds allow.
        var retried = await Client.Transfer("tr-poor", "tr-rich", "7", "tx-poor");
        Assert.Equal(HttpStatusCode.OK, retried.StatusCode);
        Assert.False(retried.Headers.Contains("Idempotent-Replayed"));
        Assert.Equal("8", (await Client.Account("tr-rich")).Str("balance"));
    }

    [Fact]
    public async Task A_transfer_between_currencies_is_409_currency_mismatch()
    {
        await Funded("tr-usd", "10");
        Assert.Equal(HttpStatusCode.Created, (await Client.OpenAccount("tr-eur", new { currency = "EUR" })).StatusCode);
        (await Client.Credit("tr-eur", "10")).EnsureSuccessStatusCode();
        var eventsBefore = (await Client.Events()).Count;

        await ProblemAssert.Is(await Client.Transfer("tr-usd", "tr-eur", "1", "tx-cur-1"), HttpStatusCode.Conflict, "currency-mismatch");
        await ProblemAssert.Is(await Client.Transfer("tr-eur", "tr-usd", "1", "tx-cur-2"), HttpStatusCode.Conflict, "currency-mismatch");

        Assert.Equal("10", (await Client.Account("tr-usd")).Str("balance"));
        Assert.Equal("10", (await Client.Account("tr-eur")).Str("balance"));
        Assert.Equal(eventsBefore, (await Client.Events()).Count);
    }

    [Fact]
    public async Task A_transfer_with_an_unknown_account_is_404_and_the_known_side_is_unchanged()
    {
        await Funded("tr-known", "10");
        var eventsBefore = (await Client.Events()).Count;
        await ProblemAssert.Is(await Client.Transfer("tr-known", "tr-missing", "1", "tx-miss-1"), HttpStatusCode.NotFound, "not-found");
        await ProblemAssert.Is(await Client.Transfer("tr-missing", "tr-known", "1", "tx-miss-2"), HttpStatusCode.NotFound, "not-found");
        Assert.Equal("10", (await Client.Account("tr-known")).Str("balance"));
        Assert.Equal(eventsBefore, (await Client.Events()).Count);
        Assert.Equal(HttpStatusCode.NotFound, (await Client.GetAsync("/api/accounts/tr-missing")).StatusCode);
    }

    [Fact]
    public async Task A_transfer_to_the_same_account_is_400()
    {
        await Funded("tr-self", "10");
        var eventsBefore = (await Client.Events()).Count;
        await ProblemAssert.Is(await Client.Transfer("tr-self", "tr-self", "1", "tx-self"), HttpStatusCode.BadRequest, "validation");
        Assert.Equal("10", (await Client.Account("tr-self")).Str("balance"));
        Assert.Equal(eventsBefore, (await Client.Events()).Count);
    }

    [Fact]
    public async Task Replaying_a_transfer_id_returns_the_original_answer_and_a_different_body_is_409()
    {
        await Funded("tr-rp-a", "50");
        await Funded("tr-rp-b", "0.5");
        var first = await Client.Transfer("tr-rp-a", "tr-rp-b", "20", "tx-replay");
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        var firstBody = await first.Content.ReadAsStringAsync();
        var eventsAfter = (await Client.Events()).Count;
        await Task.Delay(20);

        var replay = await Client.Transfer("tr-rp-a", "tr-rp-b", "20", "tx-replay");
        Assert.Equal(HttpStatusCode.OK, replay.StatusCode);
        Assert.Equal("true", Assert.Single(replay.Headers.GetValues("Idempotent-Replayed")));
        Assert.Equal(firstBody, await replay.Content.ReadAsStringAsync());

        // The Idempotency-Key header carries the transfer id just as well.
        var viaHeader = await Client.SendAsync(new HttpRequestMessage(HttpMethod.Post, "/api/transfers")
        {
            Content = new StringContent("""{"from":"tr-rp-a","to":"tr-rp-b","amount":"20"}""", Encoding.UTF8, "application/json"),
            Headers = { { "Idempotency-Key", "tx-replay" } },
        });
        Assert.Equal(HttpStatusCode.OK, viaHeader.StatusCode);
        Assert.Equal("true", Assert.Single(viaHeader.Headers.GetValues("Idempotent-Replayed")));
        Assert.Equal(firstBody, await viaHeader.Content.ReadAsStringAsync());

        await ProblemAssert.Is(await Client.Transfer("tr-rp-a", "tr-rp-b", "21", "tx-replay"), HttpStatusCode.Conflict, "idempotency-conflict");
        await ProblemAssert.Is(await Client.Transfer("tr-rp-b", "tr-rp-a", "20", "tx-replay"), HttpStatusCode.Conflict, "idempotency-conflict");

        Assert.Equal("30", (await Client.Account("tr-rp-a")).Str("balance"));
        Assert.Equal("20.5", (await Client.Account("tr-rp-b")).Str("balance"));
        Assert.Equal(eventsAfter, (await Client.Events()).Count);
    }

    [Fact]
    public async Task A_transfer_without_a_transfer_id_is_400()
    {
        await Funded("tr-noid-a", "10");
        await Funded("tr-noid-b", "10");
        var response = await Client.PostAsJsonAsync("/api/transfers", new { from = "tr-noid-a", to = "tr-noid-b", amount = "1" });
        await ProblemAssert.Is(response, HttpStatusCode.BadRequest, "validation");
        Assert.Equal("10", (await Client.Account("tr-noid-a")).Str("balance"));
        Assert.Equal("10", (await Client.Account("tr-noid-b")).Str("balance"));
    }

    // ---------------------------------------------------------------- helpers

    private async Task Funded(string accountId, string amount)
    {
        Assert.Equal(HttpStatusCode.Created, (await Client.OpenAccount(accountId)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Client.Credit(accountId, amount)).StatusCode);
    }

    private Task<HttpResponseMessage> PlaceHold(string accountId, object body) =>
        Client.PostAsJsonAsync($"/api/accounts/{accountId}/holds", body);

    private Task<HttpResponseMessage> Capture(string accountId, string holdId, object body) =>
        Client.PostAsJsonAsync($"/api/accounts/{accountId}/holds/{holdId}/capture", body);

    private Task<HttpResponseMessage> Release(string accountId, string holdId) =>
        Client.PostAsync($"/api/accounts/{accountId}/holds/{holdId}/release", null);

    private async Task<List<JsonElement>> Holds(string accountId)
    {
        var response = await Client.GetAsync($"/api/accounts/{accountId}/holds");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Json()).EnumerateArray().ToList();
    }

}
