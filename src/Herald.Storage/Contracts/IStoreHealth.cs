namespace Herald.Storage;

/// <summary>Readiness: can the database be read, and do writes get through?</summary>
public interface IStoreHealth
{
    Task<StoreHealthReport> CheckAsync(CancellationToken cancellationToken);
}

/// <summary>
/// <paramref name="Status"/> is <c>ready</c>, <c>database unreachable</c> or <c>database not
/// writable</c>; <paramref name="Reason"/> says why when not ready (no file paths).
/// </summary>
public sealed record StoreHealthReport(bool Ready, string Status, string? Reason)
{
    public static readonly StoreHealthReport Healthy = new(true, "ready", null);
}
