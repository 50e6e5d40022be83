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
                foreach (var failure in reply.Failures)
                {
                    Console.Out.WriteLine($"  {failure}");
                }
            }

            return reply.Agents > 0 && reply.Answered == reply.Agents ? ExitCodes.Ok : ExitCodes.Failed;
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

    /// <summary>One line: how many answered of how many, or that none matched.</summary>
    internal static string Summary(PingAgentsResponse reply, string selector)
    {
        if (reply.Agents == 0)
        {
            return selector.Length == 0 ? "no agent is online" : $"no online agent matches {selector}";
        }

        var unanswered = reply.Agents - reply.Answered;
        return $"{reply.Answered} of {reply.Agents} agents answered in {reply.ElapsedMs:0} ms" +
            (unanswered == 0 ? "" : $"; {unanswered} did not" + (reply.Failures.Count < unanswered ? $" (the first {reply.Failures.Count} below)" : ":"));
    }
}
