namespace Akd.Installers.Tests;

/// <summary>
/// A FAKE <c>systemctl</c>, put first on an installer's PATH: systemd is not PID 1 where the tests run, and an
/// installer under test must not reach the host's systemd anyway. It does nothing but record each call's
/// arguments, one line per call, so a test can check what the installer asked systemd to do.
/// </summary>
internal sealed class FakeSystemctl : IDisposable
{
    // A constant script; the log's path comes from its own directory, never from input.
    private const string Script = "#!/bin/sh\n# FAKE systemctl of the installer tests: records its arguments, changes nothing.\nprintf '%s\\n' \"$*\" >> \"$(dirname \"$0\")/calls.log\"\nexit 0\n";

    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("akd-fake-systemctl-");

    public FakeSystemctl()
    {
        var program = System.IO.Path.Combine(_dir.FullName, "systemctl");
        File.WriteAllText(program, Script);
        File.SetUnixFileMode(program, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute);
    }

    /// <summary>A PATH with the fake first, then the system's directories.</summary>
    public string Path => $"{_dir.FullName}:/usr/sbin:/usr/bin:/sbin:/bin";

    public string LogFile => System.IO.Path.Combine(_dir.FullName, "calls.log");

    /// <summary>Each call's arguments, joined by spaces, in the order they came.</summary>
    public IReadOnlyList<string> Calls => File.Exists(LogFile) ? File.ReadAllLines(LogFile) : [];

    public void Dispose() => _dir.Delete(recursive: true);
}
