using System.CommandLine;
using Akd.Cli.Output;
using Akd.Contracts.V1;

namespace Akd.Cli.Commands;

/// <summary>
/// <c>akdctl agents ping [--selector S] [--timeout D]</c>: a no-op step to every matching online agent, on whichever
/// replica holds it, the same path a deployment's steps take; exits 0 only when every one answered.
/// </summary>
internal static class AgentsPingCommand
{
    /// <summary>The longest wait a ping may ask for: a check that the fleet answers, not a step.</summary>
    internal static readonly TimeSpan MaxTimeout = TimeSpan.FromMinutes(10);

    /// <summary>The most offline agents listed by name: a ping during an outage must not print the whole fleet.</summary>
    internal const int MaxListedOffline = 20;

    public static Command Build()
    {
        var selector = new Option<string>("--selector", "-l") { Description = "Only agents with these labels, e.g. role=web,env=production (default: every online agent)" };
        var timeout = new Option<string>("--timeout") { Description = "How long to wait for the replies, e.g. 30s (default: the coordinator's, 10s)" };
        var command = new Command("ping", "Send every online agent (or those the selector matches) a no-op step and wait for the replies") { selector, timeout };
        command.SetAction(async (context, parse, ct) =>
        {
            var wait = TimeoutOf(parse.GetValue(timeout));
            var request = new PingAgentsRequest { Selector = parse.GetValue(selector) ?? "", TimeoutMs = (int)(wait?.TotalMilliseconds ?? 0) };
            // The coordinator waits up to the timeout for the last reply; the call gets that and the usual short deadline besides.
            var deadline = context.ShortDeadline + (wait ?? TimeSpan.Zero);
            var reply = await context.Admin.PingAgentsAsync(request, deadline: deadline, cancellationToken: ct).ConfigureAwait(false);
            if (context.Json)
            {
                Json.WriteLine(reply);
            }
            else
            {
                Console.Out.WriteLine(Summary(reply, request.Selector));
                foreach (var line in Unanswered(reply))
                {
                    Console.Out.WriteLine($"  {line}");
                }
            }

            return reply.Agents > 0 && reply.Answered == reply.Agents && reply.Offline.Count == 0 ? ExitCodes.Ok : ExitCodes.Failed;
        });
        return command;
    }

    internal static TimeSpan? TimeoutOf(string? text)
    {
        var wait = Ttl.Parse(text, "--timeout");
        return wait > MaxTimeout
            ? throw new CliException($"--timeout '{text}' is longer than a ping may wait ({MaxTimeout.TotalMinutes:0}m)", ExitCodes.Usage)
            : wait;
    }

    /// <summary>One line: how many of the agents the selector names answered, or that it names none.</summary>
    internal static string Summary(PingAgentsResponse reply, string selector)
    {
        var named = reply.Agents + reply.Offline.Count;
        if (named == 0)
        {
            return selector.Length == 0 ? "no agent is enrolled" : $"no enrolled agent matches {selector}";
        }

        var unanswered = named - reply.Answered;
        var listed = reply.Failures.Count + Math.Min(reply.Offline.Count, MaxListedOffline);
        return $"{reply.Answered} of {named} agents answered" + (reply.Agents == 0 ? "" : $" in {reply.ElapsedMs:0} ms") +
            (unanswered == 0 ? "" : $"; {unanswered} did not" + (listed < unanswered ? $" (the first {listed} below)" : ":"));
    }

    /// <summary>Each agent that did not answer, with why: those pinged first (as the coordinator listed them), then the offline ones.</summary>
    internal static IEnumerable<string> Unanswered(PingAgentsResponse reply) =>
        reply.Failures.Concat(reply.Offline.Take(MaxListedOffline).Select(name => $"{name}: offline (not connected to the coordinator)"));
}
