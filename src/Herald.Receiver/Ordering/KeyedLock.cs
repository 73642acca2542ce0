namespace Herald.Receiver;

/// <summary>An async mutex per key; entries live only while someone holds or waits for them.</summary>
internal sealed class KeyedLock
{
    private readonly Lock sync = new();
    private readonly Dictionary<string, Entry> entries = new(StringComparer.Ordinal);

    public async ValueTask<Releaser> AcquireAsync(string key, CancellationToken cancellationToken)
    {
        Entry entry;
        lock (sync)
        {
            if (!entries.TryGetValue(key, out entry!))
            {
                entry = new Entry();
                entries[key] = entry;
            }

            entry.Users++;
        }

        try
        {
            await entry.Semaphore.WaitAsync(cancellationToken);
        }
        catch
        {
            Leave(key, entry, held: false);
            throw;
        }

        return new Releaser(this, key, entry);
    }

    private void Leave(string key, Entry entry, bool held)
    {
        if (held)
        {
            entry.Semaphore.Release();
        }

        lock (sync)
        {
            if (--entry.Users == 0)
            {
                entries.Remove(key);
                entry.Semaphore.Dispose();
            }
        }
    }

    internal sealed class Entry
    {
        public SemaphoreSlim Semaphore { get; } = new(1, 1);

        public int Users { get; set; }
    }

    public readonly struct Releaser : IDisposable
    {
        private readonly KeyedLock owner;
        private readonly string key;
        private readonly Entry entry;

        internal Releaser(KeyedLock owner, string key, Entry entry)
        {
            this.owner = owner;
            this.key = key;
            this.entry = entry;
        }

        public void Dispose() => owner.Leave(key, entry, held: true);
    }
}
