defmodule Counter.Store do
  @moduledoc """
  0.2.0 whose `code_change/3` crashes: what a failed hot upgrade looks like (it
  must end with the host back on 0.1.0).
  """

  use GenServer

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
  def code_change(_vsn, count, _extra) when is_integer(count), do: raise("cannot migrate count #{count}")
end
