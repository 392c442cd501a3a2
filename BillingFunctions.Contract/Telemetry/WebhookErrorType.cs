using System.Net;

namespace BillingFunctions.Contract.Telemetry;

/// <summary>
/// The <c>error.type</c> of a failed cut-off attempt, as the HTTP semantic conventions spell it: the status code of an
/// answer that was not 2xx (<c>"503"</c>, <c>"302"</c>: a redirect is not followed), <c>timeout</c>, or the kind of
/// transport failure (<c>connection_error</c>, <c>name_resolution_error</c>, ...). A handful of values, never a URL or an id.
/// </summary>
public static class WebhookErrorType
{
    public const string Timeout = "timeout";

    /// <summary>Neither the account nor the settings name a cut-off URL.</summary>
    public const string NoUrl = "no_url";

    /// <summary>The conventions' value for an error of no known kind.</summary>
    public const string Other = "_OTHER";

    public static string Of(HttpStatusCode status) => ((int)status).ToString(System.Globalization.CultureInfo.InvariantCulture);

    public static string Of(HttpRequestException error) => error.HttpRequestError switch
    {
        HttpRequestError.Unknown => Other,
        var kind => SnakeCase(kind.ToString()),
    };

    private static string SnakeCase(string pascal)
    {
        var text = new System.Text.StringBuilder(pascal.Length + 4);
        foreach (var c in pascal)
        {
            if (char.IsUpper(c) && text.Length > 0)
                text.Append('_');
            text.Append(char.ToLowerInvariant(c));
        }
        return text.ToString();
    }
}
