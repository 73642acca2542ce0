using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;
using Scalar.AspNetCore;

namespace Herald.Server.Hosting;

/// <summary>
/// The OpenAPI document (<c>/openapi/v1.json</c>, generated from the endpoints) and its browsable
/// reference page (<c>/scalar</c>). Neither needs a key: they describe the API, they do not use it.
/// </summary>
internal static class HeraldOpenApi
{
    public const string DocumentPath = "/openapi/{documentName}.json";
    public const string ReferencePath = "/scalar";

    public static IServiceCollection AddHeraldOpenApi(this IServiceCollection services) =>
        services.AddOpenApi(options =>
        {
            options.AddDocumentTransformer((document, _, _) =>
            {
                Describe(document);
                return Task.CompletedTask;
            });
            options.AddOperationTransformer(async (operation, context, ct) =>
            {
                if (context.Description.ActionDescriptor.EndpointMetadata.OfType<JsonRequestBody>().LastOrDefault() is { } body)
                {
                    operation.RequestBody = new OpenApiRequestBody
                    {
                        Required = !body.Optional,
                        Content = new Dictionary<string, OpenApiMediaType>
                        {
                            ["application/json"] = new() { Schema = await context.GetOrCreateSchemaAsync(body.Type, null, ct) },
                        },
                    };
                }
            });
            options.AddSchemaTransformer((schema, context, _) =>
            {
                if (schema.Examples is not { Count: > 0 } && OpenApiExamples.For(context.JsonTypeInfo.Type) is { } example)
                {
                    schema.Examples = [example];
                }

                return Task.CompletedTask;
            });
        });

    public static void MapHeraldOpenApi(this IEndpointRouteBuilder app)
    {
        app.MapOpenApi(DocumentPath);
        app.MapScalarApiReference(ReferencePath, options => options.WithTitle("Herald API"));
    }

    private static void Describe(OpenApiDocument document)
    {
        document.Info = new OpenApiInfo
        {
            Title = "Herald API",
            Version = "v1",
            Description = "Webhook delivery for media-asset platforms. Every /api/ route needs `Authorization: Bearer <key>`; "
                + "the iconik-compatible /API/ routes take the key in `Auth-Token`. See docs/api.md.",
        };

        document.Components ??= new OpenApiComponents();
        document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
        document.Components.SecuritySchemes["bearer"] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.Http,
            Scheme = "bearer",
            Description = "A Herald API key: the admin key or a domain key (hk_...).",
        };
        document.Components.SecuritySchemes["authToken"] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.ApiKey,
            In = ParameterLocation.Header,
            Name = "Auth-Token",
            Description = "A Herald API key, as iconik scripts send it (App-ID is accepted and ignored).",
        };

        var bearer = new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference("bearer", document)] = [] };
        var authToken = new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference("authToken", document)] = [] };
        foreach (var (path, item) in document.Paths)
        {
            var requirement = path.StartsWith("/api/", StringComparison.Ordinal) ? bearer
                : path.StartsWith("/API/", StringComparison.Ordinal) ? authToken
                : null;
            if (requirement is null || item.Operations is null)
            {
                continue;
            }

            foreach (var operation in item.Operations.Values)
            {
                operation.Security = [requirement];
            }
        }
    }
}
