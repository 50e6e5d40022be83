defmodule Hello.OverlapWitness do
  @moduledoc """
  Test fixture for start overlap (see the fixture's README): when its VM shuts down, waits for another VM to
  answer on PORT with another version and writes what it saw to OVERLAP_LOG before letting the VM exit.
  """

  use GenServer

  @wait_ms 20_000

  def start_link(opts), do: GenServer.start_link(__MODULE__, opts, name: __MODULE__)

  def child_spec(opts) do
    %{id: __MODULE__, start: {__MODULE__, :start_link, [opts]}, shutdown: @wait_ms + 5_000}
  end

  @impl true
  def init(opts) do
    Process.flag(:trap_exit, true)
    {:ok, %{port: Keyword.fetch!(opts, :port), version: Hello.version()}}
  end

  @impl true
  def terminate(_reason, %{port: port, version: own}) do
    with log when is_binary(log) <- System.get_env("OVERLAP_LOG"),
         false <- File.exists?(log) do
      seen = wait_for_other(port, own, System.monotonic_time(:millisecond) + @wait_ms)
      File.write!(log, "#{own} exited after seeing: #{seen}\n")
    end

    :ok
  end

  defp wait_for_other(port, own, deadline) do
    answer = get(port)

    cond do
      is_binary(answer) and answer =~ ~r/^hello \d+\.\d+\.\d+$/ and answer != "hello #{own}" -> answer
      System.monotonic_time(:millisecond) > deadline -> "nothing but #{inspect(answer)}"
      true -> Process.sleep(20) && wait_for_other(port, own, deadline)
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
