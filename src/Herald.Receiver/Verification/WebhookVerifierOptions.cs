namespace Herald.Receiver;

/// <summary>Settings for <see cref="WebhookVerifier"/>.</summary>
public sealed class WebhookVerifierOptions
{
    /// <summary>The default timestamp tolerance: 5 minutes in either direction.</summary>
    public static readonly TimeSpan DefaultTolerance = TimeSpan.FromMinutes(5);

    /// <summary>
    /// The webhook's signing secrets (<c>whsec_...</c>). A delivery is accepted when any signature in it
    /// matches any of these, so during a rotation list both the old and the new secret.
    /// </summary>
    public IList<string> Secrets { get; } = new List<string>();

    /// <summary>How far the signed timestamp may lie from now, in either direction. Default 5 minutes.</summary>
    public TimeSpan Tolerance { get; set; } = DefaultTolerance;

    /// <summary>Which schemes are accepted. Default <see cref="WebhookSignatureSchemes.Any"/>.</summary>
    public WebhookSignatureSchemes Schemes { get; set; } = WebhookSignatureSchemes.Any;
}
