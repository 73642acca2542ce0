using Herald.Delivery.Security;

namespace Herald.Delivery.Tests.Security;

public sealed class UrlRedactionTests
{
    [Theory]
    [InlineData("http://user:pass@host.example/token", "http://host.example/token")]
    [InlineData("https://user@host.example:8443/t?q=1", "https://host.example:8443/t?q=1")]
    [InlineData("http://host.example/a@b", "http://host.example/a@b")]
    [InlineData("http://host.example/token", "http://host.example/token")]
    [InlineData("weird://u:p@[bad/x", "weird://[bad/x")]
    public void WithoutUserInfo_Url_DropsOnlyTheUserInfo(string url, string expected)
    {
        Assert.Equal(expected, UrlRedaction.WithoutUserInfo(url));
    }
}
