using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace BillingFunctions.Tests.Fuzzing;

/// <summary>
/// Seeded generator of hostile requests over <see cref="FuzzRoutes"/>: ids that are too long, unicode, encoded
/// slashes or NULs; bodies that are random JSON shapes, deep nesting, huge or exotic numbers, wrong types,
/// invalid UTF-8, oversized, or not JSON at all; wrong content types; bad paging. Often only one field is bad and
/// the rest valid, so validation deep inside each route is reached too. Some bodies are valid but for one thing the
/// strict reader refuses (a field the route does not have, a field given twice, invalid UTF-8 in a name or value):
/// those must be refused, since an accepting server would apply them.
/// </summary>
public sealed class HostileRequests(int seed, IReadOnlyDictionary<string, string[]> validPathValues)
{
    private readonly Random _random = new(seed);

    /// <summary>A request, a one-line description of it for the failure message, and whether it must be refused (4xx).</summary>
    public (HttpRequestMessage Request, string Description, bool MustBeRefused) Next()
    {
        var route = FuzzRoutes.All[_random.Next(FuzzRoutes.All.Length)];
        var path = System.Text.RegularExpressions.Regex.Replace(route.Template, @"\{(\w+)\}", m => PathValue(m.Groups[1].Value));
        if (!route.HasBody && route.Fields.Length > 0)
            path += "?" + string.Join("&", route.Fields.Where(_ => _random.Next(2) == 0)
                .Select(f => $"{Uri.EscapeDataString(f.Name)}={Uri.EscapeDataString(Value(f.Kind, asJson: false))}"));
        var request = new HttpRequestMessage(new HttpMethod(route.Method), path);
        var what = $"{route.Method} {Shorten(path)}";
        var mustBeRefused = false;
        if (route.HasBody || _random.Next(10) == 0)
        {
            var (body, kind, strictlyRefused) = Body(route);
            mustBeRefused = strictlyRefused && route.HasBody;
            if (body is not null)
            {
                request.Content = new ByteArrayContent(body);
                var type = ContentType();
                if (type is not null && MediaTypeHeaderValue.TryParse(type, out var parsed))
                    request.Content.Headers.ContentType = parsed;
                if (_random.Next(10) == 0)
                    request.Headers.TransferEncodingChunked = true;
                // Past the size limit the server answers before reading the body; waiting for 100-continue lets us read that answer.
                if (body.Length > 64 * 1024 && _random.Next(2) == 0)
                    request.Headers.ExpectContinue = true;
                what += $" [{kind}, {body.Length} bytes, {type ?? "no content type"}] {Shorten(Encoding.UTF8.GetString(body))}";
            }
        }
        if (_random.Next(6) == 0)
        {
            var key = Value(FieldKind.Id, asJson: false);
            // Only what a client can put on the wire: HttpClient itself refuses non-ASCII and control characters.
            if (key.All(c => c is >= ' ' and <= '~') && request.Headers.TryAddWithoutValidation("Idempotency-Key", key))
                what += $" Idempotency-Key: {Shorten(key)}";
        }
        return (request, what, mustBeRefused);
    }

    private string PathValue(string name)
    {
        if (validPathValues.TryGetValue(name, out var valid) && _random.Next(10) < 6)
            return valid[_random.Next(valid.Length)];
        return _random.Next(8) switch
        {
            0 => new string('a', _random.Next(129, 3000)),
            1 => "%2F..%2Fetc",
            2 => "a%00b",
            3 => "%zz%",
            4 => Uri.EscapeDataString("\u00e9\u202e\u0301\U0001F4B8" + RandomText(5)),
            5 => Uri.EscapeDataString(RandomText(_random.Next(1, 40))),
            6 => "%20",
            _ => Uri.EscapeDataString("acct-" + _random.Next(1000)),
        };
    }

