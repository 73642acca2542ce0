using System.Net;
using System.Text.Json;
using Herald.Server.Tests.Infrastructure;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Herald.Server.Tests.Api;

/// <summary>
/// Issue 14: every mapped route is in /openapi/v1.json with its request and response schemas and
/// an example; the walk starts from the endpoint data sources, so a new route that is not
/// described (or not deliberately excluded) fails here.
/// </summary>
public sealed class OpenApiCompletenessTests
{
    /// <summary>Actions that take no body: their POST has no request schema by design.</summary>
    private static readonly HashSet<string> BodilessPosts =
    [
        "/api/v1/deliveries/{id}/retry",
        "/api/v1/deliveries/{id}/cancel",
        "/api/v1/webhooks/{id}/deliveries/cancel",
        "/api/v1/webhooks/{id}/deliveries/retry",
    ];

    [Fact]
    public async Task OpenApiDocument_EveryMappedRoute_HasRequestAndResponseSchemasWithExamples()
    {
        await using var herald = await HeraldHost.StartAsync();
        var document = await DocumentAsync(herald);
        var paths = document.GetProperty("paths");
        var schemas = document.GetProperty("components").GetProperty("schemas");
        var problems = new List<string>();
        var checkedOperations = 0;

        foreach (var endpoint in herald.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>())
        {
            if (endpoint.Metadata.GetMetadata<IExcludeFromDescriptionMetadata>() is { ExcludeFromDescription: true })
            {
                continue;
            }

            var path = Normalize(endpoint.RoutePattern.RawText!);
            foreach (var method in endpoint.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? [])
            {
                var name = $"{method} {path}";
                if (!paths.TryGetProperty(path, out var item) || !item.TryGetProperty(method.ToLowerInvariant(), out var operation))
                {
                    problems.Add($"{name}: mapped but not in the document");
                    continue;
                }

                checkedOperations++;
                CheckResponses(name, operation, schemas, problems);
                CheckDeclaredErrors(name, path, method, operation, problems);
                var needsBody = method is "PUT" or "PATCH" || (method == "POST" && !BodilessPosts.Contains(path));
                if (needsBody)
                {
                    CheckRequest(name, operation, schemas, problems);
                }
                else if (operation.TryGetProperty("requestBody", out _) && method != "POST")
                {
                    problems.Add($"{name}: a request body on a {method}");
                }
            }
        }

        Assert.True(problems.Count == 0, string.Join("\n", problems));
        Assert.True(checkedOperations >= 25, $"only {checkedOperations} operations were checked");
    }

