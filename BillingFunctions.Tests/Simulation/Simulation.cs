using BillingFunctions.Core.Accounts;
using BillingFunctions.Core.Amounts;

namespace BillingFunctions.Tests.Simulation;

/// <summary>
/// A seeded, deterministic run of random commands against the core over many accounts: credits, debits,
/// transfers, holds with captures, releases and expiries, rate changes, replays of old operation ids, clock
/// jumps both ways, and timers fired out of order, late, early and twice. The same seed gives the same run.
/// </summary>
internal sealed class Simulation
{
    public static readonly long T0 = new DateTime(2025, 1, 1, 0, 0, 0, DateTimeKind.Utc).Ticks;
    private const int InitialAccounts = 12;
    private const int MaxAccounts = 32;
    private const int TraceLength = 12;

    private readonly Random _random;
    private readonly SimulatedHost _host;
    private readonly List<string> _accounts = [];
    private readonly List<Request> _history = [];
    private readonly Queue<string> _trace = new();
    private long _clock = T0;
    private long _step;

    public Simulation(int seed)
    {
        Seed = seed;
        _random = new Random(seed);
        _host = new SimulatedHost(rule => throw new SimulationFailure(Seed, _step, rule, _trace));
    }

    public int Seed { get; }
    public long Steps => _step;
    public SimulatedHost Host => _host;

    /// <summary>How often each kind of step ended how ("debit: InsufficientFunds"), to show what a run covered.</summary>
    public SortedDictionary<string, int> Tally { get; } = new(StringComparer.Ordinal);

    /// <summary>A request as it was made, so it can be made again (same id, same or different content).</summary>
    private sealed record Request(string Key, Func<string> Run, Func<string> Conflicting)
    {
        public string Answer { get; set; } = "";
    }

    public void Run(long steps)
    {
        for (var i = 0; i < InitialAccounts; i++)
            OpenAccount();
        for (_step = 1; _step <= steps; _step++)
        {
            var what = Next();
            if (_trace.Count == TraceLength)
                _trace.Dequeue();
            _trace.Enqueue($"step {_step} @{_clock - T0}: {what}");
            var kind = Kind(what);
            Tally[kind] = Tally.GetValueOrDefault(kind) + 1;
            _host.CheckConservation();
        }
        _step = steps;
    }

    private string Next() => _random.Next(100) switch
    {
        < 14 => Credit(),
        < 24 => Debit(),
        < 32 => Transfer(),
        < 40 => PlaceHold(),
        < 45 => Capture(),
        < 49 => Release(),
        < 56 => SetRate(),
        < 61 => Reuse(sameContent: true),
        < 63 => Reuse(sameContent: false),
        < 74 => Advance(_random.NextInt64(1, 3 * TimeSpan.TicksPerSecond)),
        < 75 => Advance(_random.NextInt64(1, _random.Next(10) == 0 ? 6 * TimeSpan.TicksPerHour : TimeSpan.TicksPerMinute)),
        < 76 => Advance(-_random.NextInt64(1, 2 * TimeSpan.TicksPerMinute)),
        < 90 => FireWake(),
        < 92 => FireEarly(),
        < 93 => _accounts.Count < MaxAccounts ? OpenAccount() : Advance(1),
        _ => Read(),
    };

    /// <summary>"debit 5 on acct-1: InsufficientFunds" is "debit: InsufficientFunds"; an answer with a balance is "accepted".</summary>
    private static string Kind(string what)
    {
        var verb = what.Split(' ')[0];
        var answer = what.LastIndexOf(": ", StringComparison.Ordinal) is var at and >= 0 ? what[(at + 2)..] : "";
        return answer.Length == 0 ? verb : $"{verb}: {(Accepted(answer) ? "accepted" : answer)}";
    }

    private string OpenAccount()
    {
        var id = $"acct-{_accounts.Count}";
        _host.Open(id, _accounts.Count % 4 == 3 ? "EUR" : "USD", _clock);
        _accounts.Add(id);
        return $"open {id}";
    }

    private string Credit()
    {
        var account = AnyAccount();
        var amount = Amount(1, 50_000_000);
        return Command(account, $"credit {amount}", "credit", amount, id => new Credit(id, new Money(amount)));
    }

