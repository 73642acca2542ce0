using Herald.Core.Deliveries;
using Herald.Delivery.Dispatching;
using Herald.Storage;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Herald.Server;

internal static class Paging
{
    /// <summary>Reads <c>?limit=</c> (default 50, max 1000) and <c>?cursor=</c>.</summary>
    public static bool TryRead(HttpRequest request, out PageRequest page, out BadRequest<ApiResults.ErrorBody>? error)
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

        // A cursor is the id of the last row of the previous page: ids are lowercase UUID strings,
        // so anything else was not handed out by Herald and would silently page from nowhere.
        var cursor = request.Query["cursor"].ToString();
        if (cursor.Length > 0 && !IsId(cursor))
        {
            error = ApiResults.BadRequest("cursor is not one Herald handed out; pass the previous page's next value unchanged", "cursor");
            return false;
        }

        page = new PageRequest(limit, cursor.Length == 0 ? null : cursor);
        return true;
    }

    /// <summary>
    /// The paging plus <c>?status=</c> a delivery list takes; the public list and the admin UI's
    /// time-range list share it.
    /// </summary>
    public static bool TryReadDeliveryList(HttpRequest request, out PageRequest page, out DeliveryStatus? status, out BadRequest<ApiResults.ErrorBody>? error)
    {
        status = null;
        if (!TryRead(request, out page, out error))
        {
            return false;
        }

        if (request.Query["status"].ToString() is { Length: > 0 } statusText)
        {
            if (!DeliveryStatusNames.TryParse(statusText, out var parsed))
            {
                error = ApiResults.BadRequest("status must be pending, succeeded, failed or cancelled", "status");
                return false;
            }

            status = parsed;
        }

        return true;
    }

    private static bool IsId(string text) =>
        Guid.TryParseExact(text, "D", out var id) && string.Equals(id.ToString(), text, StringComparison.Ordinal);
}
