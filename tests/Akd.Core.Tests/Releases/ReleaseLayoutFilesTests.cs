using System.Diagnostics;
using System.Runtime.Versioning;
using Akd.Core.Releases;
using Akd.Core.Tests.Archives;

namespace Akd.Core.Tests.Releases;

[SupportedOSPlatform("linux")]
public sealed class ReleaseLayoutFilesTests : IDisposable
{
    private readonly TempDirectory _temp = new();
    private readonly ReleaseLayout _layout;

    public ReleaseLayoutFilesTests()
    {
        _layout = new ReleaseLayout(_temp.Combine("app"));
        _layout.EnsureCreated();
    }

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void ReadRevisions_NoLog_ReturnsEmpty()
    {
        Assert.Empty(_layout.ReadRevisions());
    }

    [Fact]
    public void AppendRevision_TwoEntries_ReadBackInOrderAsTabSeparatedLines()
    {
        var first = new RevisionEntry(new DateTimeOffset(2026, 11, 26, 19, 30, 0, TimeSpan.Zero), "0.1.0-20261126T193000Z", "dep-1", "deployed");
        var second = new RevisionEntry(new DateTimeOffset(2026, 11, 26, 21, 0, 0, 500, TimeSpan.FromHours(1)), "0.1.0-20261126T193000Z", "dep-2", "rolled-back");

        _layout.AppendRevision(first);
        _layout.AppendRevision(second);

        Assert.Equal([first, second], _layout.ReadRevisions());
        var lines = File.ReadAllLines(_layout.RevisionsLog);
        Assert.Equal("2026-11-26T19:30:00Z\t0.1.0-20261126T193000Z\tdep-1\tdeployed", lines[0]);
        Assert.Equal("2026-11-26T20:00:00.5Z\t0.1.0-20261126T193000Z\tdep-2\trolled-back", lines[1]);
    }

    [Fact]
    public void ReadRevisions_TornLastLine_SkipsIt()
    {
        var entry = new RevisionEntry(new DateTimeOffset(2026, 11, 26, 19, 30, 0, TimeSpan.Zero), "r", "d", "failed");
        _layout.AppendRevision(entry);
        File.AppendAllText(_layout.RevisionsLog, "2026-11-26T19:31:00Z\tr2\td");

        Assert.Equal([entry], _layout.ReadRevisions());
    }

    [Fact]
    public void AppendRevision_FieldWithTab_Throws()
    {
        var entry = new RevisionEntry(DateTimeOffset.UnixEpoch, "r\tx", "d", "deployed");

        Assert.Throws<ArgumentException>(() => _layout.AppendRevision(entry));
    }

    [Fact(Timeout = TestArchives.TimeoutMs)]
    public async Task WriteEnvFile_TrickyValues_ShellReadsThemBackExactlyFromMode0600File()
    {
        var env = new Dictionary<string, string>
        {
            ["SPACES"] = "two  words ",
            ["QUOTES"] = "it's \"quoted\" ''",
            ["DOLLAR"] = "$HOME ${PATH} $(echo pwned) `id`",
            ["NEWLINES"] = "line1\nline2\n",
            ["BACKSLASH"] = @"C:\path\n\\",
            ["EMPTY"] = "",
        };

        _layout.WriteEnvFile(env);

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(_layout.EnvFile));
        Assert.Equal([".env"], Directory.GetFileSystemEntries(_layout.SharedDir).Select(Path.GetFileName));
        foreach (var (key, value) in env)
        {
            Assert.Equal(value, await ReadWithShellAsync(key));
        }
    }

    [Fact]
    public void ReadEnvFile_TrickyValues_ReadsBackWhatWasWritten()
    {
        var env = new Dictionary<string, string>
        {
            ["SPACES"] = "two  words ",
            ["QUOTES"] = "it's \"quoted\" '' '\\''",
            ["DOLLAR"] = "$HOME ${PATH} $(echo pwned) `id`",
            ["NEWLINES"] = "line1\nline2\n\n# not a comment\nX='y'",
            ["BACKSLASH"] = @"C:\path\n\\",
            ["EMPTY"] = "",
        };
        _layout.WriteEnvFile(env);

        var read = _layout.ReadEnvFile();

        Assert.Equal(env.OrderBy(p => p.Key), read!.OrderBy(p => p.Key));
    }

    [Fact]
    public void ReadEnvFile_NoFile_ReturnsNull()
    {
        Assert.Null(_layout.ReadEnvFile());
    }

    [Theory]
    [InlineData("export A='1'\n", 1)]
    [InlineData("# header\nA=1\n", 2)]
    [InlineData("A='1'\nB='open\n", 2)]
    [InlineData("A='1' B='2'\n", 1)]
    public void ReadEnvFile_HandEditedIntoOtherSyntax_ThrowsNamingTheLine(string text, int line)
    {
        File.WriteAllText(_layout.EnvFile, text);

        var error = Assert.Throws<FormatException>(() => _layout.ReadEnvFile());

        Assert.StartsWith($"line {line}:", error.Message);
    }

    [Fact]
    public void WriteEnvFile_Rewrite_ReplacesContent()
    {
        _layout.WriteEnvFile(new Dictionary<string, string> { ["A"] = "1" });

        _layout.WriteEnvFile(new Dictionary<string, string> { ["B"] = "2" });

        Assert.DoesNotContain("A=", File.ReadAllText(_layout.EnvFile));
        Assert.Contains("B='2'", File.ReadAllText(_layout.EnvFile));
    }

    [Theory]
    [InlineData("1ABC")]
    [InlineData("A-B")]
    [InlineData("A B")]
    [InlineData("")]
    public void WriteEnvFile_InvalidKey_ThrowsAndWritesNothing(string key)
    {
        Assert.Throws<ArgumentException>(() => _layout.WriteEnvFile(new Dictionary<string, string> { [key] = "v" }));

        Assert.Empty(Directory.GetFileSystemEntries(_layout.SharedDir));
    }

    // The key and path go in as positional parameters, never spliced into the script text.
    private async Task<string> ReadWithShellAsync(string key)
    {
        var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var argument in new[] { "-c", "set -a; . \"$1\"; printenv \"$2\"", "bash", _layout.EnvFile, key })
        {
            start.ArgumentList.Add(argument);
        }

        using var bash = Process.Start(start)!;
        var output = await bash.StandardOutput.ReadToEndAsync();
        await bash.WaitForExitAsync();
        Assert.Equal(0, bash.ExitCode);
        return output.EndsWith('\n') ? output[..^1] : output; // printenv adds one newline
    }
}
