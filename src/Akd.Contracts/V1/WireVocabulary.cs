using Google.Protobuf;

namespace Akd.Contracts.V1;

// The one place that reads and writes the text fields protocol 2.3 replaced with the vocabulary's enums.
#pragma warning disable CS0612

/// <summary>
/// Since protocol 2.3 states, step kinds, phases and operations travel as the vocabulary's enums (and in the control
/// API, since, an agent's state and a host's answer to a query); each keeps its
/// text field of before (deprecated, same number) for peers and akdctl builds that read or write only the text.
/// Code works with the enums alone: <see cref="VocabularyInterceptor"/> completes every message that crosses the
/// wire here, and akdctl's JSON prints the text fields alone (<see cref="TextOnly{T}"/>), as it always did.
/// </summary>
public static partial class WireVocabulary
{
    /// <summary>
    /// Fills, in place, the missing side of each pair: the text from the enum (for an older reader), or the enum
    /// from the text (an older writer sent only the text; unknown text leaves the enum unset).
    /// </summary>
    public static void Complete(IMessage? message)
    {
        switch (message)
        {
            case Deployment d:
                Complete(d);
                break;
            case ListDeploymentsResponse list:
                foreach (var d in list.Deployments)
                {
                    Complete(d);
                }

                break;
            case DeploymentEvent e:
                Complete(e);
                break;
            case ControlAppRequest request:
                request.ActionText = Pair(request.HasAction, request.Action, request.ActionText, v => request.Action = v);
                break;
            case CoordinatorMessage { RunStep: { } command }:
                Complete(command);
                break;
            case StepCommand command:
                Complete(command);
                break;
            case AgentMessage { Progress: { } progress }:
                Complete(progress);
                break;
            case AgentMessage { Result: { } result }:
                Complete(result);
                break;
            case StepProgress progress:
                Complete(progress);
                break;
            case StepResult result:
                Complete(result);
                break;
            case ListAgentsResponse list:
                foreach (var a in list.Agents)
                {
                    Complete(a);
                }

                break;
            case AgentInfo a:
                Complete(a);
                break;
            case ListReleasesResponse list:
                foreach (var h in list.Hosts)
                {
                    Complete(h);
                }

                break;
            case HostReleases h:
                Complete(h);
                break;
        }
    }

    /// <summary>A completed copy of <paramref name="message"/>, for one that may be shared (the original is left as it is).</summary>
    public static T Completed<T>(T message) where T : class
    {
        IMessage? copy = message switch
        {
            Deployment m => m.Clone(),
            ListDeploymentsResponse m => m.Clone(),
            DeploymentEvent m => m.Clone(),
            ControlAppRequest m => m.Clone(),
            CoordinatorMessage { RunStep.Control: not null } m => m.Clone(),
            StepCommand { Control: not null } m => m.Clone(),
            AgentMessage { Progress: not null } or AgentMessage { Result.Control: not null } or AgentMessage { Result.Releases: not null } =>
                ((AgentMessage)(object)message).Clone(),
            StepProgress m => m.Clone(),
            StepResult { Control: not null } or StepResult { Releases: not null } => ((StepResult)(object)message).Clone(),
            ListAgentsResponse m => m.Clone(),
            AgentInfo m => m.Clone(),
            ListReleasesResponse m => m.Clone(),
            HostReleases m => m.Clone(),
            _ => null,
        };
        if (copy is null)
        {
            return message;
        }

        Complete(copy);
        return (T)copy;
    }

    /// <summary>akdctl's JSON: a completed copy without the enum fields, so it prints the words it printed before protocol 2.3.</summary>
    public static T TextOnly<T>(T message) where T : IMessage<T>
    {
        var copy = message.Clone();
        Complete(copy);
        switch (copy)
        {
            case Deployment d:
                StripEnums(d);
                break;
            case DeploymentEvent e:
                e.ClearStep();
                e.ClearStatus();
                break;
            case AgentInfo a:
                a.ClearState();
                break;
            case HostReleases h:
                h.ClearState();
                StripEnums(h.Releases);
                break;
        }

        return copy;
    }

