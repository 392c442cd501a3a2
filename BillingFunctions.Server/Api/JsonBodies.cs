using Microsoft.AspNetCore.Http.Metadata;

namespace BillingFunctions.Server.Api;

/// <summary>
/// Names a write route's request body type for the OpenAPI document. The handler still reads the body itself, through
/// the contract's <see cref="RequestBodies"/>, so both hosts refuse the same bodies with the same problems.
/// </summary>
public static class JsonBodies
{
    /// <summary>
    /// The equivalent of <c>Accepts&lt;TBody&gt;("application/json")</c> without a content type for routing: with one,
    /// ASP.NET Core's content-type matcher answers a body of another type with a bare 415 before the handler runs (no
    /// problem document), and refuses an optional body left empty but sent with another content type.
    /// </summary>
    public static RouteHandlerBuilder AcceptsJson<TBody>(this RouteHandlerBuilder route, bool optional = false) =>
        route.WithMetadata(new JsonBodyMetadata(typeof(TBody), optional));

    /// <summary>No content types: the API description takes the body type, the content-type matcher ignores the endpoint.</summary>
    private sealed record JsonBodyMetadata(Type RequestType, bool IsOptional) : IAcceptsMetadata
    {
        public IReadOnlyList<string> ContentTypes => [];
    }
}
