using System.Text.Json;
using Herald.Core.Events;
using Herald.Core.Webhooks;
using Herald.Delivery.Payload;

namespace Herald.Server;

/// <summary>The outbound options of a webhook body: auth, payload shaping, ordering.</summary>
internal sealed partial class WebhookReader
{
    private static readonly string[] AuthTypes = ["none", WebhookAuth.Basic, WebhookAuth.Bearer, WebhookAuth.OAuth2];

    private FieldError? ReadAuth(JsonElement body, bool partial, ref Webhook w)
    {
        if (!body.TryGetProperty("auth", out var value))
        {
            return null;
        }

        if (value.ValueKind == JsonValueKind.Null)
        {
            w = w with { Auth = null };
            return null;
        }

        if (value.ValueKind != JsonValueKind.Object || !value.TryGetProperty("type", out var typeValue) || typeValue.AsString() is not { } type || !AuthTypes.Contains(type))
        {
            return new FieldError("auth must be an object with type none, basic, bearer or oauth2", "auth.type");
        }

        if (type == "none")
        {
            w = w with { Auth = null };
            return null;
        }

        string? Text(string name) => value.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

        // A secret left out of an update keeps the stored one (so a GET echoed back stays valid).
        var kept = w.Auth is { } current && current.Type == type ? current : null;
        var auth = new WebhookAuth
        {
            Type = type,
            Username = Text("username"),
            Password = Text("password") ?? kept?.Password,
            Token = Text("token") ?? kept?.Token,
            TokenUrl = Text("token_url"),
            GrantType = Text("grant_type"),
            ClientId = Text("client_id"),
            ClientSecret = Text("client_secret") ?? kept?.ClientSecret,
            Scope = Text("scope"),
        };
        foreach (var property in value.EnumerateObject())
        {
            if (property.Value.ValueKind is not (JsonValueKind.String or JsonValueKind.Null))
            {
                return new FieldError($"auth.{property.Name} must be a string", $"auth.{property.Name}");
            }

            // A bearer token is sent as it is; the other values are encoded first (Basic: base64 of
            // UTF-8; OAuth2: a form body), so they may hold non-ASCII but never control characters.
            if (property.Value.GetString() is { } text
                && HeaderValue.Problem(text, HeaderValue.MaxLength, allowNonAscii: property.Name != "token") is { } problem)
            {
                return new FieldError($"auth.{property.Name} {problem}", $"auth.{property.Name}");
            }
        }

        var error = type switch
        {
            WebhookAuth.Basic when string.IsNullOrEmpty(auth.Username) => Missing("username"),
            WebhookAuth.Basic when auth.Username!.Contains(':', StringComparison.Ordinal) => new FieldError("a Basic auth username cannot contain ':'", "auth.username"),
            WebhookAuth.Basic when auth.Password is null => Missing("password"),
            WebhookAuth.Bearer when string.IsNullOrEmpty(auth.Token) => Missing("token"),
            WebhookAuth.OAuth2 => CheckOAuth(auth),
            _ => null,
        };
        if (error is not null)
        {
            return error;
        }

        w = w with { Auth = auth };
        return null;
    }

    private FieldError? CheckOAuth(WebhookAuth auth)
    {
        if (CheckUrl(auth.TokenUrl ?? string.Empty, "auth.token_url", "auth.token_url", out _) is { } invalid)
        {
            return invalid;
        }

        if (auth.GrantType is not (WebhookAuth.ClientCredentials or WebhookAuth.PasswordGrant))
        {
            return new FieldError("auth.grant_type must be client_credentials or password", "auth.grant_type");
        }

        if (string.IsNullOrEmpty(auth.ClientId))
        {
            return Missing("client_id");
        }

        if (auth.ClientSecret is null)
        {
            return Missing("client_secret");
        }

        return auth.GrantType == WebhookAuth.PasswordGrant && (string.IsNullOrEmpty(auth.Username) || auth.Password is null)
            ? new FieldError("the password grant needs auth.username and auth.password", string.IsNullOrEmpty(auth.Username) ? "auth.username" : "auth.password")
            : null;
    }

    private static FieldError Missing(string name) => new($"auth.{name} is required for this auth type", $"auth.{name}");