    private string Debit()
    {
        var account = AnyAccount();
        var amount = Share(_host.States[account].Available.Units);
        return Command(account, $"debit {amount}", "debit", amount, id => new Debit(id, new Money(amount)));
    }

    private string PlaceHold()
    {
        var account = AnyAccount();
        var amount = Share(_host.States[account].Available.Units);
        var holdId = $"h{_step}";
        var expiresAt = _clock + _random.NextInt64(-TimeSpan.TicksPerSecond, 10 * TimeSpan.TicksPerMinute);
        return Command(account, $"hold {holdId} {amount} until +{expiresAt - _clock}", $"hold:{holdId}", amount,
            id => new PlaceHold(id, holdId, new Money(amount), expiresAt));
    }

    private string Capture()
    {
        var account = AnyAccount();
        var (holdId, held) = SomeHold(account);
        long? amount = _random.Next(3) == 0 ? null : Share(held);
        return Command(account, $"capture {holdId} {amount?.ToString() ?? "all"}", $"capture:{holdId}", amount ?? 0,
            id => new CaptureHold(id, holdId, amount is { } a ? new Money(a) : null));
    }

    private string Release()
    {
        var account = AnyAccount();
        var (holdId, _) = SomeHold(account);
        return Command(account, $"release {holdId}", $"release:{holdId}", 0, id => new ReleaseHold(id, holdId));
    }

    private string SetRate()
    {
        var account = AnyAccount();
        var rate = _random.Next(10) switch
        {
            0 => 0,
            1 => 13_888_889, // 0.05 per hour: a rate whose consumption never divides evenly
            2 => _random.NextInt64(1, 1_000_000),
            3 => _random.NextInt64(10_000_000_000_000, 10_000_000_000_000_000), // 10 to 10,000 per second: more than a micro-unit per tick
            _ => _random.NextInt64(1_000_000, 20_000_000_000),
        };
        return Command(account, $"rate {rate}", "rate", rate, id => new SetRate(id, new Rate(rate)));
    }

    private string Transfer()
    {
        var from = AnyAccount();
        var to = AnyAccount();
        var amount = Share(_host.States[from].Available.Units);
        var transferId = $"tx{_step}";
        string Run(long units) => _host.Transfer(from, to, transferId, new Money(units), _clock);
        return Made(new Request($"transfer|{transferId}", () => Run(amount), () => Run(amount + 1)), $"transfer {transferId} {from}->{to} {amount}");
    }

    /// <summary>
    /// Sends an old request again under its operation id, with the same content (a replay: an accepted one answers
    /// as it did then) or with other content (a conflict). Either way an accepted original changes nothing.
    /// </summary>
    private string Reuse(bool sameContent)
    {
        if (_history.Count == 0)
            return Advance(1);
        var request = _history[_random.Next(_history.Count)];
        var before = Snapshot();
        var answer = sameContent ? request.Run() : request.Conflicting();
        var expected = sameContent ? request.Answer : "conflict";
        if (Accepted(request.Answer) && (answer != expected || before != Snapshot()))
            Fail($"{(sameContent ? "replaying" : "reusing for other content")} accepted {request.Key} answered '{answer}' instead of '{expected}', or changed state");
        if (!Accepted(request.Answer))
            request.Answer = sameContent || !Accepted(answer) ? answer : "taken by other content"; // a rejected original left no trace
        return $"{(sameContent ? "replay" : "reuse")} {request.Key}: {answer}";
    }

    private string Advance(long ticks)
    {
        _clock += ticks;
        return $"clock {(ticks >= 0 ? "+" : "")}{ticks}";
    }

    /// <summary>
    /// A timer fires once the clock has reached it: any of the due ones, not the earliest (out of order), often
    /// late. With nothing due, the clock moves on to the earliest pending wake, as an idle host's would.
    /// </summary>
    private string FireWake()
    {
        if (_random.Next(4) == 0)
            _clock += _random.NextInt64(0, 5 * TimeSpan.TicksPerSecond); // late
        var due = _host.Wakes.SelectMany(w => w.Value.Where(at => at <= _clock).Select(at => (Account: w.Key, At: at))).ToList();
        if (due.Count == 0)
        {
            var pending = _host.Wakes.SelectMany(w => w.Value.Select(at => (Account: w.Key, At: at))).ToList();
            if (pending.Count == 0)
                return Advance(1);
            var earliest = pending.MinBy(w => w.At);
            _clock = Math.Max(_clock, earliest.At);
            due = [earliest];
        }
        var (account, at) = due[_random.Next(due.Count)];
        _host.Wakes[account].Remove(at);
        _host.Wake(account, _clock);
        return $"wake {account} due {at - T0} at {_clock - T0}";
    }

