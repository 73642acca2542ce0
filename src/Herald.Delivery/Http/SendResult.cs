namespace Herald.Delivery.Http;

/// <summary>What one HTTP attempt returned. <see cref="StatusCode"/> is null when no response came.</summary>
public sealed record SendResult(int? StatusCode, string? Error, string? ResponseBody, TimeSpan Duration, TimeSpan? RetryAfter, bool TimedOut)
{
    public bool Succeeded => StatusCode is >= 200 and < 300;
}
