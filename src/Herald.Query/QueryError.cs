namespace Herald.Query;

/// <summary>Why a query (or path) was rejected, and the 1-based column where the problem starts.</summary>
/// <param name="Message">A short, readable description, e.g. <c>strings do not support &gt;=</c>.</param>
/// <param name="Position">The 1-based column (UTF-16 code unit) of the offending token.</param>
public sealed record QueryError(string Message, int Position)
{
    /// <inheritdoc />
    public override string ToString() => $"{Message} (column {Position})";
}
