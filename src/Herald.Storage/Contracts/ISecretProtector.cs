namespace Herald.Storage;

/// <summary>Encrypts secrets before they reach the database and decrypts them on the way back.</summary>
public interface ISecretProtector
{
    string Protect(string plaintext);

    string Unprotect(string protectedText);
}
