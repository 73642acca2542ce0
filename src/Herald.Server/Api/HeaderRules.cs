namespace Herald.Server;

/// <summary>RFC 9110 field-name tokens and safe field values.</summary>
internal static class HeaderRules
{
    private const string TokenSymbols = "!#$%&'*+-.^_`|~";

    public static bool IsToken(string name) =>
        name.Length is > 0 and <= 256 && name.All(c => char.IsAsciiLetterOrDigit(c) || TokenSymbols.Contains(c, StringComparison.Ordinal));

    public static bool IsValidValue(string value) =>
        value.Length <= 8192 && !value.Any(c => c is '\r' or '\n' or '\0' || (char.IsControl(c) && c != '\t'));
}
