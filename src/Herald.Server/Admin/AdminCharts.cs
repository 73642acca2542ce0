using System.Globalization;
using System.Text;
using Herald.Core.Webhooks;
using Herald.Storage;

namespace Herald.Server.Admin;

/// <summary>
/// The dashboard's charts, drawn here as SVG: no chart script to vendor, nothing for the page to
/// compute, and the same picture in a browser, an <c>img</c> or a screenshot. Colours are
/// presentation attributes, so no inline style is needed under the page's CSP.
/// </summary>
internal static class AdminCharts
{
    public const string Succeeded = "#16a34a";
    public const string Failed = "#dc2626";
    private const string Grid = "#e5e7eb";
    private const string Ink = "#6b7280";
    private const string Font = "font-family=\"Inter, 'Segoe UI', -apple-system, Roboto, Arial, 'Liberation Sans', system-ui, sans-serif\"";

    private static readonly Dictionary<WebhookStatus, string> StatusColours = new()
    {
        [WebhookStatus.Enabled] = Succeeded,
        [WebhookStatus.Failing] = Failed,
        [WebhookStatus.Paused] = "#d97706",
        [WebhookStatus.Disabled] = "#9ca3af",
    };

    /// <summary>Attempts per minute over the last hour, succeeded below and failed stacked on top.</summary>
    public static string Throughput(IReadOnlyList<MinuteCounts> minutes)
    {
        const double width = 720, height = 220, left = 44, right = 8, top = 12, bottom = 26;
        var plotWidth = width - left - right;
        var plotHeight = height - top - bottom;
        var peak = minutes.Count == 0 ? 0 : minutes.Max(m => m.Succeeded + m.Failed);
        var scale = NiceCeiling(Math.Max(peak, 4));
        var svg = new StringBuilder();
        svg.Append(CultureInfo.InvariantCulture, $"<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {width} {height}\" width=\"100%\" role=\"img\" aria-labelledby=\"throughput-title\" class=\"chart chart-throughput\">");
        var total = minutes.Sum(m => m.Succeeded + m.Failed);
        svg.Append(CultureInfo.InvariantCulture, $"<title id=\"throughput-title\">Delivery attempts per minute over the last hour: {minutes.Sum(m => m.Succeeded)} succeeded, {minutes.Sum(m => m.Failed)} failed</title>");
        for (var i = 0; i <= 4; i++)
        {
            var value = scale * i / 4;
            var y = top + plotHeight - (plotHeight * i / 4);
            svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{left}\" x2=\"{width - right}\" y1=\"{y:0.#}\" y2=\"{y:0.#}\" stroke=\"{Grid}\" stroke-width=\"1\"/>");
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{left - 8}\" y=\"{y + 4:0.#}\" text-anchor=\"end\" fill=\"{Ink}\" {Font} font-size=\"11\">{Format(value)}</text>");
        }

        var slot = plotWidth / Math.Max(minutes.Count, 1);
        var barWidth = Math.Max(slot - 3, 1);
        for (var i = 0; i < minutes.Count; i++)
        {
            var m = minutes[i];
            var x = left + (i * slot) + ((slot - barWidth) / 2);
            var okHeight = plotHeight * m.Succeeded / scale;
            var failedHeight = plotHeight * m.Failed / scale;
            var baseline = top + plotHeight;
            var ago = minutes.Count - 1 - i;
            var label = $"{(ago == 0 ? "this minute" : ago + " min ago")}: {m.Succeeded} succeeded, {m.Failed} failed";
            if (m.Succeeded > 0)
            {
                svg.Append(CultureInfo.InvariantCulture, $"<rect class=\"bar bar-succeeded\" x=\"{x:0.##}\" y=\"{baseline - okHeight:0.##}\" width=\"{barWidth:0.##}\" height=\"{okHeight:0.##}\" rx=\"1.5\" fill=\"{Succeeded}\"><title>{label}</title></rect>");
            }

            if (m.Failed > 0)
            {
                svg.Append(CultureInfo.InvariantCulture, $"<rect class=\"bar bar-failed\" x=\"{x:0.##}\" y=\"{baseline - okHeight - failedHeight:0.##}\" width=\"{barWidth:0.##}\" height=\"{failedHeight:0.##}\" rx=\"1.5\" fill=\"{Failed}\"><title>{label}</title></rect>");
            }
        }

        foreach (var ago in new[] { 60, 45, 30, 15, 0 })
        {
            var x = left + ((minutes.Count - Math.Max(ago, 1)) * slot) + (slot / 2);
            var anchor = ago == 60 ? "start" : ago == 0 ? "end" : "middle";
            x = ago == 60 ? left : ago == 0 ? width - right : x;
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{x:0.#}\" y=\"{height - 8}\" text-anchor=\"{anchor}\" fill=\"{Ink}\" {Font} font-size=\"11\">{(ago == 0 ? "now" : "−" + ago + " min")}</text>");
        }

        if (total == 0)
        {
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{left + (plotWidth / 2)}\" y=\"{top + (plotHeight / 2)}\" text-anchor=\"middle\" fill=\"{Ink}\" {Font} font-size=\"13\">No attempts in the last hour</text>");
        }

        return svg.Append("</svg>").ToString();
    }

    /// <summary>A ring of webhooks by status with the total in the middle and a legend beside it.</summary>
    public static string WebhooksByStatus(IReadOnlyDictionary<WebhookStatus, int> counts)
    {
        const double radius = 64, stroke = 20, cx = 90, cy = 90;
        var circumference = 2 * Math.PI * radius;
        var total = counts.Values.Sum();
        var svg = new StringBuilder();
        svg.Append("<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 340 180\" width=\"100%\" role=\"img\" aria-labelledby=\"webhooks-title\" class=\"chart chart-webhooks\">");
        svg.Append(CultureInfo.InvariantCulture, $"<title id=\"webhooks-title\">Webhooks by status: {string.Join(", ", counts.Select(c => $"{c.Value} {c.Key.ToWire()}"))}</title>");
        svg.Append(CultureInfo.InvariantCulture, $"<circle cx=\"{cx}\" cy=\"{cy}\" r=\"{radius}\" fill=\"none\" stroke=\"{Grid}\" stroke-width=\"{stroke}\"/>");
        var offset = 0.0;
        foreach (var status in StatusColours.Keys)
        {
            var count = counts.GetValueOrDefault(status);
            if (count == 0 || total == 0)
            {
                continue;
            }

            var length = circumference * count / total;
            svg.Append(CultureInfo.InvariantCulture,
                $"<circle class=\"segment segment-{status.ToWire().ToLowerInvariant()}\" cx=\"{cx}\" cy=\"{cy}\" r=\"{radius}\" fill=\"none\" stroke=\"{StatusColours[status]}\" stroke-width=\"{stroke}\" stroke-dasharray=\"{length:0.###} {circumference - length:0.###}\" stroke-dashoffset=\"{-offset:0.###}\" transform=\"rotate(-90 {cx} {cy})\"><title>{count} {status.ToWire()}</title></circle>");
            offset += length;
        }

        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{cx}\" y=\"{cy + 2}\" text-anchor=\"middle\" fill=\"#111827\" {Font} font-size=\"26\" font-weight=\"600\">{total}</text>");
        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{cx}\" y=\"{cy + 20}\" text-anchor=\"middle\" fill=\"{Ink}\" {Font} font-size=\"11\">{(total == 1 ? "webhook" : "webhooks")}</text>");
        var row = 0;
        foreach (var (status, colour) in StatusColours)
        {
            var y = 46 + (row++ * 28);
            svg.Append(CultureInfo.InvariantCulture, $"<rect x=\"196\" y=\"{y - 10}\" width=\"12\" height=\"12\" rx=\"3\" fill=\"{colour}\"/>");
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"216\" y=\"{y}\" fill=\"#374151\" {Font} font-size=\"13\">{status.ToWire()}</text>");
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"330\" y=\"{y}\" text-anchor=\"end\" fill=\"#111827\" {Font} font-size=\"13\" font-weight=\"600\">{counts.GetValueOrDefault(status)}</text>");
        }

        return svg.Append("</svg>").ToString();
    }

    /// <summary>1, 2 or 5 times a power of ten, at or above <paramref name="value"/>.</summary>
    private static double NiceCeiling(double value)
    {
        var power = Math.Pow(10, Math.Floor(Math.Log10(value)));
        foreach (var step in new[] { 1.0, 2.0, 4.0, 5.0, 10.0 })
        {
            if (step * power >= value)
            {
                return step * power;
            }
        }

        return 10 * power;
    }

    private static string Format(double value) => value >= 1000 ? (value / 1000).ToString("0.#", CultureInfo.InvariantCulture) + "k" : value.ToString("0.#", CultureInfo.InvariantCulture);
}
