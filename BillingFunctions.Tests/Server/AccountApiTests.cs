using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using BillingFunctions.Tests.Support;

namespace BillingFunctions.Tests.Server;

/// <summary>Accounts over HTTP: open, credit, debit, insufficient funds, idempotent replay, ledger and events.</summary>
public sealed class AccountApiTests(SharedServer fixture) : IClassFixture<SharedServer>
{
    private HttpClient Client => fixture.Server.Client;

    // ---------------------------------------------------------------- open

    [Fact]
    public async Task Open_is_201_then_200_with_the_same_settings_and_409_with_different_ones()
    {
        var created = await Client.OpenAccount("acc-open-1");
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var body = await created.Json();
        Assert.Equal("acc-open-1", body.Str("accountId"));
        Assert.Equal("USD", body.Str("currency"));
        Assert.Equal("0", body.Str("balance"));
        Assert.Equal("0", body.Str("available"));
        Assert.Equal("0", body.Str("held"));
        Assert.Equal("0", body.Str("ratePerSecond"));
        Assert.Equal("active", body.Str("status"));
        Assert.Equal(JsonValueKind.Null, body.GetProperty("depletesAt").ValueKind);

        var again = await Client.OpenAccount("acc-open-1");
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Equal("USD", (await again.Json()).Str("currency"));

        // The default currency spelled out is the same setting.
        var explicitDefault = await Client.OpenAccount("acc-open-1", new { currency = "USD" });
        Assert.Equal(HttpStatusCode.OK, explicitDefault.StatusCode);

        var otherCurrency = await Client.OpenAccount("acc-open-1", new { currency = "EUR" });
        await ProblemAssert.Is(otherCurrency, HttpStatusCode.Conflict, "account-exists");

        var otherWarning = await Client.OpenAccount("acc-open-1", new { lowBalanceWarningSeconds = 60 });
        await ProblemAssert.Is(otherWarning, HttpStatusCode.Conflict, "account-exists");

        // Nothing about the account changed, and it was created exactly once.
        var account = await Client.Account("acc-open-1");
        Assert.Equal("USD", account.Str("currency"));
        Assert.Single(await Client.Ledger("acc-open-1"), e => e.Str("type") == "account.created");
        Assert.Single(await Client.Ledger("acc-open-1"));
    }

    [Fact]
    public async Task Open_keeps_a_chosen_currency()
    {
        var created = await Client.OpenAccount("acc-open-eur", new { currency = "EUR" });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal("EUR", (await created.Json()).Str("currency"));
        Assert.Equal("EUR", (await Client.Account("acc-open-eur")).Str("currency"));
        await ProblemAssert.Is(await Client.OpenAccount("acc-open-eur"), HttpStatusCode.Conflict, "account-exists");
    }

    [Fact]
    public async Task Get_of_an_unknown_account_is_404_problem()
    {
        await ProblemAssert.Is(await Client.GetAsync("/api/accounts/acc-nobody"), HttpStatusCode.NotFound, "not-found");
    }

    // ---------------------------------------------------------------- credit / debit

    [Fact]
    public async Task Credits_and_debits_answer_the_account_with_its_new_balance()
    {
        await Open("acc-move");

        var credited = await Client.Credit("acc-move", "12.5");
        Assert.Equal(HttpStatusCode.OK, credited.StatusCode);
        var afterCredit = await credited.Json();
        Assert.Equal("acc-move", afterCredit.Str("accountId"));
        Assert.Equal("12.5", afterCredit.Str("balance"));
        Assert.Equal("12.5", afterCredit.Str("available"));
        Assert.Equal("active", afterCredit.Str("status"));
        Assert.False(credited.Headers.Contains("Idempotent-Replayed"));

        var second = await (await Client.Credit("acc-move", "0.000001")).Json();
        Assert.Equal("12.500001", second.Str("balance"));

        var debited = await Client.Debit("acc-move", "2.500001");
        Assert.Equal(HttpStatusCode.OK, debited.StatusCode);
        Assert.Equal("10", (await debited.Json()).Str("balance"));

        var read = await Client.Account("acc-move");
        Assert.Equal("10", read.Str("balance"));
        Assert.Equal(["account.created", "account.credited", "account.credited", "account.debited"],
            (await Client.Ledger("acc-move")).Select(e => e.Str("type")));

        // Debiting down to exactly zero is allowed.
        Assert.Equal("0", (await (await Client.Debit("acc-move", "10")).Json()).Str("balance"));
    }

