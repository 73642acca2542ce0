using System.Globalization;

namespace Herald.LoadTest;

internal enum Scenario
{
    Single,
    Fanout,
    Ingest,
    Steady,
    Isolation,
    Definitions,
    Backlog,
}

/// <summary>
/// What one run does. Each scenario has its defaults (see <see cref="Defaults"/>); every flag given
/// on the command line overrides them.
/// </summary>
internal sealed record LoadTestOptions
{
    public Scenario Scenario { get; init; } = Scenario.Single;

    /// <summary>Webhooks subscribed to the published event type (0 in <c>ingest</c>: nothing matches).</summary>
    public int Webhooks { get; init; }

    public int Events { get; init; }

    /// <summary>Events per publish request (a JSON array).</summary>
    public int Batch { get; init; }

    /// <summary>Publish requests in flight at once.</summary>
    public int Publishers { get; init; }

    /// <summary>Events per second when paced; 0 publishes as fast as the publishers go.</summary>
    public int Rate { get; init; }

    /// <summary>Requests in flight for the raw ceiling (Herald's client allows 256 connections per host).</summary>
    public int RawConcurrency { get; init; } = 256;

    /// <summary>Most raw requests sent to find the ceiling; 0 skips the raw run.</summary>
    public int RawRequests { get; init; } = 100_000;

    public TimeSpan Timeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Isolation: the hanging webhook's <c>timeout_seconds</c>; its receiver path holds requests 5 s longer.</summary>
    public int HangTimeoutSeconds { get; init; } = 5;

    /// <summary>Isolation: baseline/with-hanging pairs, ordered a b, b a, a b, … so drift between phases cancels.</summary>
    public int Rounds { get; init; } = 2;

    /// <summary>Deliveries in the warm-up (spread over up to 100 warm-up webhooks, as the measured run fans out).</summary>
    public int WarmupEvents { get; init; } = 100_000;

    /// <summary>Definitions: domains the webhooks are spread over.</summary>
    public int Domains { get; init; } = 1_000;

    /// <summary>Definitions: list pages fetched per kind of list.</summary>
    public int ListPages { get; init; } = 200;

    /// <summary>Backlog: deliveries held on the paused webhook.</summary>
    public int Backlog { get; init; } = 1_000_000;

    public string? ServerDll { get; init; }

    /// <summary>A PostgreSQL connection string: each run creates a fresh database on that server and drops it after; null runs on SQLite.</summary>
    public string? Database { get; init; }

    /// <summary>Herald processes on the one database (PostgreSQL only above 1); publishing is spread over them.</summary>
    public int Nodes { get; init; } = 1;

    public bool Quick { get; init; }

    /// <summary>Extra environment for the Herald process, e.g. <c>Herald__Dispatcher__ClaimBatch=512</c>.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> HeraldEnvironment { get; init; } = [];

    public int ExpectedDeliveries => Webhooks * Events;

    public const string Usage = """
        Herald load test: starts Herald (its own process, fresh SQLite; or N nodes on a fresh PostgreSQL
        database), a receiver on 127.0.0.1,
        publishes events and prints throughput, publish→receiver latency, Herald's peak RSS and the
        raw HttpClient ceiling against the same receiver.

        Build Herald first:  dotnet build -c Release src/Herald.Server
        Run:                 dotnet run -c Release --project bench/Herald.LoadTest -- --scenario fanout

          --scenario NAME        single | fanout | ingest | steady | isolation | definitions | backlog  (single)
          --webhooks W           webhooks subscribed to "assets"                (single 1, fanout 100, ingest 0, steady 1, isolation 10 healthy, definitions 100000)
          --events N             events to publish                              (single 100000, fanout 2000, ingest 100000, isolation 3000 per phase; definitions: creates, edits and deletes timed, 2000 each)
          --batch B              events per publish request                     (100; steady 1)
          --publishers P         publish requests in flight                     (8; steady 64 at most; definitions: concurrent creates while loading, 16)
          --rate R               publish at R events/s instead of flat out      (steady 1000, backlog 1000)
          --duration S           with --rate and no --events: N = R × S         (steady 10, backlog 30)
          --backlog N            backlog: deliveries held on a paused webhook   (1000000)
          --raw-concurrency C    raw-ceiling requests in flight                 (256)
          --raw-requests M       most raw-ceiling requests; 0 skips it          (100000)
          --warmup N             warm-up deliveries before measuring            (100000)
          --timeout S            give up waiting after S seconds (exit code 2)  (300)
          --domains D            definitions: domains the webhooks spread over  (1000)
          --list-pages L         definitions: pages fetched per list            (200)
          --hang-timeout S       isolation: hanging webhook's timeout_seconds   (5; its path holds requests S + 5 s)
          --rounds K             isolation: baseline/with-hanging phase pairs   (2, ordered a b, b a, …)
          --server-dll PATH      Herald.Server.dll to start                     (src/Herald.Server/bin/Release/net10.0)
          --database CONN        PostgreSQL connection string (Host=…): a fresh database on that server per run (SQLite file)
          --nodes N              Herald processes on the one database; publishes spread over them (1; above 1 needs --database)
          --env NAME=VALUE       extra environment for Herald (repeatable)
          --quick                a small smoke run of the chosen scenario
        """;

