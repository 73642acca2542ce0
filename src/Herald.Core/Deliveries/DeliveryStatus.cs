namespace Herald.Core.Deliveries;

public enum DeliveryStatus
{
    Pending = 0,
    Succeeded = 1,
    Failed = 2,
    Cancelled = 3,
}

public static class DeliveryStatusNames
{
    public static string ToWire(this DeliveryStatus status) => status switch
    {
        DeliveryStatus.Pending => "pending",
        DeliveryStatus.Succeeded => "succeeded",
        DeliveryStatus.Failed => "failed",
        DeliveryStatus.Cancelled => "cancelled",
        _ => throw new ArgumentOutOfRangeException(nameof(status)),
    };

    public static bool TryParse(string? text, out DeliveryStatus status)
    {
        switch (text)
        {
            case "pending": status = DeliveryStatus.Pending; return true;
            case "succeeded": status = DeliveryStatus.Succeeded; return true;
            case "failed": status = DeliveryStatus.Failed; return true;
            case "cancelled": status = DeliveryStatus.Cancelled; return true;
            default: status = default; return false;
        }
    }
}