    [Fact]
    public async Task Insufficient_funds_is_409_and_changes_nothing()
    {
        await Open("acc-poor");
        (await Client.Credit("acc-poor", "5")).EnsureSuccessStatusCode();
        var before = await Client.Account("acc-poor");
        var ledgerBefore = (await Client.Ledger("acc-poor")).Count;
        var eventsBefore = (await Client.Events()).Count;

        await ProblemAssert.Is(await Client.Debit("acc-poor", "5.000001"), HttpStatusCode.Conflict, "insufficient-funds");
        await ProblemAssert.Is(await Client.Debit("acc-poor", "5.000001", "op-poor-1"), HttpStatusCode.Conflict, "insufficient-funds");

        var after = await Client.Account("acc-poor");
        Assert.Equal(before.Str("balance"), after.Str("balance"));
        Assert.Equal(before.Str("available"), after.Str("available"));
        Assert.Equal("5", after.Str("balance"));
        Assert.Equal(ledgerBefore, (await Client.Ledger("acc-poor")).Count);
        Assert.Equal(eventsBefore, (await Client.Events()).Count);
    }

    [Fact]
    public async Task Debit_of_an_unknown_account_is_404()
    {
        await ProblemAssert.Is(await Client.Debit("acc-ghost", "1"), HttpStatusCode.NotFound, "not-found");
        await ProblemAssert.Is(await Client.Credit("acc-ghost", "1"), HttpStatusCode.NotFound, "not-found");
        await ProblemAssert.Is(await Client.GetAsync("/api/accounts/acc-ghost"), HttpStatusCode.NotFound, "not-found");
    }

    // ---------------------------------------------------------------- idempotency

    [Fact]
    public async Task Replay_by_Idempotency_Key_header_returns_the_original_body_and_changes_nothing()
    {
        await Open("acc-idem-h");
        var first = await PostWithKey("/api/accounts/acc-idem-h/credits", new { amount = "7" }, "key-h-1");
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.False(first.Headers.Contains("Idempotent-Replayed"));
        var firstBody = await first.Content.ReadAsStringAsync();
        var ledgerAfterFirst = (await Client.Ledger("acc-idem-h")).Count;
        await Task.Delay(20); // a fresh answer would carry a later asOf

        var replay = await PostWithKey("/api/accounts/acc-idem-h/credits", new { amount = "7" }, "key-h-1");
        Assert.Equal(HttpStatusCode.OK, replay.StatusCode);
        Assert.Equal("true", Assert.Single(replay.Headers.GetValues("Idempotent-Replayed")));
        Assert.Equal(firstBody, await replay.Content.ReadAsStringAsync());

        // The body's id field naming the same operation is the same operation.
        var viaBody = await Client.Credit("acc-idem-h", "7", "key-h-1");
        Assert.Equal(HttpStatusCode.OK, viaBody.StatusCode);
        Assert.Equal("true", Assert.Single(viaBody.Headers.GetValues("Idempotent-Replayed")));
        Assert.Equal(firstBody, await viaBody.Content.ReadAsStringAsync());

        Assert.Equal("7", (await Client.Account("acc-idem-h")).Str("balance"));
        Assert.Equal(ledgerAfterFirst, (await Client.Ledger("acc-idem-h")).Count);
        var credited = Assert.Single(await Client.Ledger("acc-idem-h"), e => e.Str("type") == "account.credited");
        Assert.Equal("key-h-1", credited.Str("operationId"));
    }

