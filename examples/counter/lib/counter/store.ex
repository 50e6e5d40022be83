defmodule Counter.Store do
  @moduledoc "0.1.0: the state is the count itself."

  use GenServer

  def start_link(_opts), do: GenServer.start_link(__MODULE__, 0, name: __MODULE__)

  def increment, do: GenServer.call(__MODULE__, :increment)

  def count, do: GenServer.call(__MODULE__, :count)

  @impl true
  def init(count), do: {:ok, count}

  @impl true
  def handle_call(:increment, _from, count), do: {:reply, count + 1, count + 1}
  def handle_call(:count, _from, count), do: {:reply, count, count}
end
