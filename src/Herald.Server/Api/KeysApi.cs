using System.Text.Json;
using Herald.Server.Auth;
using Herald.Storage;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Herald.Server;

internal static class KeysApi
{
    public static void MapKeysApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/keys").WithTags("Keys");
        group.MapPost("/", CreateAsync).AcceptsJson<KeyRequest>().ProducesErrors(401);
        group.MapDelete("/{id}", DeleteAsync).ProducesErrors(401);
    }

    private static async Task<Results<Created<KeyCreated>, BadRequest<ApiResults.ErrorBody>, Forbidden, PayloadTooLarge>> CreateAsync(
        HttpContext context, IApiKeyStore store, TimeProvider time, CancellationToken ct)
    {
        if (!context.Caller().IsAdmin)
        {
            return ApiResults.Forbidden("only the admin key can create keys", "headers.Authorization");
        }

        var (document, error) = await JsonBody.ReadAsync(context.Request, JsonBody.DefaultLimit, ct);
        using (document)
        {
            if (error is not null)
            {
                return error.TooLarge is { } tooLarge ? tooLarge : error.BadRequest!;
            }

            var root = document!.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return ApiResults.BadRequest("the body must be a JSON object", "$");
            }

            if (!root.TryGetProperty("domain_id", out var domain) || domain.ValueKind != JsonValueKind.String || domain.GetString() is not { Length: > 0 and <= 200 } domainId)
            {
                return ApiResults.BadRequest("domain_id is required: the system_domain_id this key is limited to", "domain_id");
            }

            string? name = null;
            if (root.TryGetProperty("name", out var nameValue) && nameValue.ValueKind != JsonValueKind.Null)
            {
                if (nameValue.ValueKind != JsonValueKind.String || nameValue.GetString()!.Length > 200)
                {
                    return ApiResults.BadRequest("name must be a string of at most 200 characters", "name");
                }

                name = nameValue.GetString();
            }

            var key = ApiKeys.Generate();
            var record = new ApiKeyRecord(Guid.CreateVersion7().ToString(), name, domainId, IsAdmin: false, ApiKeys.Hash(key), time.GetUtcNow());
            await store.InsertAsync(record, ct);
            return TypedResults.Created($"/api/v1/keys/{record.Id}", new KeyCreated(record.Id, key, domainId, name));
        }
    }

    private static async Task<Results<NoContent, Forbidden, NotFound<ApiResults.ErrorBody>>> DeleteAsync(
        string id, HttpContext context, IApiKeyStore store, CancellationToken ct)
    {
        if (!context.Caller().IsAdmin)
        {
            return ApiResults.Forbidden("only the admin key can revoke keys", "headers.Authorization");
        }

        if (!await store.DeleteAsync(id, ct))
        {
            return ApiResults.NotFound("key");
        }

        return TypedResults.NoContent();
    }
}
