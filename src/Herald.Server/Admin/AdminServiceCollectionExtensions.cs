using Herald.Server.Auth;

namespace Herald.Server.Admin;

internal static class AdminServiceCollectionExtensions
{
    /// <summary>The admin UI's sessions and statistics.</summary>
    public static IServiceCollection AddHeraldAdminUi(this IServiceCollection services) =>
        services.AddSingleton<AdminSessions>().AddSingleton<DeliveryStatsCache>();

    /// <summary>The admin UI: its files, sign-in and the data only the UI reads.</summary>
    public static IEndpointRouteBuilder MapHeraldAdminUi(this IEndpointRouteBuilder app)
    {
        app.MapAdminUi();
        app.MapAdminSessionApi();
        app.MapAdminDataApi();
        return app;
    }
}
