using Microsoft.Extensions.DependencyInjection;

namespace BillingFunctions.Effects;

/// <summary>
/// The HTTP client cut-off calls go out on, with the self-hosted server's address rules: the socket connects only to
/// addresses that passed the private-address check (so a listed name that resolves, or re-resolves, to an internal
/// address is refused), no proxy sits in between, and a redirect is a failed attempt rather than a hop past the rules.
/// </summary>
public static class CutoffHttp
{
    public const string ClientName = nameof(EventRecording.DeliverCutoff);

    public static IServiceCollection AddCutoffHttp(this IServiceCollection services, BillingSettings settings)
    {
        var connector = new CallbackConnector(settings.AllowedPrivateCallbackHosts, settings.AllowedCallbackHosts, settings.CutoffUrl,
            devReceiver: false);
        services.AddHttpClient(ClientName).ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            UseProxy = false,
            ConnectCallback = connector.ConnectAsync,
            ConnectTimeout = TimeSpan.FromSeconds(settings.WebhookTimeoutSeconds),
            PooledConnectionLifetime = TimeSpan.FromMinutes(2),
        });
        return services;
    }
}