    private static void Complete(Deployment d)
    {
        d.StateText = Pair(d.HasState, d.State, d.StateText, v => d.State = v);
        d.KindText = Pair(d.HasKind, d.Kind, d.KindText, v => d.Kind = v);
        foreach (var h in d.Hosts)
        {
            h.StepText = Pair(h.HasStep, h.Step, h.StepText, v => h.Step = v);
            h.StateText = Pair(h.HasState, h.State, h.StateText, v => h.State = v);
        }
    }

    private static void StripEnums(Deployment d)
    {
        d.ClearState();
        d.ClearKind();
        foreach (var h in d.Hosts)
        {
            h.ClearStep();
            h.ClearState();
            // Its message says so in words, as it always did.
            h.ClearStateUnknown();
        }
    }

    /// <summary>The text of the event's status (a deployment's or step's state, or a phase; empty for none), as the store keeps it.</summary>
    public static string StatusText(this DeploymentEvent e) => e.StatusCase switch
    {
        DeploymentEvent.StatusOneofCase.DeploymentState => e.DeploymentState.Text(),
        DeploymentEvent.StatusOneofCase.StepState => e.StepState.Text(),
        DeploymentEvent.StatusOneofCase.Phase => e.Phase.Text(),
        _ => "",
    };

    /// <summary>Sets the event's status from its text, read as what the event's kind carries; unknown text sets none.</summary>
    public static void SetStatus(this DeploymentEvent e, string text)
    {
        switch (e.Kind)
        {
            case EventKind.Deployment when Vocabulary.Parse<DeploymentState>(text) is var state and not DeploymentState.Unspecified:
                e.DeploymentState = state;
                break;
            case EventKind.Step when Vocabulary.Parse<StepState>(text) is var state and not StepState.Unspecified:
                e.StepState = state;
                break;
            case EventKind.Progress when Vocabulary.Parse<Phase>(text) is var phase and not Phase.Unspecified:
                e.Phase = phase;
                break;
        }
    }

    private static void Complete(DeploymentEvent e)
    {
        e.StepText = Pair(e.HasStep, e.Step, e.StepText, v => e.Step = v);
        if (e.StatusCase == DeploymentEvent.StatusOneofCase.None)
        {
            e.SetStatus(e.StateText);
        }
        else
        {
            e.StateText = e.StatusText();
        }
    }

    private static void Complete(StepCommand command)
    {
        if (command.Control is { } control)
        {
            control.ActionText = Pair(control.HasAction, control.Action, control.ActionText, v => control.Action = v);
        }
    }

    private static void Complete(AgentInfo a) => a.StateText = Pair(a.HasState, a.State, a.StateText, v => a.State = v);

    private static void Complete(HostReleases h)
    {
        h.StateText = Pair(h.HasState, h.State, h.StateText, v => h.State = v);
        Complete(h.Releases);
    }

    private static void Complete(StepProgress progress) =>
        progress.PhaseText = Pair(progress.HasPhase, progress.Phase, progress.PhaseText, v => progress.Phase = v);

    private static void Complete(StepResult result)
    {
        if (result.Control is { } control)
        {
            control.ActionText = Pair(control.HasAction, control.Action, control.ActionText, v => control.Action = v);
        }

        Complete(result.Releases);
    }

    /// <summary>The text for the pair: the enum's when it is set; otherwise the text as it came, and the enum parsed from it.</summary>
    private static string Pair<T>(bool has, T value, string text, Action<T> set) where T : struct, Enum
    {
        if (has)
        {
            return value.Text();
        }

        if (Vocabulary.Parse<T>(text) is var parsed && !parsed.Equals(default(T)))
        {
            set(parsed);
        }

        return text;
    }
}
