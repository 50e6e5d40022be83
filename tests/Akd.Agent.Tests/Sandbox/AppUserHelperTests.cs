using System.Diagnostics;
using Akd.Agent.Sandbox;
using Akd.Core.Builders;
using Akd.Core.Processes;
using Akd.Testing;
using Xunit.Abstractions;

namespace Akd.Agent.Tests.Sandbox;

/// <summary>
/// <c>akd-agent --create-app-user</c>, the root helper of the packaged agent, run as a real process (the built
/// agent) with real users: a request on its standard input, as systemd's <c>StandardInput=socket</c> gives it.
/// Making users needs root (CI runs as root); those tests are skipped with the reason otherwise. The socket
/// activation runs through <c>systemd-socket-activate</c> (systemd's own tool; systemd is not PID 1 here).
/// </summary>
public sealed class AppUserHelperTests(ITestOutputHelper output) : IDisposable
{
    private const int TestTimeoutMs = 60_000;
    private readonly List<string> _users = [];
    private readonly DirectoryInfo _tempDir = Directory.CreateTempSubdirectory("akd-app-user-helper-");

    private static string AgentDll => AkdPrograms.Current.Agent;

    public static TheoryData<string> NotAppUserNames => new()
    {
        "root", "akd", "akd-app-", "akd-app--x", "akd-app-Hello", "akd-app-../etc", "akd-app-x y", "akd-app-x;id",
        "-oakd-app-x", "akd-app-x\r", "akd-app-" + new string('a', 25),
    };

    public void Dispose()
    {
        foreach (var user in _users)
        {
            ProcessRunner.RunAsync(new ProcessSpec("userdel", [user]), _ => { }, CancellationToken.None).GetAwaiter().GetResult();
        }

        _tempDir.Delete(recursive: true);
    }

    [Theory]
    [InlineData("akd-app-hello")]
    [InlineData("akd-app-an_app_with_a_lon-1a2b3c")]
    public void IsAppUserName_NamesTheAgentDerives_AreAccepted(string name)
    {
        // Act + Assert
        Assert.True(AppUserHelper.IsAppUserName(name));
        Assert.True(AppUserHelper.IsAppUserName(AppUser.DefaultName("Some.App", "/srv/some/app", isDefaultPath: false)));
    }

