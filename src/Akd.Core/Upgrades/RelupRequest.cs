namespace Akd.Core.Upgrades;

/// <summary>What <see cref="RelupGenerator"/> needs: explicit values, no manifest, so any step can call it.</summary>
public sealed record RelupRequest
{
    /// <summary>Root (bin/, lib/, releases/) of the release the targets run.</summary>
    public required string OldRoot { get; init; }

    public required string OldVsn { get; init; }

    /// <summary>Root of the release just built; the appups and the relup are written into it.</summary>
    public required string NewRoot { get; init; }

    public required string NewVsn { get; init; }

    /// <summary>The release name (<c>releases/VSN/NAME.rel</c>).</summary>
    public required string ReleaseName { get; init; }

    /// <summary>The project's own appups as <c>APP/VSN.appup</c> (<c>rel/appups</c>); null or missing: all generated.</summary>
    public string? AppupsDir { get; init; }

    /// <summary>Env for the escript (the build's PATH, e.g. asdf's shims).</summary>
    public IReadOnlyDictionary<string, string?> Environment { get; init; } = new Dictionary<string, string?>();

    /// <summary>The escript of the Erlang that built the release (the build's toolchain).</summary>
    public string Escript { get; init; } = "escript";

    /// <summary>The script is killed when it runs longer than this.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromMinutes(2);
}