    [Fact]
    public async Task Replay_by_body_operationId_returns_the_original_body_and_changes_nothing()
    {
        await Open("acc-idem-b");
        (await Client.Credit("acc-idem-b", "20")).EnsureSuccessStatusCode();
        var first = await Client.Debit("acc-idem-b", "3", "op-b-1");
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.False(first.Headers.Contains("Idempotent-Replayed"));
        var firstBody = await first.Content.ReadAsStringAsync();
        var eventsAfterFirst = (await Client.Events()).Count;
        await Task.Delay(20);

        for (var i = 0; i < 3; i++)
        {
            var replay = await Client.Debit("acc-idem-b", "3", "op-b-1");
            Assert.Equal(HttpStatusCode.OK, replay.StatusCode);
            Assert.Equal("true", Assert.Single(replay.Headers.GetValues("Idempotent-Replayed")));
            Assert.Equal(firstBody, await replay.Content.ReadAsStringAsync());
        }
        // The header naming the same operation is the same operation.
        var viaHeader = await PostWithKey("/api/accounts/acc-idem-b/debits", new { amount = "3" }, "op-b-1");
        Assert.Equal("true", Assert.Single(viaHeader.Headers.GetValues("Idempotent-Replayed")));
        Assert.Equal(firstBody, await viaHeader.Content.ReadAsStringAsync());

        Assert.Equal("17", (await Client.Account("acc-idem-b")).Str("balance"));
        Assert.Equal(eventsAfterFirst, (await Client.Events()).Count);
    }

    [Fact]
    public async Task The_same_operation_id_for_a_different_request_is_409_idempotency_conflict()
    {
        await Open("acc-idem-c");
        (await Client.Credit("acc-idem-c", "10", "op-c-1")).EnsureSuccessStatusCode();
        var ledger = (await Client.Ledger("acc-idem-c")).Count;

        await ProblemAssert.Is(await Client.Credit("acc-idem-c", "11", "op-c-1"), HttpStatusCode.Conflict, "idempotency-conflict");
        await ProblemAssert.Is(await PostWithKey("/api/accounts/acc-idem-c/credits", new { amount = "10.5" }, "op-c-1"),
            HttpStatusCode.Conflict, "idempotency-conflict");
        // Same amount, different kind of operation: still a different request.
        await ProblemAssert.Is(await Client.Debit("acc-idem-c", "10", "op-c-1"), HttpStatusCode.Conflict, "idempotency-conflict");

        Assert.Equal("10", (await Client.Account("acc-idem-c")).Str("balance"));
        Assert.Equal(ledger, (await Client.Ledger("acc-idem-c")).Count);
    }

    [Fact]
    public async Task Header_and_body_ids_that_disagree_are_400_and_change_nothing()
    {
        await Open("acc-idem-d");
        var response = await PostWithKey("/api/accounts/acc-idem-d/credits", new { amount = "1", operationId = "op-body" }, "op-header");
        await ProblemAssert.Is(response, HttpStatusCode.BadRequest, "validation");
        Assert.Equal("0", (await Client.Account("acc-idem-d")).Str("balance"));
        Assert.Single(await Client.Ledger("acc-idem-d"));

        // Agreeing ids are fine.
        var agreeing = await PostWithKey("/api/accounts/acc-idem-d/credits", new { amount = "1", operationId = "op-same" }, "op-same");
        Assert.Equal(HttpStatusCode.OK, agreeing.StatusCode);
        Assert.Equal("1", (await Client.Account("acc-idem-d")).Str("balance"));
    }

    [Fact]
    public async Task A_refused_operation_id_can_be_retried_after_a_credit()
    {
        await Open("acc-retry");
        (await Client.Credit("acc-retry", "1")).EnsureSuccessStatusCode();
        await ProblemAssert.Is(await Client.Debit("acc-retry", "4", "op-retry-1"), HttpStatusCode.Conflict, "insufficient-funds");
        (await Client.Credit("acc-retry", "5")).EnsureSuccessStatusCode();

        var retried = await Client.Debit("acc-retry", "4", "op-retry-1");
        Assert.Equal(HttpStatusCode.OK, retried.StatusCode);
        Assert.False(retried.Headers.Contains("Idempotent-Replayed"));
        Assert.Equal("2", (await retried.Json()).Str("balance"));

        // ...and from now on it is that debit's id.
        var replay = await Client.Debit("acc-retry", "4", "op-retry-1");
        Assert.Equal("true", Assert.Single(replay.Headers.GetValues("Idempotent-Replayed")));
        Assert.Equal("2", (await Client.Account("acc-retry")).Str("balance"));
        Assert.Single(await Client.Ledger("acc-retry"), e => e.Str("type") == "account.debited");
    }

