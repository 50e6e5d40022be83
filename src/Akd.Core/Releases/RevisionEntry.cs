namespace Akd.Core.Releases;

/// <summary>One line of <c>revisions.log</c>.</summary>
/// <param name="Result">What happened: <c>deployed</c>, <c>rolled-back</c> or <c>failed</c>.</param>
public sealed record RevisionEntry(DateTimeOffset At, string ReleaseId, string DeploymentId, string Result);
