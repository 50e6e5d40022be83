using Akd.Contracts.V1;

namespace Akd.Cli.Output;

internal static class EventText
{
    public static string Line(DeploymentEvent e)
    {
        var time = e.At?.ToDateTime().ToLocalTime().ToString("HH:mm:ss") ?? "";
        return e.Kind switch
        {
            EventKind.Deployment => $"{time} deployment {e.DeploymentId} {e.StatusText()}: {e.Message}",
            EventKind.Step => $"{time} [{e.Host}] {e.Step.Text()} {e.StatusText()}{(string.IsNullOrEmpty(e.Message) ? "" : $": {e.Message}")}",
            EventKind.Progress => $"{time} [{e.Host}] {e.Step.Text()}/{e.StatusText()}: {e.Message}",
            _ when string.IsNullOrEmpty(e.Host) => $"{time} {e.Message}",
            _ => $"{time} [{e.Host}] {e.Message}",
        };
    }
}