    public static LoadTestOptions Defaults(Scenario scenario, bool quick) => scenario switch
    {
        Scenario.Single => new LoadTestOptions { Scenario = scenario, Webhooks = 1, Events = quick ? 5_000 : 100_000, Batch = 100, Publishers = 8 },
        Scenario.Fanout => new LoadTestOptions { Scenario = scenario, Webhooks = quick ? 10 : 100, Events = quick ? 500 : 2_000, Batch = 100, Publishers = 8 },
        Scenario.Ingest => new LoadTestOptions { Scenario = scenario, Webhooks = 0, Events = quick ? 5_000 : 100_000, Batch = 100, Publishers = 8 },
        Scenario.Steady => new LoadTestOptions { Scenario = scenario, Webhooks = 1, Events = quick ? 2_000 : 10_000, Batch = 1, Publishers = 64, Rate = 1_000 },
        Scenario.Isolation => new LoadTestOptions { Scenario = scenario, Webhooks = quick ? 4 : 10, Events = quick ? 500 : 3_000, Batch = 100, Publishers = 8, Rounds = quick ? 1 : 2 },
        Scenario.Definitions => new LoadTestOptions { Scenario = scenario, Webhooks = quick ? 5_000 : 100_000, Domains = quick ? 50 : 1_000, Events = quick ? 200 : 2_000, Batch = 1, Publishers = 16, ListPages = quick ? 50 : 200 },
        Scenario.Backlog => new LoadTestOptions { Scenario = scenario, Webhooks = 1, Events = quick ? 2_000 : 30_000, Batch = 1, Publishers = 64, Rate = 1_000, Backlog = quick ? 20_000 : 1_000_000, Timeout = TimeSpan.FromMinutes(15) },
        _ => throw new ArgumentOutOfRangeException(nameof(scenario)),
    } with { Quick = quick, RawRequests = scenario is Scenario.Ingest or Scenario.Isolation or Scenario.Definitions or Scenario.Backlog ? 0 : quick ? 10_000 : 100_000, WarmupEvents = scenario is Scenario.Definitions ? 0 : quick ? 500 : 100_000 };

