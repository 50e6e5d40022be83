using System.Globalization;

namespace Akd.Core.Releases;

/// <summary>
/// Release ids are <c>&lt;vsn&gt;-&lt;UTC yyyyMMddTHHmmssZ&gt;</c>: the directory name under
/// <c>releases/</c>, readable by people and sortable by the time the release was made.
/// </summary>
public static class ReleaseId
{
    private const string TimestampFormat = "yyyyMMdd'T'HHmmss'Z'";
    private const int TimestampLength = 16;

    public static string Create(string version, DateTimeOffset at)
    {
        ValidateVersion(version);
        return version + "-" + at.UtcDateTime.ToString(TimestampFormat, CultureInfo.InvariantCulture);
    }

    /// <summary>Splits an id at its last '-', since versions such as <c>1.0.0-rc.1</c> contain '-' too.</summary>
    public static bool TryParse(string id, out string version, out DateTimeOffset createdAt)
    {
        version = "";
        createdAt = default;
        var dash = id?.LastIndexOf('-') ?? -1;
        if (dash <= 0 || id!.Length - dash - 1 != TimestampLength)
        {
            return false;
        }

        var candidate = id[..dash];
        if (!IsValidVersion(candidate)
            || !DateTimeOffset.TryParseExact(id[(dash + 1)..], TimestampFormat, CultureInfo.InvariantCulture,
                DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var parsed))
        {
            return false;
        }

        version = candidate;
        createdAt = parsed;
        return true;
    }

    /// <summary>Throws unless <paramref name="version"/> can be one segment of a directory name.</summary>
    internal static void ValidateVersion(string version)
    {
        if (!IsValidVersion(version))
        {
            throw new ArgumentException(
                $"invalid release version '{version}': it must be non-empty, not start with '.', and contain no '/', whitespace or control characters",
                nameof(version));
        }
    }

    /// <summary>Safe as a single path segment: no separators, nothing hidden, nothing a shell splits on.</summary>
    internal static bool IsValidPathSegment(string? value) =>
        !string.IsNullOrEmpty(value)
        && value[0] != '.'
        && !value.Any(c => c == '/' || c == '\\' || char.IsWhiteSpace(c) || char.IsControl(c));

    private static bool IsValidVersion(string? version) => IsValidPathSegment(version);
}
