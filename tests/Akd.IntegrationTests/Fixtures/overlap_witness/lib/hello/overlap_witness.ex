defmodule Hello.OverlapWitness do
  @moduledoc """
  Test fixture for `deploy.start_overlap: shared_port` (see the fixture's README): started after the HTTP server,
  so it is stopped before it when the VM shuts down (SIGTERM, `init:stop()`), while this VM still listens. It then
  asks the port, on fresh connections, whether another VM answers with another version, and writes what it saw to
  OVERLAP_LOG.
  """

  use GenServer

  # Fresh connections hash to either listener of the shared port: 64 that all reach this VM while another one
  # listens too happen with a chance of 2^-64.
  @probes 64

  def start_link(opts), do: GenServer.start_link(__MODULE__, opts, name: __MODULE__)

  @impl true
  def init(opts) do
    Process.flag(:trap_exit, true)
    {:ok, %{port: Keyword.fetch!(opts, :port), version: Hello.version()}}
  end

  @impl true
  def terminate(_reason, %{port: port, version: own}) do
    with log when is_binary(log) <- System.get_env("OVERLAP_LOG"),
         false <- File.exists?(log) do
      File.write!(log, "#{own} still listening saw: #{probe(port, "hello #{own}", @probes, [])}\n")
    end

    :ok
  end

  defp probe(_port, _own, 0, answers), do: "nothing but #{answers |> Enum.uniq() |> inspect()}"

  defp probe(port, own, left, answers) do
    answer = get(port)

    if is_binary(answer) and answer =~ ~r/^hello \d+\.\d+\.\d+$/ and answer != own do
      answer
    else
      probe(port, own, left - 1, [answer | answers])
    end
  end

  defp get(port) do
    with {:ok, socket} <- :gen_tcp.connect({127, 0, 0, 1}, port, [:binary, active: false], 1_000),
         :ok <- :gen_tcp.send(socket, "GET / HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n"),
         {:ok, response} <- recv_all(socket, "") do
      response |> String.split("\r\n\r\n", parts: 2) |> List.last() |> String.trim()
    else
      _ -> nil
    end
  end

  defp recv_all(socket, acc) do
    case :gen_tcp.recv(socket, 0, 1_000) do
      {:ok, data} -> recv_all(socket, acc <> data)
      {:error, :closed} -> :gen_tcp.close(socket) && {:ok, acc}
      {:error, reason} -> :gen_tcp.close(socket) && {:error, reason}
    end
  end
end
