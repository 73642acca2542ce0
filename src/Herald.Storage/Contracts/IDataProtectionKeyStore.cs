namespace Herald.Storage;

/// <summary>One ASP.NET Core Data Protection key ring element (a key or a revocation) as XML text.</summary>
public sealed record DataProtectionKeyRecord(string Name, string Xml);

/// <summary>
/// The Data Protection key ring, kept in the database so every node that shares the database
/// shares the keys that encrypt webhook secrets and credentials. Elements are never changed once
/// stored (Data Protection adds new elements to revoke or rotate), so the first write of a name wins.
/// </summary>
public interface IDataProtectionKeyStore
{
    /// <summary>Every stored element, oldest first.</summary>
    Task<IReadOnlyList<DataProtectionKeyRecord>> LoadAllAsync(CancellationToken cancellationToken);

    /// <summary>Stores <paramref name="key"/> unless an element of that name is stored; true when it was added.</summary>
    Task<bool> AddAsync(DataProtectionKeyRecord key, CancellationToken cancellationToken);
}
