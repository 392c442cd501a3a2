using System.Security.Cryptography;
using System.Text;

namespace BillingFunctions.Server.Api;

/// <summary>When an API key is configured, every route requires it in X-Api-Key (compared in constant time).</summary>
public static class ApiKeyCheck
{
    public const string Header = "X-Api-Key";

    public static void UseApiKey(this WebApplication app, string? apiKey)
    {
        if (string.IsNullOrEmpty(apiKey))
            return;
        var expected = Encoding.UTF8.GetBytes(apiKey);
        app.Use(async (context, next) =>
        {
            // The development cut-off receiver stands in for the platform, which the billing API key does not guard.
            if (context.Request.Path.StartsWithSegments(Cutoffs.DevCutoffReceiver.Path))
            {
                await next(context);
                return;
            }
            var given = Encoding.UTF8.GetBytes(context.Request.Headers[Header].ToString());
            if (!CryptographicOperations.FixedTimeEquals(given, expected))
            {
                await Problems.Unauthorized().ExecuteAsync(context);
                return;
            }
            await next(context);
        });
    }
}
