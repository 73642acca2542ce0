namespace Herald.Server.Tests.Infrastructure;

public static class Seeds
{
    public static string Read(string name) => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Seeds", name));
}
