using System.Text.Json;
using Herald.Core.Events;
using Herald.Core.Webhooks;
using Herald.Delivery.Payload;
using Herald.Delivery.Security;
using Herald.Query;
using Herald.Server.Auth;
using Herald.Signing;

namespace Herald.Server;

/// <summary>A rejected field: message, JSON path, and for queries the 1-based column.</summary>
internal sealed record FieldError(string Message, string Path, int? Position = null, int Status = 400);

/// <summary>
/// Reads a webhook request body onto a webhook. Create and PUT set every user field (absent ones
/// take their defaults); PATCH changes only the fields present. Unknown fields are ignored so
/// scripts that echo a GET back keep working.
/// </summary>
internal sealed partial class WebhookReader(NetworkPolicy network)
{
    public FieldError? Apply(JsonElement body, Webhook baseline, bool partial, Caller caller, out Webhook result)
    {
        result = baseline;
        if (body.ValueKind != JsonValueKind.Object)
        {
            return new FieldError("the body must be a JSON object", "$");
        }

        var w = partial ? baseline : baseline with
        {
            Name = null, Description = null, Operation = null, Realm = null, ObjectId = null, Query = null,
            Headers = new Dictionary<string, string>(), RetrySchedule = null, TimeoutSeconds = WebhookLimits.DefaultTimeoutSeconds,
            Auth = baseline.Auth, Payload = null, Ordering = WebhookOrdering.None, MaxConcurrency = null, RateLimit = null,
        };

        var error = ReadText(body, "name", 200, v => w = w with { Name = v })
            ?? ReadText(body, "description", 2000, v => w = w with { Description = v })
            ?? ReadEventType(body, partial, ref w)
            ?? ReadOperation(body, ref w)
            ?? ReadRealm(body, ref w)
            ?? ReadText(body, "object_id", 200, v => w = w with { ObjectId = v })
            ?? ReadTarget(body, partial, ref w)
            ?? ReadDomain(body, caller, ref w)
            ?? ReadQuery(body, ref w)
            ?? ReadStatus(body, baseline, ref w)
            ?? ReadHeaders(body, ref w)
            ?? ReadRetry(body, ref w)
            ?? ReadSecret(body)
            ?? ReadAuth(body, partial, ref w)
            ?? ReadPayload(body, ref w)
            ?? ReadOrdering(body, ref w)
            ?? ReadLimits(body, ref w)
            ?? CheckAuthorizationHeader(w);
        result = w;
        return error;
    }

    private static FieldError? ReadText(JsonElement body, string name, int maxLength, Action<string?> set)
    {
        if (!body.TryGetProperty(name, out var value))
        {
            return null;
        }

        if (value.ValueKind == JsonValueKind.Null)
        {
            set(null);
            return null;
        }

        if (value.ValueKind != JsonValueKind.String)
        {
            return new FieldError($"{name} must be a string or null", name);
        }

        var text = value.GetString()!;
        if (text.Length > maxLength)
        {
            return new FieldError($"{name} is longer than {maxLength} characters", name);
        }

        set(text.Length == 0 ? null : text);
        return null;
    }

    /// <summary>Events' realms must be header-safe, so a webhook realm that is not could never match.</summary>
    private static FieldError? ReadRealm(JsonElement body, ref Webhook w)
    {
        string? realm = w.Realm;
        if (ReadText(body, "realm", 200, v => realm = v) is { } error)
        {
            return error;
        }

        // Only a realm given now is judged, so a stored one from before this rule never blocks
        // an unrelated change (e.g. disabling the webhook).
        if (realm is not null && body.TryGetProperty("realm", out _) && HeaderValue.Problem(realm) is { } problem)
        {
            return new FieldError($"realm {problem} (it is sent in the X-Webhook-Event header)", "realm");
        }

        w = w with { Realm = realm };
        return null;
    }

    private static FieldError? ReadEventType(JsonElement body, bool partial, ref Webhook w)
    {
        if (!body.TryGetProperty("event_type", out var value))
        {
            return partial ? null : new FieldError("event_type is required", "event_type");
        }

        if (value.ValueKind != JsonValueKind.String || value.GetString() is not { Length: > 0 and <= 200 } text)
        {
            return new FieldError("event_type must be a non-empty string", "event_type");
        }

        if (HeaderValue.Problem(text) is { } problem)
        {
            return new FieldError($"event_type {problem} (it is sent in the X-Webhook-Event header)", "event_type");
        }

        w = w with { EventType = text };
        return null;
    }

    private static FieldError? ReadOperation(JsonElement body, ref Webhook w)
    {
        if (!body.TryGetProperty("operation", out var value))
        {
            return null;
        }

        if (value.ValueKind == JsonValueKind.Null)
        {
            w = w with { Operation = null };
            return null;
        }

        if (value.ValueKind != JsonValueKind.String || value.GetString() is not { } text || (text != Operations.All && !Operations.IsKnown(text)))
        {
            return new FieldError($"operation must be null, \"all\" or one of {string.Join(", ", Operations.Values)}", "operation");
        }

        w = w with { Operation = text };
        return null;
    }