    [Fact]
    public async Task Concurrent_requests_with_one_operation_id_apply_once_and_all_answer_the_same_body()
    {
        await Open("acc-idem-race");
        var responses = await Task.WhenAll(Enumerable.Range(0, 24).Select(_ => Client.Credit("acc-idem-race", "2.5", "op-race")));
        Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        var bodies = await Task.WhenAll(responses.Select(r => r.Content.ReadAsStringAsync()));
        Assert.Single(bodies.Distinct());
        Assert.Single(responses, r => !r.Headers.Contains("Idempotent-Replayed"));
        Assert.Equal("2.5", (await Client.Account("acc-idem-race")).Str("balance"));
        Assert.Single(await Client.Ledger("acc-idem-race"), e => e.Str("type") == "account.credited");
    }

    [Fact]
    public async Task Concurrent_debits_never_overdraw()
    {
        await Open("acc-race-debit");
        (await Client.Credit("acc-race-debit", "10")).EnsureSuccessStatusCode();
        var responses = await Task.WhenAll(Enumerable.Range(0, 25).Select(i => Client.Debit("acc-race-debit", "1", $"op-race-debit-{i}")));
        Assert.Equal(10, responses.Count(r => r.StatusCode == HttpStatusCode.OK));
        Assert.Equal(15, responses.Count(r => r.StatusCode == HttpStatusCode.Conflict));
        foreach (var refused in responses.Where(r => r.StatusCode == HttpStatusCode.Conflict))
            await ProblemAssert.Is(refused, HttpStatusCode.Conflict, "insufficient-funds");
        Assert.Equal("0", (await Client.Account("acc-race-debit")).Str("balance"));
        Assert.Equal(10, (await Client.Ledger("acc-race-debit")).Count(e => e.Str("type") == "account.debited"));
    }

    [Fact]
    public async Task Operation_ids_are_scoped_to_their_account()
    {
        await Open("acc-scope-1");
        await Open("acc-scope-2");
        (await Client.Credit("acc-scope-1", "1", "op-shared")).EnsureSuccessStatusCode();
        var other = await Client.Credit("acc-scope-2", "2", "op-shared");
        Assert.Equal(HttpStatusCode.OK, other.StatusCode);
        Assert.False(other.Headers.Contains("Idempotent-Replayed"));
        Assert.Equal("2", (await Client.Account("acc-scope-2")).Str("balance"));
    }

    [Fact]
    public async Task Set_rate_answers_the_account_and_replays_by_header()
    {
        await Open("acc-rate");
        (await Client.Credit("acc-rate", "100")).EnsureSuccessStatusCode();
        var set = await Client.SendAsync(new HttpRequestMessage(HttpMethod.Put, "/api/accounts/acc-rate/rate")
        {
            Content = JsonContent.Create(new { ratePerSecond = "0.000013888889" }),
            Headers = { { "Idempotency-Key", "rate-1" } },
        });
        Assert.Equal(HttpStatusCode.OK, set.StatusCode);
        var account = await set.Json();
        Assert.Equal("0.000013888889", account.Str("ratePerSecond"));
        Assert.NotEqual(JsonValueKind.Null, account.GetProperty("depletesAt").ValueKind);
        Assert.True(account.Ticks("depletesAt") > account.Ticks("asOf"));

        var replay = await Client.SendAsync(new HttpRequestMessage(HttpMethod.Put, "/api/accounts/acc-rate/rate")
        {
            Content = JsonContent.Create(new { ratePerSecond = "0.000013888889" }),
            Headers = { { "Idempotency-Key", "rate-1" } },
        });
        Assert.Equal("true", Assert.Single(replay.Headers.GetValues("Idempotent-Replayed")));
        Assert.Single(await Client.Ledger("acc-rate"), e => e.Str("type") == "account.rate_changed");
    }

