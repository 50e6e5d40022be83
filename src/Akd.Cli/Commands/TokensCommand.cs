using System.CommandLine;
using Akd.Cli.Output;
using Akd.Contracts.V1;
using Spectre.Console;

namespace Akd.Cli.Commands;

/// <summary><c>akdctl tokens create NAME --role R [--ttl D] | list | revoke NAME</c>: named tokens for people and CI.</summary>
internal static class TokensCommand
{
    public static Command Build()
    {
        var command = new Command("tokens", "Named tokens with a role (viewer, deployer, admin) for people and CI");
        command.Subcommands.Add(Create());
        command.Subcommands.Add(List());
        command.Subcommands.Add(Revoke());
        return command;
    }

    private static Command Create()
    {
        var name = new Argument<string>("name") { Description = "The token's name: what history records as the actor" };
        var role = new Option<string>("--role") { Description = "viewer, deployer or admin", Required = true };
        role.AcceptOnlyFromAmong("viewer", "deployer", "admin");
        var ttl = new Option<string?>("--ttl") { Description = "How long it is valid, e.g. 12h, 90d (default: until revoked)" };
        var command = new Command("create", "Create a token and print it (alone on stdout); only its hash is kept") { name, role, ttl };
        command.SetAction(async (context, parse, ct) =>
        {
            var reply = await context.Tokens.CreateTokenAsync(new CreateTokenRequest
            {
                Name = parse.GetValue(name)!,
                Role = parse.GetValue(role)!,
                TtlSeconds = (long)(Ttl.Parse(parse.GetValue(ttl))?.TotalSeconds ?? 0),
            }, deadline: context.ShortDeadline, cancellationToken: ct).ConfigureAwait(false);
            Console.Out.WriteLine(context.Json ? new System.Text.Json.Nodes.JsonObject { ["token"] = reply.Token }.ToJsonString() : reply.Token);
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command List()
    {
        var command = new Command("list", "The tokens: name, role, created, expires, revoked");
        command.SetAction(async (context, parse, ct) =>
        {
            var reply = await context.Tokens.ListTokensAsync(new ListTokensRequest(), deadline: context.ShortDeadline, cancellationToken: ct).ConfigureAwait(false);
            if (context.Json)
            {
                foreach (var token in reply.Tokens)
                {
                    Json.WriteLine(token);
                }

                return ExitCodes.Ok;
            }

            var table = new Table().Border(TableBorder.Simple).AddColumns("NAME", "ROLE", "CREATED", "BY", "EXPIRES", "REVOKED");
            foreach (var t in reply.Tokens)
            {
                table.AddRow(Markup.Escape(t.Name), t.Role, Markup.Escape(TimeText.At(t.CreatedAt)), Markup.Escape(t.CreatedBy),
                    Markup.Escape(t.ExpiresAt is null ? "-" : TimeText.At(t.ExpiresAt)), Markup.Escape(t.RevokedAt is null ? "-" : TimeText.At(t.RevokedAt)));
            }

            AnsiConsole.Write(table);
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Revoke()
    {
        var name = new Argument<string>("name") { Description = "The token" };
        var command = new Command("revoke", "Revoke a token: every later call with it is refused") { name };
        command.SetAction(async (context, parse, ct) =>
        {
            var reply = await context.Tokens.RevokeTokenAsync(new RevokeTokenRequest { Name = parse.GetValue(name)! },
                deadline: context.ShortDeadline, cancellationToken: ct).ConfigureAwait(false);
            if (context.Json)
            {
                Json.WriteLine(reply);
            }
            else
            {
                Console.Out.WriteLine($"token '{reply.Name}' revoked");
            }

            return ExitCodes.Ok;
        });
        return command;
    }
}
