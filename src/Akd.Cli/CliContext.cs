using System.CommandLine;
using System.Security.Cryptography.X509Certificates;
using Akd.Client.Artifacts;
using Akd.Client.Channels;
using Akd.Contracts.Trust;
using Akd.Contracts.V1;

namespace Akd.Cli;

/// <summary>What every verb needs: the coordinator's clients and how to print.</summary>
internal sealed class CliContext : IDisposable
{
    private readonly ClientChannel _channel;

    public CliContext(ParseResult parse)
    {
        Address = parse.GetValue(CliApp.Coordinator)
            ?? Environment.GetEnvironmentVariable("AKD_COORDINATOR")
            ?? "https://127.0.0.1:7400";
        if (!CoordinatorAddresses.TryParse(Address, out _, out var error))
        {
            throw new CliException($"--coordinator: {error}", ExitCodes.Usage);
        }

        Json = parse.GetValue(CliApp.Output) == "json";
        _channel = new ClientChannel(new ClientChannelOptions
        {
            Address = Address,
            Ca = ReadCa(parse.GetValue(CliApp.CaFile)),
            TrustSystemStore = true,
            BearerToken = ReadToken(parse.GetValue(CliApp.TokenFile)),
        });
        Transfer = new ArtifactTransfer(_channel.Invoker, new ArtifactTransferOptions());
    }

    public string Address { get; }

    public bool Json { get; }

    public Control.ControlClient Control => new(_channel.Invoker);

    /// <summary>Deadline for a short request (a listing, a lookup): a hung coordinator must not hang a script (30 s, the client's default).</summary>
    public DateTime ShortDeadline => _channel.ShortDeadline();

    /// <summary>Uploads (the source tree, a locally built release) with the one protocol and retries every client uses.</summary>
    public ArtifactTransfer Transfer { get; }

    public AgentAccess.AgentAccessClient AgentAccess => new(_channel.Invoker);

    public Tokens.TokensClient Tokens => new(_channel.Invoker);

    public Admin.AdminClient Admin => new(_channel.Invoker);

    /// <summary>The coordinator's CA from --ca-file, else AKD_CA_FILE; null trusts the system store alone.</summary>
    private static X509Certificate2? ReadCa(string? file)
    {
        file ??= Environment.GetEnvironmentVariable("AKD_CA_FILE") is { Length: > 0 } env ? env : null;
        if (file is null)
        {
            return null;
        }

        try
        {
            return CaTrust.LoadCertificate(file);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException or ArgumentException)
        {
            throw new CliException($"cannot read the CA certificate {file}: {ex.Message}", ExitCodes.Usage);
        }
    }

    /// <summary>The operator token from --token-file, else AKD_TOKEN (the token itself); never from an argument (visible in ps).</summary>
    private static string? ReadToken(string? file)
    {
        if (file is not null)
        {
            try
            {
                return File.ReadAllText(file).Trim();
            }
            catch (IOException ex)
            {
                throw new CliException($"cannot read --token-file: {ex.Message}", ExitCodes.Usage);
            }
        }

        var env = Environment.GetEnvironmentVariable("AKD_TOKEN");
        return string.IsNullOrWhiteSpace(env) ? null : env.Trim();
    }

    public void Dispose() => _channel.Dispose();
}

internal static class ExitCodes
{
    public const int Ok = 0;
    public const int Failed = 1;
    public const int Usage = 2;
    public const int Unavailable = 3;
}

/// <summary>An error that ends the command with one readable line.</summary>
internal sealed class CliException(string message, int exitCode = ExitCodes.Failed) : Exception(message)
{
    public int ExitCode { get; } = exitCode;
}