    /// <summary>Reads the arguments; returns null with a message when they are wrong.</summary>
    public static LoadTestOptions? Parse(string[] args, out string? error)
    {
        error = null;
        var given = new Dictionary<string, string>(StringComparer.Ordinal);
        var environment = new List<KeyValuePair<string, string>>();
        var quick = false;
        for (var i = 0; i < args.Length; i++)
        {
            var name = args[i];
            if (name is "--quick")
            {
                quick = true;
                continue;
            }

            if (name is "-h" or "--help")
            {
                error = string.Empty;
                return null;
            }

            if (!name.StartsWith("--", StringComparison.Ordinal) || i + 1 >= args.Length)
            {
                error = $"unexpected argument '{name}'";
                return null;
            }

            var value = args[++i];
            if (name == "--env")
            {
                var equals = value.IndexOf('=', StringComparison.Ordinal);
                if (equals <= 0)
                {
                    error = "--env takes NAME=VALUE";
                    return null;
                }

                environment.Add(new(value[..equals], value[(equals + 1)..]));
                continue;
            }

            given[name[2..]] = value;
        }

        var scenario = Scenario.Single;
        if (given.Remove("scenario", out var scenarioName) && !Enum.TryParse(scenarioName, ignoreCase: true, out scenario))
        {
            error = $"unknown scenario '{scenarioName}'; expected single, fanout, ingest, steady, isolation, definitions or backlog";
            return null;
        }

        var options = Defaults(scenario, quick) with { HeraldEnvironment = environment };
        int? duration = null;
        foreach (var (name, value) in given)
        {
            if (name == "server-dll")
            {
                options = options with { ServerDll = value };
                continue;
            }

            if (name == "database")
            {
                options = options with { Database = value };
                continue;
            }

            if (!int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var number))
            {
                error = $"--{name} takes a whole number, not '{value}'";
                return null;
            }

            switch (name)
            {
                case "webhooks": options = options with { Webhooks = number }; break;
                case "events": options = options with { Events = number }; break;
                case "batch": options = options with { Batch = number }; break;
                case "publishers": options = options with { Publishers = number }; break;
                case "rate": options = options with { Rate = number }; break;
                case "duration": duration = number; break;
                case "raw-concurrency": options = options with { RawConcurrency = number }; break;
                case "raw-requests": options = options with { RawRequests = number }; break;
                case "warmup": options = options with { WarmupEvents = number }; break;
                case "timeout": options = options with { Timeout = TimeSpan.FromSeconds(number) }; break;
                case "hang-timeout": options = options with { HangTimeoutSeconds = number }; break;
                case "rounds": options = options with { Rounds = number }; break;
                case "domains": options = options with { Domains = number }; break;
                case "list-pages": options = options with { ListPages = number }; break;
                case "backlog": options = options with { Backlog = number }; break;
                case "nodes": options = options with { Nodes = number }; break;
                default:
                    error = $"unknown option --{name}";
                    return null;
            }
        }

        if (duration is { } seconds && !given.ContainsKey("events"))
        {
            options = options with { Events = Math.Max(1, options.Rate) * seconds };
        }

        error = options switch
        {
            { Events: < 1 } => "--events must be at least 1",
            { Batch: < 1 } => "--batch must be at least 1",
            { Publishers: < 1 } => "--publishers must be at least 1",
            { RawConcurrency: < 1 } => "--raw-concurrency must be at least 1",
            { Timeout.TotalSeconds: < 1 } => "--timeout must be at least 1",
            { HangTimeoutSeconds: < 1 or > 60 } => "--hang-timeout must be from 1 to 60 (Herald's timeout_seconds range)",
            { Rounds: < 1 } => "--rounds must be at least 1",
            { Scenario: Scenario.Backlog, Backlog: < 1 } => "--backlog must be at least 1",
            { Nodes: < 1 or > 8 } => "--nodes must be from 1 to 8",
            { Nodes: > 1, Database: null } => "--nodes above 1 needs --database (a PostgreSQL connection string): SQLite is one process",
            { Database: { } db } when !db.Contains("Host=", StringComparison.OrdinalIgnoreCase) => "--database takes a PostgreSQL connection string (Host=…)",
            { Scenario: Scenario.Isolation, Nodes: > 1 } => "isolation runs on one node",
            { Scenario: Scenario.Definitions or Scenario.Backlog, Nodes: > 1 } => "definitions and backlog run on one node",
            { Scenario: Scenario.Isolation, Webhooks: < 1 } => "isolation needs at least 1 healthy webhook",
            { Scenario: Scenario.Definitions, Webhooks: < 1 } => "definitions needs at least 1 webhook",
            { Scenario: Scenario.Definitions, Domains: < 1 } => "--domains must be at least 1",
            { Scenario: Scenario.Definitions, ListPages: < 1 } => "--list-pages must be at least 1",
            _ when options.Scenario != Scenario.Definitions && (long)options.Webhooks * options.Events > 50_000_000 => "webhooks × events is limited to 50,000,000",
            _ => null,
        };
        return error is null ? options : null;
    }
}
