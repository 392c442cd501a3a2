using System.Text.Json;
using System.Text.Unicode;
using BillingFunctions.Core.Identity;
using Microsoft.AspNetCore.Http.Features;
using BillingFunctions.Core.Amounts;

namespace BillingFunctions.Contract.Http;

/// <summary>
/// A request body read by hand: a JSON object, fields checked one by one, every problem reported as a
/// 4xx with the field's name. Nothing here throws for bad input.
/// </summary>
public sealed class JsonBody
{
    // Duplicate keys are refused: for money, "amount" twice must not quietly mean the last one.
    private static readonly JsonDocumentOptions Options = new() { MaxDepth = 16, AllowDuplicateProperties = false };
    private readonly JsonElement _root;

    private JsonBody(JsonElement root) => _root = root;

    public static async Task<(JsonBody? Body, IResult? Problem)> ReadAsync(HttpRequest request, bool required = true)
    {
        var limit = request.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>()?.MaxRequestBodySize ?? long.MaxValue;
        if (request.ContentLength > limit)
            return (null, Problems.TooLarge(limit));
        if (request.ContentLength is null or 0 && !request.Headers.TransferEncoding.Any())
            return required ? (null, Problems.Validation("A JSON object body is required.")) : (new JsonBody(default), null);
        if (request.ContentType is { } type && !IsJson(type))
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
        // The parser checks only the strings it is asked to read; JSON must be UTF-8 throughout (RFC 8259 §8.1).
        if (!Utf8.IsValid(bytes))
            return (null, Problems.MalformedJson("The body is not valid UTF-8."));
        try
        {
            using var document = JsonDocument.Parse(bytes, Options);
            if (document.RootElement.ValueKind != JsonValueKind.Object)
                return (null, Problems.Validation("The body must be a JSON object."));
            return (new JsonBody(document.RootElement.Clone()), null);
        }
        catch (JsonException e)
        {
            return (null, Problems.MalformedJson(e.Message));
        }
    }

    public bool Has(string name) => _root.ValueKind == JsonValueKind.Object && _root.TryGetProperty(name, out var v) && v.ValueKind != JsonValueKind.Null;

    public bool TryString(string name, bool required, out string? value, out IResult? problem)
    {
        value = null;
        if (!TryFind(name, required, out var element, out problem))
            return problem is null;
        if (element.ValueKind != JsonValueKind.String)
        {
            problem = Problems.Validation($"'{name}' must be a string.");
            return false;
        }
        if (!TryText(element, out value))
        {
            problem = Problems.Validation($"'{name}' is not valid text.");
            return false;
        }
        return true;
    }

    public bool TryId(string name, bool required, out string? value, out IResult? problem)
    {
        if (!TryString(name, required, out value, out problem))
            return false;
        if (value is not null && !Identifiers.IsValid(value))
        {
            problem = Problems.Validation(Identifiers.Describe(name));
            return false;
        }
        return true;
    }

    /// <summary>An amount as a decimal string (or a bare JSON number, read from its exact text — never via double).</summary>
    public bool TryMoney(string name, bool required, out Money? value, out IResult? problem)
    {
        value = null;
        if (!TryDecimalText(name, required, out var text, out problem) || text is null)
            return problem is null;
        if (!Money.TryParsePositive(text, out var money, out var error))
        {
            problem = Problems.Validation($"'{name}' {error}.");
            return false;
        }
        value = money;
        return true;
    }

    public bool TryRate(string name, out Rate value, out IResult? problem)
    {
        value = Rate.Zero;
        if (!TryDecimalText(name, true, out var text, out problem))
            return false;
        if (!Rate.TryParse(text, out value, out var error))
        {
            problem = Problems.Validation($"'{name}' {error}.");
            return false;
        }
        return true;
    }

    public bool TryInt(string name, int min, int max, out int? value, out IResult? problem)
    {
        value = null;
        problem = null;
        if (!Has(name))
            return true;
        var element = _root.GetProperty(name);
        if (element.ValueKind != JsonValueKind.Number || !element.TryGetInt32(out var number) || number < min || number > max)
        {
            problem = Problems.Validation($"'{name}' must be a whole number from {min} to {max}.");
            return false;
        }
        value = number;
        return true;
    }

    private bool TryDecimalText(string name, bool required, out string? text, out IResult? problem)
    {
        text = null;
        if (!TryFind(name, required, out var element, out problem))
            return problem is null;
        if (element.ValueKind == JsonValueKind.Number)
            text = element.GetRawText();
        else if (element.ValueKind != JsonValueKind.String || !TryText(element, out text))
            text = null;
        if (text is null)
        {
            problem = Problems.Validation($"'{name}' must be a decimal string such as \"12.5\".");
            return false;
        }
        return true;
    }

    /// <summary>Finds a field. When it is absent: false, with a problem only if it was required.</summary>
    private bool TryFind(string name, bool required, out JsonElement element, out IResult? problem)
    {
        problem = null;
        element = default;
        if (Has(name))
        {
            element = _root.GetProperty(name);
            return true;
        }
        if (required)
            problem = Problems.Validation($"'{name}' is required.");
        return false;
    }

    /// <summary>A string escape such as a lone surrogate (\uD800) cannot become .NET text; that is bad input, not a crash.</summary>
    private static bool TryText(JsonElement element, out string? text)
    {
        try
        {
            text = element.GetString();
            return true;
        }
        catch (InvalidOperationException)
        {
            text = null;
            return false;
        }
    }

    private static bool IsJson(string contentType) =>
        contentType.StartsWith("application/json", StringComparison.OrdinalIgnoreCase)
        || contentType.Split(';')[0].Trim().EndsWith("+json", StringComparison.OrdinalIgnoreCase);
}
