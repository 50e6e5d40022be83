using Akd.Core.Processes;
using Akd.Core.Tests.Archives;

namespace Akd.Core.Tests.Upgrades;

/// <summary>
/// A real release root as the generator reads it, made in seconds: the app's modules compiled with erlc, its
/// <c>.app</c> and <c>.rel</c>, and kernel, stdlib and sasl linked from the installed Erlang/OTP.
/// </summary>
internal sealed class ErlangRelease
{
    private ErlangRelease(string root, string vsn, OtpFacts otp) => (Root, Vsn, Otp) = (root, vsn, otp);

    public string Root { get; }

    public string Vsn { get; }

    public OtpFacts Otp { get; }

    public string Ebin => Path.Combine(Root, "lib", $"shop-{Vsn}", "ebin");

    public string ReleaseDir => Path.Combine(Root, "releases", Vsn);

    /// <param name="modules">Module name → Erlang source.</param>
    /// <param name="extraApps">OTP applications beyond kernel, stdlib and sasl (e.g. inets).</param>
    public static async Task<ErlangRelease> WriteAsync(
        TempDirectory dir, string name, string vsn, IReadOnlyDictionary<string, string> modules, string[]? extraApps = null, string? erts = null)
    {
        var otp = await OtpFacts.ReadAsync();
        var root = dir.Combine(name);
        var release = new ErlangRelease(root, vsn, otp);
        var src = dir.Combine($"{name}-src");
        Directory.CreateDirectory(release.Ebin);
        Directory.CreateDirectory(src);
        foreach (var (module, source) in modules)
        {
            await File.WriteAllTextAsync(Path.Combine(src, module + ".erl"), source);
        }

        var erlc = await ProcessRunner.CaptureAsync(
            new ProcessSpec("erlc", ["-o", release.Ebin, .. modules.Keys.Select(m => Path.Combine(src, m + ".erl"))]) { Timeout = TimeSpan.FromMinutes(2) },
            CancellationToken.None);
        Assert.True(erlc.Result.Succeeded, $"erlc failed: {erlc.StdOut}");

        var apps = new[] { "kernel", "stdlib", "sasl" }.Concat(extraApps ?? []).ToArray();
        var otpApps = string.Join(", ", apps);
        var mods = string.Join(", ", modules.Keys);
        await File.WriteAllTextAsync(Path.Combine(release.Ebin, "shop.app"),
            $"{{application, shop, [{{description, \"shop\"}}, {{vsn, \"{vsn}\"}}, {{modules, [{mods}]}}, {{registered, []}}, {{applications, [{otpApps}]}}]}}.\n");
        foreach (var app in apps)
        {
            var appVsn = otp.AppVsns[app];
            File.CreateSymbolicLink(Path.Combine(root, "lib", $"{app}-{appVsn}"), Path.Combine(otp.LibDir, $"{app}-{appVsn}"));
        }

        Directory.CreateDirectory(release.ReleaseDir);
        var relApps = string.Join(", ", apps.Select(a => $"{{{a}, \"{otp.AppVsns[a]}\"}}").Append($"{{shop, \"{vsn}\"}}"));
        await File.WriteAllTextAsync(Path.Combine(release.ReleaseDir, "shop.rel"),
            $"{{release, {{\"shop\", \"{vsn}\"}}, {{erts, \"{erts ?? otp.ErtsVsn}\"}}, [{relApps}]}}.\n");
        await File.WriteAllTextAsync(Path.Combine(release.ReleaseDir, "sys.config"), "[].\n");
        return release;
    }
}

/// <summary>The installed Erlang/OTP: its lib dir, ERTS version and application versions.</summary>
internal sealed record OtpFacts(string LibDir, string ErtsVsn, IReadOnlyDictionary<string, string> AppVsns)
{
    private static OtpFacts? s_facts;

    public static async Task<OtpFacts> ReadAsync()
    {
        if (s_facts is { } known)
        {
            return known;
        }

        const string Eval = """
            io:format("~s~n~s~n", [code:lib_dir(), erlang:system_info(version)]),
            [begin application:load(A), {ok, V} = application:get_key(A, vsn), io:format("~s ~s~n", [A, V]) end || A <- [kernel, stdlib, sasl, inets, crypto]],
            halt().
            """;
        var (result, stdout) = await ProcessRunner.CaptureAsync(new ProcessSpec("erl", ["-noshell", "-eval", Eval]) { Timeout = TimeSpan.FromMinutes(1) }, CancellationToken.None);
        Assert.True(result.Succeeded, stdout);
        var lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var apps = lines.Skip(2).Select(l => l.Split(' ')).ToDictionary(p => p[0], p => p[1]);
        return s_facts = new OtpFacts(lines[0], lines[1], apps);
    }
}