    private static FieldError? ReadPayload(JsonElement body, ref Webhook w)
    {
        if (!body.TryGetProperty("payload", out var value))
        {
            return null;
        }

        if (value.ValueKind == JsonValueKind.Null)
        {
            w = w with { Payload = null };
            return null;
        }

        if (value.ValueKind != JsonValueKind.Object)
        {
            return new FieldError("payload must be an object: {\"body\": \"envelope\" or \"data\", \"fields\": [...]}", "payload");
        }

        var mode = PayloadOptions.Envelope;
        if (value.TryGetProperty("body", out var modeValue) && modeValue.ValueKind != JsonValueKind.Null)
        {
            mode = modeValue.AsString() ?? string.Empty;
            if (mode is not (PayloadOptions.Envelope or PayloadOptions.Data))
            {
                return new FieldError("payload.body must be \"envelope\" or \"data\"", "payload.body");
            }
        }

        List<string>? fields = null;
        if (value.TryGetProperty("fields", out var fieldsValue) && fieldsValue.ValueKind != JsonValueKind.Null)
        {
            if (fieldsValue.ValueKind != JsonValueKind.Array || fieldsValue.GetArrayLength() > 100)
            {
                return new FieldError("payload.fields must be an array of at most 100 dot paths", "payload.fields");
            }

            fields = [];
            var index = 0;
            foreach (var field in fieldsValue.EnumerateArray())
            {
                if (field.ValueKind != JsonValueKind.String || field.GetString() is not { Length: > 0 } path)
                {
                    return new FieldError("each field must be a non-empty dot path such as data.title", $"payload.fields[{index}]");
                }

                fields.Add(path);
                index++;
            }
        }

        var options = new PayloadOptions(mode, fields);
        if (!PayloadShaper.TryCreate(options, out _, out var error))
        {
            return new FieldError(error!, "payload.fields");
        }

        w = w with { Payload = options.IsDefault ? null : options };
        return null;
    }

    private static FieldError? ReadOrdering(JsonElement body, ref Webhook w)
    {
        if (!body.TryGetProperty("ordering", out var ordering))
        {
            return null;
        }

        if (ordering.ValueKind == JsonValueKind.Null || ordering.IsString(WebhookOrdering.None))
        {
            w = w with { Ordering = WebhookOrdering.None };
            return null;
        }

        if (!ordering.IsString(WebhookOrdering.Object))
        {
            return new FieldError("ordering must be \"none\" or \"object\"", "ordering");
        }

        w = w with { Ordering = WebhookOrdering.Object };
        return null;
    }

    private static FieldError? ReadLimits(JsonElement body, ref Webhook w)
    {
        if (body.TryGetProperty("max_concurrency", out var concurrency))
        {
            if (concurrency.ValueKind == JsonValueKind.Null)
            {
                w = w with { MaxConcurrency = null };
            }
            else if (!concurrency.TryReadInt32(out var limit) || limit < 1 || limit > WebhookLimits.MaxConcurrency)
            {
                return new FieldError($"max_concurrency must be a whole number from 1 to {WebhookLimits.MaxConcurrency}", "max_concurrency");
            }
            else
            {
                w = w with { MaxConcurrency = limit };
            }
        }

        if (body.TryGetProperty("rate_limit", out var rate))
        {
            if (rate.ValueKind == JsonValueKind.Null)
            {
                w = w with { RateLimit = null };
            }
            else if (!rate.TryReadDouble(out var perSecond) || perSecond < 0.01 || perSecond > WebhookLimits.MaxRateLimit)
            {
                return new FieldError($"rate_limit must be requests per second from 0.01 to {WebhookLimits.MaxRateLimit}", "rate_limit");
            }
            else
            {
                w = w with { RateLimit = perSecond };
            }
        }

        return null;
    }

    private static FieldError? CheckAuthorizationHeader(Webhook w) =>
        w.Auth is not null && w.Headers.Keys.Any(h => string.Equals(h, "Authorization", StringComparison.OrdinalIgnoreCase))
            ? new FieldError("header 'Authorization' cannot be set when auth is configured", "headers.Authorization")
            : null;
}