    /// <summary>A body, what kind it is, and whether it is valid but for one thing the strict reader refuses.</summary>
    private (byte[]? Body, string Kind, bool Strict) Body(FuzzRoute route) => _random.Next(24) switch
    {
        0 => (null, "none", false),
        1 => ([], "empty", false),
        2 => (RandomBytes(_random.Next(1, 300)), "random bytes", false),
        3 => ([0x7B, 0x22, 0x61, 0x22, 0x3A, 0x22, 0xC3, 0x28, 0x22, 0x7D], "invalid UTF-8", false),
        4 => (Encoding.UTF8.GetBytes(new string('[', _random.Next(17, 5000)) + new string(']', _random.Next(0, 10))), "deep nesting", false),
        5 => (Encoding.UTF8.GetBytes("{\"amount\":\"" + new string('1', 70 * 1024) + "\"}"), "oversized", false),
        6 => (Encoding.UTF8.GetBytes(RandomJson(0)), "random JSON", false),
        7 => (Encoding.UTF8.GetBytes("{" + string.Join(",", route.Fields.Select(f => $"\"{f.Name}\":{Value(f.Kind, true)}").Concat(route.Fields.Take(1).Select(f => $"\"{f.Name}\":{Value(f.Kind, true)}"))) + "}"), "duplicate key", false),
        8 when route.Fields.Length > 0 => (Encoding.UTF8.GetBytes(WithUnknownField(route)), "valid but for an unknown field", true),
        9 when route.Fields.Length > 0 => (Encoding.UTF8.GetBytes(WithFieldTwice(route)), "valid but for a field given twice", true),
        10 when route.Fields.Length > 0 => (WithInvalidUtf8(route), "valid but for invalid UTF-8", true),
        _ => (Encoding.UTF8.GetBytes(Fields(route)), "fields", false),
    };

    /// <summary>Every field of the route, each valid, in random order.</summary>
    private List<string> ValidFields(FuzzRoute route) =>
        route.Fields.Select(f => $"{JsonSerializer.Serialize(f.Name)}:{Valid(f.Kind)}").OrderBy(_ => _random.Next()).ToList();

    private string WithUnknownField(FuzzRoute route)
    {
        var parts = ValidFields(route);
        var known = route.Fields[_random.Next(route.Fields.Length)].Name;
        var name = _random.Next(5) switch
        {
            0 => char.ToUpperInvariant(known[0]) + known[1..], // "Amount": names are case-sensitive
            1 => known.EndsWith("Id") ? known[..^2] + "ID" : known + "s", // "operationID"
            2 => known + " ",
            3 => "note",
            _ => RandomText(_random.Next(1, 12)),
        };
        parts.Insert(_random.Next(parts.Count + 1), $"{JsonSerializer.Serialize(name)}:{(_random.Next(2) == 0 ? Valid(route.Fields[0].Kind) : RandomJson(3))}");
        return "{" + string.Join(",", parts) + "}";
    }

    private string WithFieldTwice(FuzzRoute route)
    {
        var parts = ValidFields(route);
        var again = _random.Next(2) == 0 ? parts[_random.Next(parts.Count)] : $"{JsonSerializer.Serialize(route.Fields[0].Name)}:{Valid(route.Fields[0].Kind)}";
        parts.Insert(_random.Next(parts.Count + 1), again);
        return "{" + string.Join(",", parts) + "}";
    }

    /// <summary>A valid body with bytes that are not UTF-8 inside one of its strings, a field name or a string value.</summary>
    private byte[] WithInvalidUtf8(FuzzRoute route)
    {
        byte[][] invalid = [[0xC3, 0x28], [0xFF], [0x80], [0xC0, 0xAF], [0xED, 0xA0, 0x80], [0xF0, 0x9F, 0x92], [0xF4, 0x90, 0x80, 0x80]];
        var text = "{" + string.Join(",", ValidFields(route)) + "}";
        // Just after an opening quote: the start of a name or of a string value (every route has a string field).
        var quotes = Enumerable.Range(0, text.Length).Where(i => text[i] == '"' && (i == 1 || text[i - 1] is ':' or ',')).ToList();
        var at = quotes[_random.Next(quotes.Count)] + 1;
        return [.. Encoding.UTF8.GetBytes(text[..at]), .. invalid[_random.Next(invalid.Length)], .. Encoding.UTF8.GetBytes(text[at..])];
    }

    /// <summary>Each known field valid, hostile, of the wrong type, or left out; sometimes a stray field more.</summary>
    private string Fields(FuzzRoute route)
    {
        var parts = new List<string>();
        foreach (var (name, kind) in route.Fields)
        {
            if (_random.Next(6) == 0)
                continue;
            parts.Add($"{JsonSerializer.Serialize(name)}:{(_random.Next(3) == 0 ? Valid(kind) : Value(kind, asJson: true))}");
        }
        if (_random.Next(5) == 0)
            parts.Add($"{JsonSerializer.Serialize(RandomText(6))}:{RandomJson(2)}");
        return "{" + string.Join(",", parts.OrderBy(_ => _random.Next())) + "}";
    }

    private string Valid(FieldKind kind) => kind switch
    {
        FieldKind.Id => JsonSerializer.Serialize($"fz-{_random.Next(100_000)}"),
        FieldKind.Amount => JsonSerializer.Serialize((_random.Next(1, 5_000_000) / 1_000_000m).ToString(CultureInfo.InvariantCulture)),
        FieldKind.Rate => "\"0\"",
        FieldKind.Seconds => _random.Next(60, 100_000).ToString(CultureInfo.InvariantCulture),
        FieldKind.Currency => "\"USD\"",
        FieldKind.Url => "\"http://127.0.0.1:9/cutoff\"",
        FieldKind.Sequence => "0",
        _ => "10",
    };