    [Theory(Timeout = TestTimeoutMs)]
    [MemberData(nameof(NotAppUserNames))]
    public async Task CreateAppUser_NotAnAppUserName_RefusesAndChangesNoUser(string name)
    {
        // Arrange: root and akd may exist; whatever is there stays as it is.
        var before = await UnixUsers.FindEntryAsync(name, TimeSpan.FromSeconds(30), CancellationToken.None);

        // Act
        var (exit, answer) = await RunHelperAsync(name + "\n");

        // Assert
        Assert.Equal(1, exit);
        Assert.StartsWith("error refused: not an app user name", answer);
        Assert.Equal(before, await UnixUsers.FindEntryAsync(name, TimeSpan.FromSeconds(30), CancellationToken.None));
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task CreateAppUser_NoWholeLine_AnswersErrorAndMakesNothing()
    {
        // Act: the peer closes without a newline.
        var (exit, answer) = await RunHelperAsync("akd-app-half");

        // Assert
        Assert.Equal(1, exit);
        Assert.StartsWith("error no request", answer);
    }

    [SkippableFact(Timeout = TestTimeoutMs)]
    public async Task CreateAppUser_NewAppUserName_MakesASystemUserWithNoHomeNorLoginAndAnswersTheSameTwice()
    {
        // Arrange
        Skip.IfNot(UserSwitching.AgentUid == 0, "needs root to create users (CI runs as root)");
        var name = NewName();

        // Act
        var first = await RunHelperAsync(name + "\n");
        var second = await RunHelperAsync(name + "\n");

        // Assert
        var entry = await UnixUsers.FindEntryAsync(name, TimeSpan.FromSeconds(30), CancellationToken.None);
        Assert.NotNull(entry);
        Assert.Equal((0, $"ok {entry.User.Uid} {entry.User.Gid}"), first);
        Assert.Equal(first, second);
        Assert.Equal(("akd app", "/usr/sbin/nologin"), (entry.Comment, entry.Shell));
        Assert.InRange(entry.User.Uid, 1, 999);
        var (_, passwd) = await ProcessRunner.CaptureAsync(new ProcessSpec("getent", ["passwd", name]), CancellationToken.None);
        Assert.EndsWith(":/nonexistent:/usr/sbin/nologin", passwd.Trim());
        Assert.False(Directory.Exists("/nonexistent"));
    }

    [SkippableFact(Timeout = TestTimeoutMs)]
    public async Task CreateAppUser_ExistingUserAkdDidNotMake_Refuses()
    {
        // Arrange: an akd-app-* name someone else took, with a login shell.
        Skip.IfNot(UserSwitching.AgentUid == 0, "needs root to create users (CI runs as root)");
        var name = NewName();
        await ProcessRunner.RunAsync(new ProcessSpec("useradd", ["--system", "--no-create-home", "--shell", "/bin/sh", "--comment", "not akd", name]), _ => { }, CancellationToken.None);

        // Act
        var (exit, answer) = await RunHelperAsync(name + "\n");

        // Assert
        Assert.Equal((1, $"error refused: user {name} exists and akd did not make it"), (exit, answer));
        Assert.Equal("/bin/sh", (await UnixUsers.FindEntryAsync(name, TimeSpan.FromSeconds(30), CancellationToken.None))!.Shell);
    }

    [SkippableFact(Timeout = TestTimeoutMs)]
    public async Task CreateAsync_SocketActivatedHelperUnderTheUnitsCapabilities_MakesTheUserAndRefusesAnother()
    {
        // Arrange: the helper as akd-app-user.socket starts it (Accept=yes, the connection as stdin and stdout),
        // with only the capabilities akd-app-user@.service leaves it.
        Skip.IfNot(UserSwitching.AgentUid == 0, "needs root to create users (CI runs as root)");
        Skip.If(MixTools.FindOnPath("systemd-socket-activate", new Dictionary<string, string?>()) is null, "systemd-socket-activate is not installed (apt-get install systemd)");
        var unit = await File.ReadAllTextAsync(Path.Combine(RepoRoot.Path, "installers", "systemd", "akd-app-user@.service"));
        var capabilities = unit.Split('\n').Single(l => l.StartsWith("CapabilityBoundingSet=", StringComparison.Ordinal))["CapabilityBoundingSet=".Length..]
            .Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(c => "+" + c["CAP_".Length..].ToLowerInvariant());
        var socket = Path.Combine(_tempDir.FullName, "app-user.sock");
        var name = NewName();
        using var activator = ManagedProcess.Start("socket-activate", "systemd-socket-activate",
            ["-l", socket, "--accept", "--inetd", "--", "setpriv", $"--bounding-set=-all,{string.Join(',', capabilities)}", "--", "dotnet", AgentDll, "--create-app-user"]);
        await WaitForAsync(() => File.Exists(socket));

        // Act
        var user = await AppUserHelperClient.CreateAsync(socket, name, CancellationToken.None);
        var refused = await Assert.ThrowsAsync<InvalidOperationException>(() => AppUserHelperClient.CreateAsync(socket, "nobody", CancellationToken.None));

        // Assert
        Assert.Equal(await UnixUsers.FindAsync(name, TimeSpan.FromSeconds(30), CancellationToken.None), user);
        Assert.Contains("not an app user name", refused.Message);
        output.WriteLine(activator.Output);
    }

    private string NewName()
    {
        var name = $"akd-app-t{Guid.NewGuid():N}"[..20];
        _users.Add(name);
        return name;
    }

    /// <summary>Runs the helper with <paramref name="request"/> as its whole standard input; its answer line and exit code.</summary>
    private async Task<(int Exit, string Answer)> RunHelperAsync(string request)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add(AgentDll);
        psi.ArgumentList.Add("--create-app-user");
        using var process = Process.Start(psi)!;
        await process.StandardInput.WriteAsync(request);
        process.StandardInput.Close();
        var answer = await process.StandardOutput.ReadToEndAsync();
        output.WriteLine(await process.StandardError.ReadToEndAsync());
        await process.WaitForExitAsync();
        return (process.ExitCode, answer.TrimEnd('\n'));
    }

    private static async Task WaitForAsync(Func<bool> condition)
    {
        for (var i = 0; i < 100 && !condition(); i++)
        {
            await Task.Delay(50);
        }

        Assert.True(condition(), "timed out");
    }
}
