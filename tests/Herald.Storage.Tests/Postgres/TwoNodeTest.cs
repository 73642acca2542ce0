namespace Herald.Storage.Tests.Postgres;

/// <summary>Two nodes' store sets over one fresh PostgreSQL database: <see cref="A"/> made it, <see cref="B"/> opened it again.</summary>
public abstract class TwoNodeTest : IAsyncLifetime
{
    private PostgresStoreSet? _a;
    private PostgresStoreSet? _b;

    private protected PostgresStoreSet A => _a!;

    private protected PostgresStoreSet B => _b!;

    public virtual async Task InitializeAsync()
    {
        _a = (PostgresStoreSet)await new PostgresStoreProvider().CreateAsync();
        _b = (PostgresStoreSet)await A.OpenAgainAsync();
    }

    public async Task DisposeAsync()
    {
        if (_b is not null)
        {
            await _b.DisposeAsync();
        }

        if (_a is not null)
        {
            await _a.DisposeAsync();
        }
    }
}
