namespace Herald.Receiver;

/// <summary>What <see cref="OrderingGuard{TVersion}"/> did with an event.</summary>
public enum OrderingOutcome
{
    /// <summary>The event was newer than anything applied to its object; it was applied and recorded.</summary>
    Applied,

    /// <summary>The event was older than (or as old as) the last one applied to its object; it was dropped.</summary>
    Stale,
}
