using System.Reflection;

namespace Herald.Cli.Tests.Infrastructure;

/// <summary>The build outputs the end-to-end tests start as processes (paths baked in by the .csproj).</summary>
public static class Built
{
    public static string HeraldServerDll => Path("HeraldServerDll");

    public static string HeraldCliDll => Path("HeraldCliDll");

    public static string AutoAnalyzeDll => Path("AutoAnalyzeDll");

    /// <summary>The dotnet host that runs this test, so children use the same runtime.</summary>
    public static string DotnetHost =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet";

    public static string Seed(string name) => File.ReadAllText(System.IO.Path.Combine(AppContext.BaseDirectory, "Seeds", name));

    public static string TempDirectory()
    {
        var path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "herald-cli-tests", Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture), Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(path);
        return path;
    }

    private static string Path(string name)
    {
        var path = typeof(Built).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == name).Value!;
        return File.Exists(path) ? path : throw new FileNotFoundException($"{name} is not built at {path}; build the test project first", path);
    }
}
