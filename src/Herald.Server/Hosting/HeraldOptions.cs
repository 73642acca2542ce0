namespace Herald.Server.Hosting;

/// <summary>Settings under <c>Herald:*</c> (or the <c>HERALD_*</c> environment variables).</summary>
public sealed class HeraldOptions
{
    /// <summary>A SQLite file path (default <c>./data/herald.db</c>) or a PostgreSQL connection string.</summary>
    public string Database { get; set; } = "./data/herald.db";

    /// <summary>The admin API key; when unset, one is generated on first start and printed once.</summary>
    public string? AdminKey { get; set; }

    /// <summary>Comma-separated CIDRs that delivery may reach although they are not public.</summary>
    public string? AllowedNetworks { get; set; }

    /// <summary>
    /// Folder where earlier versions kept the Data Protection keys that encrypt webhook secrets and
    /// credentials at rest; default <c>keys/</c> beside the database. The keys now live in the
    /// database (shared by every node); on start, keys found in this folder are imported into it
    /// once, so secrets stored before stay readable. The folder is only read.
    /// </summary>
    public string? DataProtectionKeys { get; set; }

    /// <summary>Largest accepted publish body.</summary>
    public int MaxEventBodyBytes { get; set; } = 1024 * 1024;

    /// <summary>
    /// Publish bodies held in memory at once, from reading to stored; more publishes wait their
    /// turn unread (a body larger than this runs alone).
    /// </summary>
    public int MaxIngestBytesInFlight { get; set; } = 16 * 1024 * 1024;

    /// <summary>Most webhooks one domain may have (Scaleflex allows 5); 0 means no limit.</summary>
    public int MaxWebhooksPerDomain { get; set; }
}
