using System.Text.Json;
using BillingFunctions.Tests.Support;

namespace BillingFunctions.Tests.Infrastructure;

/// <summary>
/// infra/main.bicep and infra/main.bicepparam, built and linted once by the real Bicep CLI into a temporary directory.
/// Every run is offline: <c>--no-restore</c> stops the CLI fetching the public module index, which it otherwise
/// tries on every build and lint (the template uses no registry modules; the Azure resource types are in the CLI).
/// </summary>
public sealed class CompiledTemplate : IAsyncLifetime
{
    /// <summary>The secrets main.bicepparam reads from the environment; test values, long enough for the template.</summary>
    public static readonly IReadOnlyDictionary<string, string?> Secrets = new Dictionary<string, string?>
    {
        ["BILLING_WEBHOOK_SECRET"] = "test-webhook-secret-0123456789abcdef",
        ["BILLING_API_KEY"] = "test-api-key-0123456789abcdef012345",
    };

    /// <summary>The same variables, removed: a developer's shell must not change what the tests see.</summary>
    public static readonly IReadOnlyDictionary<string, string?> NoSecrets =
        Secrets.Keys.ToDictionary(name => name, _ => (string?)null);

    private string _directory = "";

    public BicepCli Cli { get; private set; } = null!;
    public string TemplateFile { get; } = Path.Combine(BicepCli.InfraDirectory, "main.bicep");
    public string ParametersFile { get; } = Path.Combine(BicepCli.InfraDirectory, "main.bicepparam");

    public BicepRun Build { get; private set; } = null!;
    public BicepRun Lint { get; private set; } = null!;
    public BicepRun BuildParameters { get; private set; } = null!;

    /// <summary>The ARM JSON that <c>bicep build</c> wrote.</summary>
    public ArmTemplate Template { get; private set; } = null!;

    /// <summary>The deployment parameters JSON that <c>bicep build-params</c> wrote.</summary>
    public JsonElement Parameters { get; private set; }

    public async Task InitializeAsync()
    {
        Cli = BicepCli.Restored();
        _directory = TempDirectory.Create();
        var templateJson = Path.Combine(_directory, "main.json");
        var parametersJson = Path.Combine(_directory, "main.parameters.json");

        Build = await Cli.RunAsync(NoSecrets, "build", TemplateFile, "--no-restore", "--outfile", templateJson);
        Lint = await Cli.RunAsync(NoSecrets, "lint", TemplateFile, "--no-restore");
        BuildParameters = await Cli.RunAsync(Secrets, "build-params", ParametersFile, "--no-restore", "--outfile", parametersJson);

        if (Build.ExitCode != 0)
            throw new InvalidOperationException($"infra/main.bicep does not compile. {Build}");
        if (BuildParameters.ExitCode != 0)
            throw new InvalidOperationException($"infra/main.bicepparam does not compile. {BuildParameters}");
        Template = new ArmTemplate(Read(templateJson));
        Parameters = Read(parametersJson);
    }

    public Task DisposeAsync()
    {
        if (_directory.Length > 0)
            Directory.Delete(_directory, recursive: true);
        return Task.CompletedTask;
    }

    private static JsonElement Read(string path)
    {
        using var document = JsonDocument.Parse(File.ReadAllText(path));
        return document.RootElement.Clone();
    }
}
