namespace BillingFunctions.Local.Api;

/// <summary>Per-account cut-off URLs may only point at hosts the operator listed, so callers cannot aim us at internal services.</summary>
public static class CallbackUrls
{
    public static string? Problem(string url, IReadOnlyCollection<string> allowedHosts)
    {
        if (url.Length > 2048 || !Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
            return "'cutoffUrl' must be an absolute http or https URL of at most 2048 characters.";
        if (!string.IsNullOrEmpty(uri.UserInfo) || !string.IsNullOrEmpty(uri.Fragment))
            return "'cutoffUrl' must not carry credentials or a fragment.";
        if (!allowedHosts.Any(host => string.Equals(host, uri.IdnHost, StringComparison.OrdinalIgnoreCase)))
            return $"'cutoffUrl' host '{uri.IdnHost}' is not in Billing:AllowedCallbackHosts.";
        return null;
    }
}
