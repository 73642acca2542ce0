namespace Herald.Delivery.Http;

/// <summary>
/// What one HTTP attempt returned. <see cref="StatusCode"/> is null when no response came; a status
/// with an <see cref="Error"/> is a response that broke off after its headers.
/// </summary>
public sealed record SendResult(int? StatusCode, string? Error, string? ResponseBody, TimeSpan Duration, TimeSpan? RetryAfter, bool TimedOut)
{
    public bool Succeeded => StatusCode is >= 200 and < 300 && Error is null;
}
