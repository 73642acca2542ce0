namespace Herald.Cli;

/// <summary>
/// What <c>herald</c> exits with, so scripts can tell "Herald said no" from "Herald was not there".
/// Documented in README.md; keep the two in step.
/// </summary>
internal static class ExitCodes
{
    /// <summary>The command did what was asked.</summary>
    public const int Success = 0;

    /// <summary>Herald answered 4xx (invalid input, not found, unauthorized, conflict), or a query is invalid.</summary>
    public const int ApiError = 1;

    /// <summary>Bad arguments or unreadable local input; nothing was sent.</summary>
    public const int Usage = 2;

    /// <summary>Herald could not be reached, timed out or answered 5xx; or <c>listen</c> could not bind its port.</summary>
    public const int Unavailable = 3;
}
