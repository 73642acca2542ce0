namespace Herald.Delivery.Security;

/// <summary>
/// URLs as Herald shows them in errors, <c>last_error</c>, logs and API answers: without userinfo.
/// The API refuses credentials in URLs, but a row stored before it did must not leak them either.
/// </summary>
public static class UrlRedaction
{
    public static string? WithoutUserInfo(string? url)
    {
        if (url is null || !url.Contains('@', StringComparison.Ordinal))
        {
            return url;
        }

        if (Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.UserInfo.Length > 0)
        {
            return new UriBuilder(uri) { UserName = string.Empty, Password = string.Empty }.Uri.AbsoluteUri;
        }

        // Not a URL Uri understands: drop everything from "//" up to the last "@" of the authority.
        var start = url.IndexOf("//", StringComparison.Ordinal);
        if (start < 0)
        {
            return url;
        }

        var authority = url.AsSpan(start + 2);
        var end = authority.IndexOfAny('/', '?', '#');
        var at = (end < 0 ? authority : authority[..end]).LastIndexOf('@');
        return at < 0 ? url : string.Concat(url.AsSpan(0, start + 2), authority[(at + 1)..]);
    }
}
