defmodule Hello.Application do
  @moduledoc false

  use Application

  require Logger

  @impl true
  def start(_type, _args) do
    port = port_from_env()
    bind = bind_from_env()

    children = [
      # REUSE_PORT=true: the next release's VM may listen beside this one (akd's start_overlap: shared_port).
      {Hello.Server, port: port, bind: bind, reuse_port: System.get_env("REUSE_PORT") == "true"},
      # Fixture (overlap_witness): started last, so it is stopped first, while the HTTP server still listens.
      {Hello.OverlapWitness, port: port}
    ]

    Logger.info("hello #{Hello.version()} listening on #{:inet.ntoa(bind)}:#{port}")
    Supervisor.start_link(children, strategy: :one_for_one, name: Hello.Supervisor)
  end

  defp port_from_env do
    case Integer.parse(System.get_env("PORT", "4000")) do
      {port, ""} when port in 0..65_535 -> port
      _ -> raise ArgumentError, "PORT must be an integer between 0 and 65535"
    end
  end

  # Loopback by default so an example app never listens on public interfaces.
  defp bind_from_env do
    address = System.get_env("BIND", "127.0.0.1")

    case :inet.parse_address(String.to_charlist(address)) do
      {:ok, ip} -> ip
      {:error, _} -> raise ArgumentError, "BIND must be an IP address, got: #{inspect(address)}"
    end
  end
end
