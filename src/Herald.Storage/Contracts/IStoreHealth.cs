namespace Herald.Storage;

/// <summary>Readiness: can the database be reached right now?</summary>
public interface IStoreHealth
{
    Task<bool> IsReachableAsync(CancellationToken cancellationToken);
}