    /// <summary>A wake before anything is due (a spurious or duplicate timer) must do nothing.</summary>
    private string FireEarly()
    {
        var account = AnyAccount();
        var when = _clock - _random.NextInt64(0, TimeSpan.TicksPerMinute);
        _host.Wake(account, when);
        return $"early wake {account} at {when - T0}";
    }

    private string Read()
    {
        var account = AnyAccount();
        var state = _host.States[account];
        var view = AccountView.At(state, _clock);
        if (view.Available.Units < 0 || view.Balance.Units < 0 || view.Available != view.Balance - view.Held || view.Balance > state.Balance)
            Fail($"read of {account} shows balance {view.Balance}, available {view.Available}, held {view.Held} (stored balance {state.Balance})");
        return $"read {account}";
    }

    private string Command(string account, string what, string verb, long content, Func<string, AccountCommand> command)
    {
        var operationId = $"op{_step}";
        var key = $"{account}|{operationId}";
        var fingerprint = $"{verb}:{content}";
        string Run(string fp, long units) => _host.Execute(account, units == content ? command(operationId) : Changed(command(operationId), units), key, fp, _clock);
        return Made(new Request(key, () => Run(fingerprint, content), () => Run($"{verb}:{content + 1}", content + 1)), $"{what} on {account}");
    }

    private string Made(Request request, string what)
    {
        request.Answer = request.Run();
        _history.Add(request);
        return $"{what}: {request.Answer}";
    }

    /// <summary>The same command with other content, for reusing an operation id on a different request.</summary>
    private static AccountCommand Changed(AccountCommand command, long units) => command switch
    {
        Credit c => c with { Amount = new Money(units) },
        Debit d => d with { Amount = new Money(units) },
        SetRate r => r with { Rate = new Rate(units) },
        PlaceHold h => h with { Amount = new Money(units) },
        CaptureHold c => c with { Amount = new Money(Math.Max(units, 1)) },
        _ => command,
    };

    /// <summary>Accepted answers name the account and its balance; rejections are a rejection kind.</summary>
    private static bool Accepted(string answer) => answer.Contains(':');

    private string Snapshot() => string.Join(";", _host.States.Values.Select(s => $"{s.AccountId}:{s.Version}:{s.Balance.Units}"));

    private string AnyAccount() => _accounts[_random.Next(_accounts.Count)];

    private (string HoldId, long Amount) SomeHold(string account)
    {
        var holds = _host.States[account].Holds.Values.ToList();
        if (holds.Count == 0 || _random.Next(8) == 0)
        {
            var resolved = _host.Shadows[account].ResolvedHolds;
            return (resolved.Count > 0 && _random.Next(2) == 0 ? resolved.ElementAt(_random.Next(resolved.Count)) : "h-unknown", 1);
        }
        var hold = holds[_random.Next(holds.Count)];
        return (hold.HoldId, hold.Amount.Units);
    }

    /// <summary>Part of what is there, all of it, or a little more: exact zeros and near misses come up often.</summary>
    private long Share(long of) => _random.Next(10) switch
    {
        0 => of + 1,
        1 => Math.Max(of, 1),
        2 => 1,
        _ => Math.Max(1, (long)((Int128)of * _random.Next(1, 1_000_000) / 1_000_000)),
    };

    private long Amount(long min, long max) => _random.Next(4) == 0 ? _random.NextInt64(min, 1000) : _random.NextInt64(min, max);

    private string Fail(string rule) => throw new SimulationFailure(Seed, _step, rule, _trace);
}

/// <summary>A broken invariant, with everything needed to replay it.</summary>
public sealed class SimulationFailure(int seed, long step, string rule, IEnumerable<string> trace) : Exception(
    $"Invariant broken at step {step} of seed {seed}: {rule}\n"
    + $"Replay: BILLING_SIM_SEED={seed} BILLING_SIM_STEPS={step} dotnet test BillingFunctions.slnx --filter FullyQualifiedName~Simulation\n"
    + "Last steps:\n  " + string.Join("\n  ", trace));
