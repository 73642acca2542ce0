using Microsoft.Extensions.Options;

namespace AutoAnalyze;

/// <summary>Submits an asset for analysis: <c>POST {AnalysisUrl}/API/transcode/v1/analyze/assets/{id}/</c> with <c>{}</c>.</summary>
internal sealed class AnalysisClient(HttpClient http, IOptions<AutoAnalyzeOptions> options)
{
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

        using var response = await http.SendAsync(request, cancellationToken);
        response.EnsureSuccessStatusCode();
    }
}