    // ---------------------------------------------------------------- ledger and events

    [Fact]
    public async Task Ledger_pages_by_limit_and_after_with_a_next_cursor()
    {
        await Open("acc-page");
        for (var i = 1; i <= 6; i++)
            (await Client.Credit("acc-page", i.ToString())).EnsureSuccessStatusCode();
        // An unrelated account's events interleave in the global sequence but never appear on this ledger.
        await Open("acc-page-other");
        (await Client.Credit("acc-page-other", "1")).EnsureSuccessStatusCode();
        (await Client.Credit("acc-page", "7")).EnsureSuccessStatusCode();

        var all = await Client.Ledger("acc-page"); // 1 created + 7 credits
        Assert.Equal(8, all.Count);
        Assert.All(all, e => Assert.Equal("acc-page", e.Str("accountId")));

        var seen = new List<JsonElement>();
        long? after = null;
        var pages = 0;
        while (true)
        {
            var url = "/api/accounts/acc-page/ledger?limit=3" + (after is { } a ? $"&after={a}" : "");
            var response = await Client.GetAsync(url);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var page = await response.Json();
            var items = page.GetProperty("items").EnumerateArray().ToList();
            Assert.True(items.Count <= 3);
            seen.AddRange(items);
            pages++;
            var next = page.GetProperty("next");
            if (items.Count == 3)
            {
                Assert.Equal(JsonValueKind.Number, next.ValueKind);
                Assert.Equal(items[^1].GetProperty("sequence").GetInt64(), next.GetInt64());
            }
            if (next.ValueKind == JsonValueKind.Null)
                break;
            after = next.GetInt64();
            Assert.True(pages < 10, "paging did not terminate");
        }
        Assert.Equal(3, pages); // 3 + 3 + 2
        Assert.Equal(all.Select(e => e.Str("eventId")), seen.Select(e => e.Str("eventId")));
        Assert.Equal(["1", "2", "3", "4", "5", "6", "7"],
            seen.Where(e => e.Str("type") == "account.credited").Select(e => e.Str("amount")));

        // `after` is exclusive: starting after the 5th entry gives the 6th onwards.
        var tail = await (await Client.GetAsync($"/api/accounts/acc-page/ledger?after={all[4].GetProperty("sequence").GetInt64()}")).Json();
        Assert.Equal(all.Skip(5).Select(e => e.Str("eventId")), tail.GetProperty("items").EnumerateArray().Select(e => e.Str("eventId")));
        Assert.Equal(JsonValueKind.Null, tail.GetProperty("next").ValueKind);

        // Past the end: an empty page and no cursor.
        var past = await (await Client.GetAsync($"/api/accounts/acc-page/ledger?after={all[^1].GetProperty("sequence").GetInt64()}")).Json();
        Assert.Empty(past.GetProperty("items").EnumerateArray());
        Assert.Equal(JsonValueKind.Null, past.GetProperty("next").ValueKind);
    }

