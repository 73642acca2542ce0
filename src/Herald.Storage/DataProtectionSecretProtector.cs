using Microsoft.AspNetCore.DataProtection;

namespace Herald.Storage;

/// <summary>ASP.NET Core Data Protection (AES-256-CBC + HMAC, rotating keys) for secrets at rest.</summary>
public sealed class DataProtectionSecretProtector(IDataProtectionProvider provider) : ISecretProtector
{
    private readonly IDataProtector _protector = provider.CreateProtector("Herald.Storage.WebhookSecrets.v1");

    public string Protect(string plaintext) => _protector.Protect(plaintext);

    public string Unprotect(string protectedText) => _protector.Unprotect(protectedText);
}
