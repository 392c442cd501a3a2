using System.Diagnostics;
using BillingFunctions.Core.Accounts;

namespace BillingFunctions.Tests.Simulation;

/// <summary>
/// Runs the deterministic simulation of the core. <c>BILLING_SIM_STEPS</c> sets the length (default 100,000;
/// a soak is a larger number), <c>BILLING_SIM_SEED</c> replays one seed; without it every run picks a new
/// seed and prints it, so CI keeps exploring and any failure names the exact command that replays it.
/// </summary>
public sealed class SimulationTests(Xunit.Abstractions.ITestOutputHelper output)
{
    public const long DefaultSteps = 100_000;

    [Fact]
    public void Random_command_sequences_keep_every_invariant()
    {
        var steps = long.TryParse(Environment.GetEnvironmentVariable("BILLING_SIM_STEPS"), out var n) && n > 0 ? n : DefaultSteps;
        var seed = int.TryParse(Environment.GetEnvironmentVariable("BILLING_SIM_SEED"), out var s) ? s : Random.Shared.Next();
        output.WriteLine($"seed {seed}, {steps} steps");

        var clock = Stopwatch.StartNew();
        var simulation = new Simulation(seed);
        simulation.Run(steps);

        var host = simulation.Host;
        var shadows = host.Shadows.Values;
        var depletions = shadows.Sum(a => a.Depletions);
        var resolved = shadows.Sum(a => a.ResolvedHolds.Count);
        output.WriteLine($"{simulation.Steps} steps simulated in {clock.Elapsed.TotalSeconds:F1} s over {host.States.Count} accounts: "
            + $"{host.Decisions} decisions, {host.Rejections} rejections, {host.Replays} replays of old operation ids, "
            + $"{depletions} depletions (one cut-off each), {resolved} holds resolved (captured, released or expired)");

        output.WriteLine(string.Join("\n", simulation.Tally.Select(t => $"  {t.Key,-40} {t.Value,8}")));

        // The run must have exercised what it claims to, or its invariants were checked on nothing.
        Assert.Equal(steps, simulation.Steps);
        Assert.True(depletions > steps / 1000, $"only {depletions} depletions in {steps} steps");
        Assert.True(host.Replays > steps / 100, $"only {host.Replays} replays");
        Assert.True(host.Rejections > steps / 100, $"only {host.Rejections} rejections");
        Assert.True(shadows.Count(a => a.Depletions > 1) > 1, "no account went through several episodes");
        Assert.True(resolved > steps / 100, $"only {resolved} holds resolved");
        Assert.True(host.States.Values.Any(a => a.Status == AccountStatus.Active && a.Holds.Count > 0), "no holds in play at the end");
    }

    [Fact]
    public void The_same_seed_gives_the_same_run()
    {
        string Fingerprint()
        {
            var simulation = new Simulation(12345);
            simulation.Run(5_000);
            return string.Join(";", simulation.Host.States.Values.Select(a => $"{a.AccountId}:{a.Balance.Units}:{a.Version}:{a.Episode}"));
        }
        Assert.Equal(Fingerprint(), Fingerprint());
    }

    [Fact]
    public void A_broken_invariant_names_its_seed_step_and_replay_command()
    {
        var failure = new SimulationFailure(42, 1234, "money not conserved", ["step 1233: credit", "step 1234: debit"]);
        Assert.Contains("seed 42", failure.Message);
        Assert.Contains("step 1234", failure.Message);
        Assert.Contains("BILLING_SIM_SEED=42 BILLING_SIM_STEPS=1234 dotnet test", failure.Message);
    }
}
