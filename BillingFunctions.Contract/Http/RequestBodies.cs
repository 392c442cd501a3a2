using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using System.Text.Unicode;
using BillingFunctions.Contract.Requests;
using Microsoft.AspNetCore.Http.Features;

namespace BillingFunctions.Contract.Http;

/// <summary>
/// Reads a request body into its <see cref="RequestJson"/> type. Every refusal is a 4xx problem: 413 over the size
/// limit, 415 for a body that is not JSON by its content type, 400 <c>malformed-json</c> for bytes that are not one JSON
/// text, 400 <c>validation</c> for JSON that does not fit the request. Nothing here throws for bad input.
/// </summary>
public static class RequestBodies
{
    private static readonly JsonReaderOptions Syntax = new() { MaxDepth = RequestJson.MaxDepth };

    /// <param name="whenAbsent">What a request without a body means; null when the request needs one.</param>
    public static async Task<(T? Body, IResult? Problem)> ReadAsync<T>(HttpRequest request, JsonTypeInfo<T> type, T? whenAbsent = null)
        where T : class
    {
        var limit = request.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>()?.MaxRequestBodySize ?? long.MaxValue;
        if (request.ContentLength > limit)
            return (null, Problems.TooLarge(limit));
        if (request.ContentLength is null or 0 && !request.Headers.TransferEncoding.Any())
            return whenAbsent is null ? (null, Problems.Validation("A JSON object body is required.")) : (whenAbsent, null);
        if (request.ContentType is { } contentType && !IsJson(contentType))
            return (null, Problems.UnsupportedMediaType());

        byte[] bytes;
        try
        {
            // Bounded by Kestrel's MaxRequestBodySize, which throws past the limit.
            using var buffer = new MemoryStream();
            await request.Body.CopyToAsync(buffer, request.HttpContext.RequestAborted);
            bytes = buffer.ToArray();
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return (null, Problems.TooLarge(limit));
        }
        if (NotAJsonObject(bytes) is { } problem)
            return (null, problem);
        try
        {
            return (JsonSerializer.Deserialize(bytes, type)!, null); // not null: the bytes are a JSON object
        }
        catch (JsonException refused)
        {
            return (null, BodyProblems.For(refused, type, bytes));
        }
    }

    /// <summary>Null when the bytes are one JSON object; otherwise why not.</summary>
    private static IResult? NotAJsonObject(byte[] bytes)
    {
        // JSON is UTF-8 throughout (RFC 8259 §8.1). The serializer refuses invalid UTF-8 only in the text it decodes, and
        // then as a bad value of that field; checking the whole body gives one answer wherever the bytes are.
        if (!Utf8.IsValid(bytes))
            return Problems.MalformedJson("The body is not valid UTF-8.");
        // One pass over the syntax before the serializer, which stops at the first unknown or mistyped field and so
        // would report a body that is not JSON at all (truncated, nested too deep, trailing garbage) as a bad field.
        var reader = new Utf8JsonReader(bytes, Syntax);
        try
        {
            reader.Read();
            var root = reader.TokenType;
            while (reader.Read())
            {
            }
            return root == JsonTokenType.StartObject ? null : Problems.Validation("The body must be a JSON object.");
        }
        catch (JsonException e)
        {
            return Problems.MalformedJson(e.Message);
        }
    }

    private static bool IsJson(string contentType) =>
        contentType.StartsWith("application/json", StringComparison.OrdinalIgnoreCase)
        || contentType.Split(';')[0].Trim().EndsWith("+json", StringComparison.OrdinalIgnoreCase);
}
