using System.Net;
using BillingFunctions.Contract.Webhooks;

namespace BillingFunctions.Contract.Http;

/// <summary>Per-account cut-off URLs may only point at hosts the operator listed, so callers cannot aim us at internal services.</summary>
public static class CallbackUrls
{
    public const string Shape = "'cutoffUrl' must be an absolute http or https URL of at most 2048 characters.";

    /// <param name="allowedHosts">Billing:AllowedCallbackHosts.</param>
    /// <param name="allowedPrivateHosts">Billing:AllowedPrivateCallbackHosts: names that may resolve to private addresses.</param>
    public static string? Problem(string url, IEnumerable<string> allowedHosts, IEnumerable<string> allowedPrivateHosts)
    {
        if (url.Length > 2048 || !Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
            return Shape;
        if (!string.IsNullOrEmpty(uri.UserInfo) || !string.IsNullOrEmpty(uri.Fragment))
            return "'cutoffUrl' must not carry credentials or a fragment.";
        var host = uri.IdnHost;
        var listed = allowedHosts.Concat(allowedPrivateHosts)
            .Any(allowed => string.Equals(allowed.Trim('[', ']'), host.Trim('[', ']'), StringComparison.OrdinalIgnoreCase));
        // Said apart from "not listed" so an operator sees why: a private address needs that exact address listed.
        if (!listed && IPAddress.TryParse(host.Trim('[', ']'), out var address) && PrivateAddresses.Contains(address))
            return $"'cutoffUrl' host '{host}' is a private, loopback, link-local or reserved address, and that exact address is not in Billing:AllowedCallbackHosts.";
        if (!listed)
            return $"'cutoffUrl' host '{host}' is not in Billing:AllowedCallbackHosts.";
        return null;
    }
}