    [Fact]
    public async Task Events_feed_is_ordered_by_sequence_with_unique_ids_across_pages()
    {
        await Open("acc-feed-1");
        await Open("acc-feed-2");
        for (var i = 1; i <= 4; i++)
        {
            (await Client.Credit("acc-feed-1", i.ToString())).EnsureSuccessStatusCode();
            (await Client.Credit("acc-feed-2", (10 * i).ToString())).EnsureSuccessStatusCode();
        }

        var events = new List<JsonElement>();
        long after = 0;
        for (var pages = 0; ; pages++)
        {
            Assert.True(pages < 10_000, "paging did not terminate");
            var response = await Client.GetAsync($"/api/events?after={after}&limit=2");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var page = await response.Json();
            var items = page.GetProperty("items").EnumerateArray().ToList();
            Assert.True(items.Count <= 2);
            events.AddRange(items);
            if (page.GetProperty("next").ValueKind == JsonValueKind.Null)
                break;
            after = page.GetProperty("next").GetInt64();
        }

        var sequences = events.Select(e => e.GetProperty("sequence").GetInt64()).ToList();
        for (var i = 1; i < sequences.Count; i++)
            Assert.True(sequences[i] > sequences[i - 1], $"sequence {sequences[i]} follows {sequences[i - 1]}");
        var ids = events.Select(e => e.Str("eventId")).ToList();
        Assert.Equal(ids.Count, ids.Distinct().Count());
        Assert.Equal(events.Count, (await Client.Events()).Count);

        // My writes appear in the order they were acknowledged.
        var mine = events.Where(e => e.Str("accountId") is "acc-feed-1" or "acc-feed-2" && e.Str("type") == "account.credited")
            .Select(e => $"{e.Str("accountId")}:{e.Str("amount")}").ToList();
        Assert.Equal(["acc-feed-1:1", "acc-feed-2:10", "acc-feed-1:2", "acc-feed-2:20", "acc-feed-1:3", "acc-feed-2:30",
            "acc-feed-1:4", "acc-feed-2:40"], mine);
        Assert.All(events, e => Assert.False(string.IsNullOrEmpty(e.Str("type"))));
    }

    [Fact]
    public async Task Ledger_entries_reconcile_under_a_running_rate()
    {
        await Open("acc-recon");
        (await Client.Credit("acc-recon", "1000")).EnsureSuccessStatusCode();
        (await Client.SetRate("acc-recon", "0.012345678901")).EnsureSuccessStatusCode();
        for (var i = 0; i < 6; i++)
        {
            await Task.Delay(30);
            if (i % 2 == 0)
                (await Client.Credit("acc-recon", "0.000003")).EnsureSuccessStatusCode();
            else
                (await Client.Debit("acc-recon", "0.5")).EnsureSuccessStatusCode();
        }
        await Task.Delay(30);
        (await Client.SetRate("acc-recon", "0")).EnsureSuccessStatusCode();

        var ledger = await Client.Ledger("acc-recon");
        Assert.Equal(10, ledger.Count); // created, credit, rate, 6 moves, rate
        Assert.Equal(0m, ledger[0].Dec("balanceBefore"));
        for (var i = 0; i < ledger.Count; i++)
        {
            var e = ledger[i];
            Assert.Equal(e.Dec("balanceBefore") + e.Dec("delta"), e.Dec("balanceAfter"));
            Assert.True(e.Dec("consumed") >= 0);
            if (i > 0)
                Assert.True(ledger[i - 1].Dec("balanceAfter") - e.Dec("consumed") == e.Dec("balanceBefore"),
                    $"entry {i} ({e.Str("type")}): previous balanceAfter {ledger[i - 1].Dec("balanceAfter")} - consumed {e.Dec("consumed")} != balanceBefore {e.Dec("balanceBefore")}");
        }
        var consumed = ledger.Sum(e => e.Dec("consumed"));
        Assert.True(consumed > 0, "a running rate consumed nothing");
        // Roughly 6 x 30 ms at 0.0123/s: well under a cent, but above zero (time between writes is at least the delays).
        Assert.True(consumed < 1m, $"consumed {consumed}");
        var credits = ledger.Where(e => e.Str("type") == "account.credited").Sum(e => e.Dec("amount"));
        var debits = ledger.Where(e => e.Str("type") == "account.debited").Sum(e => e.Dec("amount"));
        Assert.Equal(credits - debits - consumed, ledger[^1].Dec("balanceAfter"));
        // With the rate back at 0 the balance stands still at the last entry's balance.
        Assert.Equal(ledger[^1].Dec("balanceAfter"), (await Client.Account("acc-recon")).Dec("balance"));
    }

    // ---------------------------------------------------------------- helpers

    private async Task Open(string accountId)
    {
        var response = await Client.OpenAccount(accountId);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
    }

    private Task<HttpResponseMessage> PostWithKey(string path, object body, string key) =>
        Client.SendAsync(new HttpRequestMessage(HttpMethod.Post, path)
        {
            Content = new StringContent(JsonSerializer.Serialize(body), Encoding.UTF8, "application/json"),
            Headers = { { "Idempotency-Key", key } },
        });

}
