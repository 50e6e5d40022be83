using Akd.Contracts.V1;

namespace Akd.Cli.Output;

/// <summary>Folds the event stream into the current picture: the deployment's state and each host's step.</summary>
internal sealed class DeploymentTracker
{
    public sealed class HostRow(string host, StepKind step)
    {
        public string Host { get; } = host;

        public StepKind Step { get; set; } = step;

        public StepState State { get; set; } = StepState.Pending;

        public Phase Phase { get; set; }

        public string Message { get; set; } = "";

        public string ReleaseId { get; set; } = "";

        /// <summary>When its step last changed state, in stream order: the latest row of a host is where it ended.</summary>
        public int Order { get; set; }
    }

    private int _order;

    public string Id { get; private set; } = "";

    /// <summary>Unspecified until the stream says (printed "unknown").</summary>
    public DeploymentState State { get; private set; }

    public string Message { get; private set; } = "";

    public string ReleaseId { get; private set; } = "";

    public List<HostRow> Hosts { get; } = [];

    public void Apply(DeploymentEvent e)
    {
        Id = e.DeploymentId;
        if (!string.IsNullOrEmpty(e.ReleaseId))
        {
            ReleaseId = e.ReleaseId;
        }

        switch (e.Kind)
        {
            case EventKind.Deployment:
                State = e.DeploymentState;
                Message = e.Message;
                break;
            case EventKind.Step:
                var row = Row(e.Host, e.Step);
                row.Order = ++_order;
                row.State = e.StepState;
                row.Message = e.Message;
                row.ReleaseId = e.ReleaseId;
                break;
            case EventKind.Progress:
                Row(e.Host, e.Step).Phase = e.Phase;
                Row(e.Host, e.Step).Message = e.Message;
                break;
            case EventKind.Log when !string.IsNullOrEmpty(e.Host):
                Row(e.Host, e.Step).Message = e.Message;
                break;
        }
    }

    /// <summary>Every build row, then one row per host: its latest step, which holds the release it ended on.</summary>
    public IEnumerable<HostRow> Final()
    {
        var builds = Hosts.Where(h => h.Step == StepKind.Build);
        var hosts = Hosts.Where(h => h.Step != StepKind.Build)
            .GroupBy(h => h.Host)
            .Select(g => g.MaxBy(h => h.Order)!);
        return builds.Concat(hosts);
    }

    private HostRow Row(string host, StepKind step)
    {
        var row = Hosts.FirstOrDefault(h => h.Host == host && h.Step == step);
        if (row is null)
        {
            row = new HostRow(host, step);
            Hosts.Add(row);
        }

        return row;
    }
}
