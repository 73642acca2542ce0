using Herald.Storage;
using Microsoft.AspNetCore.DataProtection.KeyManagement;

namespace Herald.Server.Hosting;

/// <summary>
/// Makes sure the Data Protection key ring in the database has a key before anything encrypts, and
/// that only one node of a cluster creates it. Data Protection creates a missing key by itself,
/// but nodes of a new cluster starting together would each create their own, immediately active,
/// each caching only the ring it saw at start: secrets one node encrypts would be unreadable on
/// another until its ring refreshes (a day). Later keys are no concern: Data Protection creates
/// them two days before they take over, and every node reloads the ring daily.
/// </summary>
internal static class SharedKeyRing
{
    private const string LeaseName = "data-protection-first-key";
    private static readonly TimeSpan KeyLifetime = TimeSpan.FromDays(90);

    public static async Task EnsureKeyAsync(IServiceProvider services, CancellationToken cancellationToken)
    {
        var store = services.GetRequiredService<IDataProtectionKeyStore>();
        var leases = services.GetRequiredService<IJobLeases>();
        var time = services.GetRequiredService<TimeProvider>();
        var owner = $"{Environment.MachineName}-{Environment.ProcessId}-{Guid.NewGuid():N}";
        var waited = TimeProvider.System.GetTimestamp();
        while ((await store.LoadAllAsync(cancellationToken)).Count == 0)
        {
            if (await leases.TryAcquireAsync(LeaseName, owner, TimeSpan.FromSeconds(30), cancellationToken))
            {
                try
                {
                    if ((await store.LoadAllAsync(cancellationToken)).Count == 0)
                    {
                        var now = time.GetUtcNow();
                        services.GetRequiredService<IKeyManager>().CreateNewKey(now, now + KeyLifetime);
                    }
                }
                finally
                {
                    await leases.ReleaseAsync(LeaseName, owner, CancellationToken.None);
                }

                return;
            }

            // Another node is creating it: it is in the store in a moment.
            if (TimeProvider.System.GetElapsedTime(waited) > TimeSpan.FromSeconds(60))
            {
                return;
            }

            await Task.Delay(100, cancellationToken);
        }
    }
}
