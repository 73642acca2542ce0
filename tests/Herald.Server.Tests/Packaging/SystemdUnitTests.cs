using System.Globalization;
using System.Text.RegularExpressions;
using Herald.Server.Tests.Infrastructure;

namespace Herald.Server.Tests.Packaging;

/// <summary>deploy/herald.service passes <c>systemd-analyze verify</c> and keeps its hardening.</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed partial class SystemdUnitTests
{
    private static readonly string[] Hardening =
    [
        "NoNewPrivileges=yes", "ProtectSystem=strict", "ProtectHome=yes", "PrivateTmp=yes", "PrivateDevices=yes", "DynamicUser=yes",
        "ProtectKernelTunables=yes", "ProtectKernelModules=yes", "ProtectControlGroups=yes", "RestrictSUIDSGID=yes",
        "RestrictNamespaces=yes", "LockPersonality=yes", "CapabilityBoundingSet=", "SystemCallFilter=@system-service",
    ];

    [Fact]
    public async Task Unit_SystemdAnalyzeVerify_PassesWithoutWarnings()
    {
        var root = InstallRoot();

        var (exitCode, output) = await SourceTree.RunAsync("systemd-analyze", ["verify", $"--root={root}", "herald.service"], root, TimeSpan.FromMinutes(1));

        // verify exits 0 even when it ignores a line it could not parse: any output is a failure.
        Assert.True(exitCode == 0 && output.Trim().Length == 0, output);
    }

    [Fact]
    public async Task Unit_BrokenSetting_VerifyReportsIt()
    {
        // The check above can fail: a typo in a hardening value is reported.
        var root = InstallRoot(unit => unit.Replace("ProtectSystem=strict", "ProtectSystem=stricter", StringComparison.Ordinal));

        var (_, output) = await SourceTree.RunAsync("systemd-analyze", ["verify", $"--root={root}", "herald.service"], root, TimeSpan.FromMinutes(1));

        Assert.Contains("stricter", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unit_Hardening_OnAndExposureLow()
    {
        var unit = File.ReadAllLines(SourceTree.PathOf("deploy/herald.service"));
        Assert.All(Hardening, setting => Assert.Contains(setting, unit));
        Assert.Contains("ExecStart=/opt/herald/herald-server --urls http://127.0.0.1:5080", unit);
        Assert.Contains("RestartPreventExitStatus=2", unit);
        var root = InstallRoot();

        var (exitCode, output) = await SourceTree.RunAsync("systemd-analyze", ["security", "--offline=true", $"--root={root}", "--no-pager", "herald.service"], root, TimeSpan.FromMinutes(1));

        Assert.True(exitCode == 0, output);
        var exposure = Exposure().Match(output);
        Assert.True(exposure.Success, output);
        Assert.True(double.Parse(exposure.Groups[1].Value, CultureInfo.InvariantCulture) <= 2.5, output);
    }

    /// <summary>
    /// A root folder holding the system's own unit files, the unit under test in
    /// /etc/systemd/system and an executable where ExecStart expects herald-server.
    /// </summary>
    private static string InstallRoot(Func<string, string>? edit = null)
    {
        var root = SourceTree.NewTempDirectory("systemd");
        var units = Path.Combine(root, "usr", "lib", "systemd", "system");
        Directory.CreateDirectory(units);
        var system = Directory.Exists("/usr/lib/systemd/system") ? "/usr/lib/systemd/system" : "/lib/systemd/system";
        foreach (var file in Directory.EnumerateFiles(system, "*.target").Concat(Directory.EnumerateFiles(system, "*.slice")).Concat(Directory.EnumerateFiles(system, "*.socket")))
        {
            File.Copy(file, Path.Combine(units, Path.GetFileName(file)));
        }

        var etc = Directory.CreateDirectory(Path.Combine(root, "etc", "systemd", "system")).FullName;
        var unit = File.ReadAllText(SourceTree.PathOf("deploy/herald.service"));
        File.WriteAllText(Path.Combine(etc, "herald.service"), edit is null ? unit : edit(unit));
        var binary = Path.Combine(Directory.CreateDirectory(Path.Combine(root, "opt", "herald")).FullName, "herald-server");
        File.WriteAllText(binary, "#!/bin/sh\n");
        File.SetUnixFileMode(binary, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return root;
    }

    [GeneratedRegex(@"Overall exposure level for herald\.service: ([0-9.]+)")]
    private static partial Regex Exposure();
}
