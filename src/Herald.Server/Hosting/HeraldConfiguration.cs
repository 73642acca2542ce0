namespace Herald.Server.Hosting;

internal static class HeraldConfiguration
{
    /// <summary>
    /// Binds <c>Herald:*</c>, then lets the contract's environment variables (HERALD_DATABASE,
    /// HERALD_ADMIN_KEY, HERALD_ALLOWED_NETWORKS) override it.
    /// </summary>
    /// <summary>The folder earlier versions kept the Data Protection keys in, imported on start.</summary>
    /// <remarks>On PostgreSQL there is no database file to sit beside: only an explicit <c>Herald:DataProtectionKeys</c> is imported.</remarks>
    public static string? LegacyKeysFolder(HeraldOptions options) =>
        options.DataProtectionKeys
        ?? (DatabaseSetting.IsConnectionString(options.Database) ? null : Path.Combine(Path.GetDirectoryName(Path.GetFullPath(options.Database))!, "keys"));

    public static HeraldOptions Read(IConfiguration configuration)
    {
        var options = new HeraldOptions();
        configuration.GetSection("Herald").Bind(options);
        options.Database = configuration["HERALD_DATABASE"] is { Length: > 0 } db ? db : options.Database;
        options.AdminKey = configuration["HERALD_ADMIN_KEY"] is { Length: > 0 } key ? key : options.AdminKey;
        options.AllowedNetworks = configuration["HERALD_ALLOWED_NETWORKS"] is { Length: > 0 } nets ? nets : options.AllowedNetworks;
        return options;
    }
}