    /// <summary>A hostile value for a field of this kind: as JSON text for bodies, as plain text for query strings.</summary>
    private string Value(FieldKind kind, bool asJson)
    {
        string[] hostile = kind switch
        {
            FieldKind.Amount or FieldKind.Rate => ["-1", "0", "1e400", "1E-7", "0.0000001", "NaN", "Infinity", "1.", ".5", "+1", "0x10", "1_000",
                new string('9', _random.Next(19, 400)), "9000000000000.000001", "1.0000000000000000001", "\u0661", "\uFF11", " 1", "1 "],
            FieldKind.Seconds or FieldKind.Sequence or FieldKind.Limit => ["-1", "0", "1.5", "1e3", "99999999999999999999", "2147483648", "-2147483649",
                "abc", "", "0x1F", "1001", "\u0661"],
            FieldKind.Currency => ["", "usd", "US", "USDX", "\u00dcSD", "U$D", new string('A', 1000)],
            FieldKind.Url => ["", "ftp://127.0.0.1/", "http://10.0.0.1/", "http://[::1]/", "http://user:pw@127.0.0.1/", "javascript:alert(1)",
                "http://" + new string('a', 3000) + ".example/", "http://127.0.0.1:99999/", "//127.0.0.1/x", "http://169.254.169.254/"],
            _ => ["", " ", new string('x', _random.Next(129, 5000)), "a/b", "a b", "a\nb", "a\u0000b", "\u00e9t\u00e9", "\U0001F4B8",
                "\u202e", "..", "a%2Fb", "<script>", "'; DROP TABLE accounts; --", RandomText(_random.Next(1, 60))],
        };
        var text = hostile[_random.Next(hostile.Length)];
        if (!asJson)
            return text;
        return _random.Next(5) switch
        {
            0 => RandomJson(1), // the wrong type altogether
            1 when kind is FieldKind.Amount or FieldKind.Rate or FieldKind.Seconds or FieldKind.Sequence or FieldKind.Limit
                && text.Length > 0 && (char.IsAsciiDigit(text[0]) || text[0] == '-') && !text.Contains(' ') && !text.Contains('_') && !text.Contains('x') && !text.EndsWith('.')
                => text, // a bare JSON number
            _ => JsonSerializer.Serialize(text),
        };
    }

    private string RandomJson(int depth)
    {
        var choice = depth > 4 ? _random.Next(6) : _random.Next(9);
        return choice switch
        {
            0 => "null",
            1 => _random.Next(2) == 0 ? "true" : "false",
            2 => _random.Next(2) == 0 ? "-0" : "1" + new string('0', _random.Next(0, 500)),
            3 => "1.7976931348623157e309",
            4 => JsonSerializer.Serialize(RandomText(_random.Next(0, 30))),
            5 => "\"\\ud800\"", // a lone surrogate escape
            6 => "[" + string.Join(",", Enumerable.Range(0, _random.Next(0, 4)).Select(_ => RandomJson(depth + 1))) + "]",
            _ => "{" + string.Join(",", Enumerable.Range(0, _random.Next(0, 4)).Select(_ => $"{JsonSerializer.Serialize(RandomText(4))}:{RandomJson(depth + 1)}")) + "}",
        };
    }

    private string? ContentType() => _random.Next(12) switch
    {
        0 => null,
        1 => "text/plain",
        2 => "application/xml",
        3 => "application/x-www-form-urlencoded",
        4 => "multipart/form-data; boundary=x",
        5 => "application/json; charset=utf-16",
        6 => "application/problem+json",
        _ => "application/json",
    };

    private string RandomText(int length)
    {
        var chars = new char[length];
        for (var i = 0; i < length; i++)
            chars[i] = _random.Next(4) switch
            {
                0 => (char)_random.Next(0x20, 0x7F),
                1 => (char)_random.Next(0xA0, 0x2FF),
                2 => (char)_random.Next(0x4E00, 0x4F00),
                _ => (char)_random.Next(0x21, 0x7B),
            };
        return new string(chars);
    }

    private byte[] RandomBytes(int length)
    {
        var bytes = new byte[length];
        _random.NextBytes(bytes);
        return bytes;
    }

    private static string Shorten(string text) => text.Length <= 120 ? text : $"{text[..100]}…({text.Length} chars)";
}