    private FieldError? ReadTarget(JsonElement body, bool partial, ref Webhook w)
    {
        var hasUrl = body.TryGetProperty("url", out var url) && url.ValueKind != JsonValueKind.Null;
        var hasHost = body.TryGetProperty("hostname", out var host) && host.ValueKind != JsonValueKind.Null;
        if (!hasUrl && !hasHost)
        {
            return partial ? null : new FieldError("url (or hostname and path) is required", "url");
        }

        string text;
        string path;
        if (hasUrl)
        {
            if (url.ValueKind != JsonValueKind.String)
            {
                return new FieldError("url must be a string", "url");
            }

            text = url.GetString()!;
            path = "url";
        }
        else
        {
            if (host.ValueKind != JsonValueKind.String || host.GetString() is not { Length: > 0 } hostname)
            {
                return new FieldError("hostname must be a non-empty string", "hostname");
            }

            var suffix = string.Empty;
            if (body.TryGetProperty("path", out var p) && p.ValueKind != JsonValueKind.Null)
            {
                if (p.ValueKind != JsonValueKind.String)
                {
                    return new FieldError("path must be a string such as /dam/events", "path");
                }

                suffix = p.GetString()!;
            }

            var withScheme = hostname.Contains("://", StringComparison.Ordinal) ? hostname : "https://" + hostname;
            text = withScheme.TrimEnd('/') + (suffix.Length == 0 || suffix.StartsWith('/') ? suffix : "/" + suffix);
            path = "hostname";
        }

        if (CheckUrl(text, path, "the target", out var uri) is { } invalid)
        {
            return invalid;
        }

        w = w with { Url = uri!.AbsoluteUri };
        return null;
    }

    /// <summary>
    /// The rules every outbound URL (the target and an OAuth2 <c>token_url</c>) passes: absolute
    /// http(s), no credentials in it (they would be echoed by GET and land in errors), and — the SSRF
    /// guard's definition-time half — a literal address must be allowed; names are checked after DNS
    /// on every connection.
    /// </summary>
    private FieldError? CheckUrl(string text, string path, string what, out Uri? uri)
    {
        if (text.Length > 2048 || !Uri.TryCreate(text, UriKind.Absolute, out uri)
            || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps) || string.IsNullOrEmpty(uri.Host))
        {
            uri = null;
            return new FieldError($"{what} must be an absolute http or https URL", path);
        }

        if (!string.IsNullOrEmpty(uri.UserInfo))
        {
            return new FieldError("credentials in the URL are not allowed; use auth", path);
        }

        // A trailing dot marks a name as absolute; "127.0.0.1." is still 127.0.0.1.
        var host = uri.Host.Trim('[', ']').TrimEnd('.');
        if (System.Net.IPAddress.TryParse(host, out var literal) && network.Refusal(literal) is { } why)
        {
            return new FieldError($"{what} address {literal} is not public ({why}); allow its network with HERALD_ALLOWED_NETWORKS", path);
        }

        return null;
    }

    private static FieldError? ReadDomain(JsonElement body, Caller caller, ref Webhook w)
    {
        if (!caller.IsAdmin)
        {
            if (body.TryGetProperty("domain_id", out var requested) && requested.ValueKind == JsonValueKind.String
                && !string.Equals(requested.GetString(), caller.DomainId, StringComparison.Ordinal))
            {
                return new FieldError("a domain key can only manage webhooks of its own domain", "domain_id", Status: 403);
            }

            w = w with { DomainId = caller.DomainId };
            return null;
        }

        string? domain = w.DomainId;
        var error = ReadText(body, "domain_id", 200, v => domain = v);
        w = w with { DomainId = domain };
        return error;
    }

    private FieldError? ReadQuery(JsonElement body, ref Webhook w)
    {
        if (!body.TryGetProperty("query", out var value))
        {
            return null;
        }

        if (value.ValueKind is not (JsonValueKind.String or JsonValueKind.Null))
        {
            return new FieldError("query must be a string or null", "query");
        }

        var text = value.GetString();
        if (string.IsNullOrWhiteSpace(text))
        {
            w = w with { Query = null };
            return null;
        }

        if (!QueryCompiler.TryCompile(text, out _, out var invalid))
        {
            return new FieldError($"invalid query: {invalid.Message} (column {invalid.Position})", "query", invalid.Position);
        }

        w = w with { Query = text };
        return null;
    }

    private static FieldError? ReadStatus(JsonElement body, Webhook baseline, ref Webhook w)
    {
        if (!body.TryGetProperty("status", out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.String || !WebhookStatusNames.TryParse(value.GetString(), out var status))
        {
            return new FieldError("status must be ENABLED, DISABLED or PAUSED", "status");
        }

        if (status == WebhookStatus.Failing)
        {
            // FAILING is Herald's verdict; echoing it back (a GET then PUT) leaves the status alone.
            return baseline.Status == WebhookStatus.Failing ? null : new FieldError("status FAILING is set by Herald, not by a request", "status");
        }

        // Enabling by hand starts the failure clock afresh.
        w = status == baseline.Status ? w : w with { Status = status, FirstFailedAt = status == WebhookStatus.Enabled ? null : w.FirstFailedAt };
        return null;
    }

    private static FieldError? ReadSecret(JsonElement body)
    {
        if (body.TryGetProperty("secret", out var secret) && secret.ValueKind != JsonValueKind.Null
            && (secret.ValueKind != JsonValueKind.String || !WebhookSecret.IsValid(secret.GetString())))
        {
            return new FieldError("secret must be whsec_ followed by base64 of at least 24 bytes", "secret");
        }

        return null;
    }
}
