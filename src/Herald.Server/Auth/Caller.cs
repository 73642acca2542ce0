namespace Herald.Server.Auth;

/// <summary>Who is calling: the admin (every domain) or a domain key (one domain).</summary>
internal sealed record Caller(string KeyId, bool IsAdmin, string? DomainId)
{
    /// <summary>The domain a query is limited to; null for the admin (every domain).</summary>
    public string? Scope => IsAdmin ? null : DomainId;

    /// <summary>Whether this caller may see a resource of <paramref name="domainId"/>.</summary>
    public bool CanSee(string? domainId) => IsAdmin || string.Equals(DomainId, domainId, StringComparison.Ordinal);
}
