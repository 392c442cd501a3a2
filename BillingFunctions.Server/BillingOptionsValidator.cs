using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;

namespace BillingFunctions.Server;

/// <summary>
/// Checks the <c>Billing</c> section against the <c>[Range]</c> and other attributes on <see cref="BillingOptions"/> and
/// the sections it holds (generated at build time, so no reflection at start).
/// </summary>
[OptionsValidator]
internal sealed partial class BillingOptionsValidator : IValidateOptions<BillingOptions>
{
    /// <summary>The server's exit code when its settings are invalid: EX_CONFIG of sysexits.h.</summary>
    public const int ExitCode = 78;

    /// <summary>
    /// Reads the <c>Billing</c> section and checks it, before the server takes its data directory or starts anything.
    /// </summary>
    /// <exception cref="OptionsValidationException">A value cannot be read or is out of range; one failure per key, each naming it.</exception>
    public static BillingOptions Read(IConfiguration configuration)
    {
        BillingOptions options;
        try
        {
            options = configuration.GetSection(BillingOptions.Section).Get<BillingOptions>() ?? new BillingOptions();
        }
        catch (InvalidOperationException unreadable) // "Failed to convert configuration value at 'Billing:…' to type 'System.Int32'."
        {
            throw new OptionsValidationException(BillingOptions.Section, typeof(BillingOptions), [unreadable.Message]);
        }
        var result = new BillingOptionsValidator().Validate(BillingOptions.Section, options);
        if (result.Failed)
            throw new OptionsValidationException(BillingOptions.Section, typeof(BillingOptions), result.Failures.Select(AsConfigurationKey).ToArray());
        return options;
    }

    /// <summary>
    /// "MaxConcurrentDeliveries: The field Billing.Webhook.MaxConcurrentDeliveries must be between 1 and 10000." becomes
    /// "Billing:Webhook:MaxConcurrentDeliveries must be between 1 and 10000.": the key as an operator writes it.
    /// </summary>
    private static string AsConfigurationKey(string failure)
    {
        var message = MemberPrefix().Replace(failure, "").TrimEnd('.'); // joined with "; " into one line
        return DottedKey().Replace(message, key => key.Value.Replace('.', ':'));
    }

    [GeneratedRegex(@"^[\w, ]+: (The field )?")]
    private static partial Regex MemberPrefix();

    [GeneratedRegex(@"\bBilling(\.\w+)+")]
    private static partial Regex DottedKey();
}