    [Fact]
    public async Task OpenApiExamples_OfRequestBodies_AreAcceptedByTheirRoutes()
    {
        await using var herald = await HeraldHost.StartAsync();
        var document = await DocumentAsync(herald);
        var schemas = document.GetProperty("components").GetProperty("schemas");

        foreach (var (path, expected) in (ValueTuple<string, HttpStatusCode>[])
            [
                ("/api/v1/webhooks", HttpStatusCode.Created),
                ("/api/v1/events", HttpStatusCode.Accepted),
                ("/api/v1/keys", HttpStatusCode.Created),
                ("/api/v1/query/validate", HttpStatusCode.OK),
                ("/api/v1/query/test", HttpStatusCode.OK),
            ])
        {
            var operation = document.GetProperty("paths").GetProperty(path).GetProperty("post");
            var example = Example(operation.GetProperty("requestBody").GetProperty("content").GetProperty("application/json").GetProperty("schema"), schemas)!.Value;

            using var response = await herald.Client.SendAsync(HttpMethod.Post, path.TrimStart('/'), example.GetRawText());

            Assert.True(response.StatusCode == expected, $"POST {path} with its example: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }
    }

    [Theory]
    [InlineData("application/x-www-form-urlencoded")]
    [InlineData("text/plain")]
    [InlineData(null)]
    public async Task DescribedRequestBody_OtherContentType_StillAccepted(string? contentType)
    {
        // Describing the body must not make routing refuse what curl -d sends (415).
        await using var herald = await HeraldHost.StartAsync();
        using var http = new HttpClient { BaseAddress = new Uri(herald.BaseUrl) };
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/events")
        {
            Content = new ByteArrayContent("""{"event_type":"assets","operation":"create","data":{}}"""u8.ToArray()),
        };
        if (contentType is not null)
        {
            request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue(contentType);
        }

        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", HeraldHost.AdminKey);

        using var response = await http.SendAsync(request);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
    }

    private static void CheckResponses(string name, JsonElement operation, JsonElement schemas, List<string> problems)
    {
        if (!operation.TryGetProperty("responses", out var responses) || !responses.EnumerateObject().Any())
        {
            problems.Add($"{name}: no responses");
            return;
        }

        if (!responses.EnumerateObject().Any(r => r.Name.StartsWith('2')))
        {
            problems.Add($"{name}: no success response");
        }

        foreach (var response in responses.EnumerateObject())
        {
            if (response.Name == "204")
            {
                continue;
            }

            if (!response.Value.TryGetProperty("content", out var content) || !content.TryGetProperty("application/json", out var json) || !json.TryGetProperty("schema", out var schema))
            {
                problems.Add($"{name} → {response.Name}: no JSON schema");
                continue;
            }

            if (response.Name.StartsWith('2') && Example(schema, schemas) is null)
            {
                problems.Add($"{name} → {response.Name}: no example");
            }
        }
    }

    /// <summary>
    /// Herald's own routes declare (from their typed handler results) the errors every such route
    /// can answer, each with the <c>{"error": {"message", "path"}}</c> schema: 401 always, 404 for an
    /// <c>{id}</c>, 400 and 413 when a body is read.
    /// </summary>
    private static void CheckDeclaredErrors(string name, string path, string method, JsonElement operation, List<string> problems)
    {
        if (!path.StartsWith("/api/v1/", StringComparison.Ordinal))
        {
            return;
        }

        var responses = operation.GetProperty("responses");
        var expected = new List<string> { "401" };
        if (path.Contains("{id}", StringComparison.Ordinal))
        {
            expected.Add("404");
        }

        if (operation.TryGetProperty("requestBody", out _))
        {
            expected.AddRange(["400", "413"]);
        }

        foreach (var status in expected.Where(s => !responses.TryGetProperty(s, out _)))
        {
            problems.Add($"{name}: does not declare {status}");
        }

        foreach (var response in responses.EnumerateObject().Where(r => r.Name[0] is '4' or '5'))
        {
            if (!response.Value.TryGetProperty("content", out var content) || !content.TryGetProperty("application/json", out var json)
                || !json.TryGetProperty("schema", out var schema) || !schema.TryGetProperty("$ref", out var reference)
                || !reference.GetString()!.EndsWith("ErrorBody", StringComparison.Ordinal))
            {
                problems.Add($"{name} → {response.Name}: not Herald's error schema");
            }
        }
    }

    private static void CheckRequest(string name, JsonElement operation, JsonElement schemas, List<string> problems)
    {
        if (!operation.TryGetProperty("requestBody", out var body) || !body.TryGetProperty("content", out var content)
            || !content.TryGetProperty("application/json", out var json) || !json.TryGetProperty("schema", out var schema))
        {
            problems.Add($"{name}: no JSON request schema");
            return;
        }

        if (Example(schema, schemas) is null)
        {
            problems.Add($"{name}: no request example");
        }
    }

    /// <summary>The first example of a schema, following a <c>$ref</c> into the components.</summary>
    private static JsonElement? Example(JsonElement schema, JsonElement schemas)
    {
        if (schema.TryGetProperty("$ref", out var reference))
        {
            schema = schemas.GetProperty(reference.GetString()!["#/components/schemas/".Length..]);
        }

        return schema.TryGetProperty("examples", out var examples) && examples.GetArrayLength() > 0 ? examples[0]
            : schema.TryGetProperty("example", out var example) ? example
            : null;
    }

    /// <summary>A route pattern as the document writes it: no trailing slash, no constraints.</summary>
    private static string Normalize(string pattern)
    {
        var path = "/" + pattern.Trim('/');
        return System.Text.RegularExpressions.Regex.Replace(path, @"\{([^}:?=]+)[^}]*\}", "{$1}");
    }

    private static async Task<JsonElement> DocumentAsync(HeraldHost herald)
    {
        using var http = new HttpClient { BaseAddress = new Uri(herald.BaseUrl) };
        return JsonDocument.Parse(await http.GetStringAsync("/openapi/v1.json")).RootElement.Clone();
    }
}
