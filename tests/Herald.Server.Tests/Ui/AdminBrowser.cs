using System.Collections.Concurrent;
using Herald.Server.Tests.Infrastructure;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Herald.Server.Tests.Ui;

/// <summary>
/// Debian's headless Chromium (installed by test.sh) driven by Playwright, one browser context per
/// test at 1280×800. Any script error or CSP violation on the page fails the test when it ends.
/// </summary>
public sealed class AdminBrowser : IAsyncDisposable
{
    public const string Chromium = "/usr/bin/chromium";

    private readonly IPlaywright _playwright;
    private readonly IBrowser _browser;
    private readonly ConcurrentQueue<string> _errors = new();

    private AdminBrowser(IPlaywright playwright, IBrowser browser, IBrowserContext context, IPage page, string baseUrl)
    {
        _playwright = playwright;
        _browser = browser;
        Context = context;
        Page = page;
        BaseUrl = baseUrl;
        page.Console += (_, message) =>
        {
            if (message.Type == "error" && !message.Text.Contains("the server responded with a status of", StringComparison.Ordinal))
            {
                _errors.Enqueue(message.Text);
            }
        };
        page.PageError += (_, error) => _errors.Enqueue(error);
    }

    public IBrowserContext Context { get; }

    public IPage Page { get; }

    public string BaseUrl { get; }

    public static async Task<AdminBrowser> OpenAsync(string baseUrl)
    {
        Assert.True(File.Exists(Chromium), $"Chromium is needed at {Chromium}: run ./test.sh, or apt-get install -y chromium");
        var playwright = await Playwright.CreateAsync();
        var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Chromium,
            Headless = true,
            Args = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking", "--font-render-hinting=none"],
        });
        var context = await browser.NewContextAsync(new BrowserNewContextOptions
        {
            ViewportSize = new ViewportSize { Width = 1280, Height = 800 },
            BaseURL = baseUrl,
            Locale = "en-GB",
            TimezoneId = "UTC",
        });
        context.SetDefaultTimeout(15_000);
        await context.GrantPermissionsAsync(["clipboard-read", "clipboard-write"], new() { Origin = baseUrl });
        var page = await context.NewPageAsync();
        return new AdminBrowser(playwright, browser, context, page, baseUrl);
    }

    public async Task SignInAsync(string key)
    {
        await Page.GotoAsync("/");
        await Page.GetByLabel("API key", new() { Exact = true }).FillAsync(key);
        await Page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Expect(Page.GetByRole(AriaRole.Navigation, new() { Name = "Main" })).ToBeVisibleAsync();
    }

    public ILocator Nav(string name) =>
        Page.GetByRole(AriaRole.Navigation, new() { Name = "Main" }).GetByRole(AriaRole.Link, new() { Name = name, Exact = true });

    public ILocator Field(string label) => Page.GetByLabel(label, new() { Exact = true });

    /// <summary>A 1280×800 screenshot into the repository's docs/screenshots/.</summary>
    public async Task ScreenshotAsync(string name)
    {
        // Let fonts, charts and transitions settle so the picture is the page, not its loading.
        await Page.EvaluateAsync("() => document.fonts.ready");
        await Page.Mouse.MoveAsync(0, 799);
        await Page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(ScreenshotFolder(), name + ".png"), FullPage = false });
    }

    /// <summary>Fails on any script error the page logged.</summary>
    public void AssertNoScriptErrors() =>
        Assert.True(_errors.IsEmpty, "the page logged errors:\n" + string.Join("\n", _errors));

    public async ValueTask DisposeAsync()
    {
        await Context.CloseAsync();
        await _browser.CloseAsync();
        _playwright.Dispose();
    }

    private static string ScreenshotFolder()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Herald.sln")))
        {
            directory = directory.Parent;
        }

        var folder = Path.Combine(directory?.FullName ?? Path.Combine(Path.GetTempPath(), "herald-ui"), "docs", "screenshots");
        Directory.CreateDirectory(folder);
        return folder;
    }
}
