namespace Akd.Contracts.V1;

// The one place that reads and writes KeptRelease.last_result_text, which protocol 2.4 replaced.
#pragma warning disable CS0612

/// <summary>
/// A kept release's last result (protocol 2.4): revisions.log's result word as a <see cref="RevisionResult"/>, and what
/// follows it ("0.1.0 -> 0.2.0") as the detail; the text of before carries the whole, for older peers, and alone
/// carries a word this build does not know (a line another tool wrote).
/// </summary>
public static partial class WireVocabulary
{
    /// <summary>The result as revisions.log words it ("hot-upgraded 0.1.0 -> 0.2.0"); empty when there is none.</summary>
    public static string ResultWords(this KeptRelease release) =>
        release.HasLastResult ? Words(release.LastResult, release.LastResultDetail) : release.LastResultText;

    /// <summary>Sets the result from revisions.log's words: a known word as the enum and the rest as the detail, else the words as text.</summary>
    public static void SetLastResult(this KeptRelease release, string words)
    {
        var space = words.IndexOf(' ', StringComparison.Ordinal);
        var (word, detail) = space < 0 ? (words, "") : (words[..space], words[(space + 1)..]);
        if (Vocabulary.Parse<RevisionResult>(word) is var result and not RevisionResult.Unspecified)
        {
            release.LastResult = result;
            if (detail.Length > 0)
            {
                release.LastResultDetail = detail;
            }
        }
        else
        {
            release.LastResultText = words;
        }
    }

    private static void Complete(ReleasesOutput? output)
    {
        foreach (var release in output?.Releases ?? [])
        {
            if (release.HasLastResult)
            {
                release.LastResultText = Words(release.LastResult, release.LastResultDetail);
            }
            else if (release.LastResultText.Length > 0)
            {
                var text = release.LastResultText;
                release.SetLastResult(text);
                release.LastResultText = text;
            }
        }
    }

    private static void StripEnums(ReleasesOutput? output)
    {
        foreach (var release in output?.Releases ?? [])
        {
            release.ClearLastResult();
            release.ClearLastResultDetail();
        }
    }

    private static string Words(RevisionResult result, string detail) => detail.Length == 0 ? result.Text() : $"{result.Text()} {detail}";
}
