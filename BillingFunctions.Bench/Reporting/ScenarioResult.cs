namespace BillingFunctions.Bench.Reporting;

/// <summary>What one scenario measured: the sizes it ran with and one row per figure.</summary>
internal sealed record ScenarioResult(string Scenario, IReadOnlyDictionary<string, string> Parameters, IReadOnlyList<Measurement> Rows);

/// <summary>One figure. <c>Target</c> is the product's goal for it, shown beside the figure, never enforced.</summary>
internal sealed record Measurement(string Case, string Metric, double Value, string Unit, string? Target = null);
