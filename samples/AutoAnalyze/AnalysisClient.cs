using Microsoft.Extensions.Options;

namespace AutoAnalyze;

/// <summary>Submits an asset for analysis: <c>POST {AnalysisUrl}/API/transcode/v1/analyze/assets/{id}/</c> with <c>{}</c>.</summary>
/// <remarks>A singleton that takes a client from the factory per request, so handlers are rotated as they should be.</remarks>
internal sealed class AnalysisClient(IHttpClientFactory clients, IOptions<AutoAnalyzeOptions> options)
{
    public const string HttpClientName = "analysis";

    /// <summary>Throws when the request fails or is answered with a non-2xx status.</summary>
    public async Task SubmitAsync(string objectId, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var url = $"{settings.AnalysisUrl.TrimEnd('/')}/API/transcode/v1/analyze/assets/{Uri.EscapeDataString(objectId)}/";
        using var request = new HttpRequestMessage(HttpMethod.Post, url)
        {
            Content = new StringContent("{}", System.Text.Encoding.UTF8, "application/json"),
        };
        request.Headers.Accept.ParseAdd("application/json");
        if (!string.IsNullOrEmpty(settings.AppId))
        {
            request.Headers.TryAddWithoutValidation("App-ID", settings.AppId);
        }

        if (!string.IsNullOrEmpty(settings.AuthToken))
        {
            request.Headers.TryAddWithoutValidation("Auth-Token", settings.AuthToken);
        }

        var http = clients.CreateClient(HttpClientName);
        using var response = await http.SendAsync(request, cancellationToken);
        response.EnsureSuccessStatusCode();
    }
}
