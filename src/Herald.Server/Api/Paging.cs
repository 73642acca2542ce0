using Herald.Storage;

namespace Herald.Server;

internal static class Paging
{
    /// <summary>Reads <c>?limit=</c> (default 50, max 1000) and <c>?cursor=</c>.</summary>
    public static bool TryRead(HttpRequest request, out PageRequest page, out IResult? error)
    {
        page = new PageRequest(PageRequest.DefaultLimit, null);
        error = null;
        var limitText = request.Query["limit"].ToString();
        var limit = PageRequest.DefaultLimit;
        if (limitText.Length > 0
            && (!int.TryParse(limitText, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out limit) || limit < 1 || limit > PageRequest.MaxLimit))
        {
            error = ApiResults.BadRequest($"limit must be a whole number from 1 to {PageRequest.MaxLimit}", "limit");
            return false;
        }

        var cursor = request.Query["cursor"].ToString();
        page = new PageRequest(limit, cursor.Length == 0 ? null : cursor);
        return true;
    }
}
