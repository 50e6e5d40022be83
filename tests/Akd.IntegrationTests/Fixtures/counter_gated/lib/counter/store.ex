defmodule Counter.Store do
  @moduledoc """
  Test fixture (counter_gated, see its README): examples/counter's 0.2.0 store whose `code_change/3`, on a hot
  upgrade, writes `tmp/akd_gate.waiting` under the release root the VM booted from and waits (at most two minutes)
  for `tmp/akd_gate.open` there before it migrates the count: a hot upgrade a test can catch in the middle.
  """

  use GenServer

  @gate_ms 120_000

  def start_link(_opts), do: GenServer.start_link(__MODULE__, 0, name: __MODULE__)

  def increment, do: GenServer.call(__MODULE__, :increment)

  def count, do: GenServer.call(__MODULE__, :count)

  @impl true
  def init(count), do: {:ok, %{count: count, migrated: false}}

  @impl true
  def handle_call(:increment, _from, %{count: count} = state), do: {:reply, count + 1, %{state | count: count + 1}}
  def handle_call(:count, _from, %{count: count} = state), do: {:reply, count, state}

  @impl true
  def code_change({:down, _vsn}, %{count: count}, _extra), do: {:ok, count}

  def code_change(_vsn, count, _extra) when is_integer(count) do
    dir = Path.join(List.to_string(:code.root_dir()), "tmp")
    File.mkdir_p!(dir)
    File.write!(Path.join(dir, "akd_gate.waiting"), "")
    wait_for(Path.join(dir, "akd_gate.open"), System.monotonic_time(:millisecond) + @gate_ms)
    {:ok, %{count: count, migrated: true}}
  end

  defp wait_for(path, deadline) do
    unless File.exists?(path) or System.monotonic_time(:millisecond) > deadline do
      Process.sleep(50)
      wait_for(path, deadline)
    end
  end
end
