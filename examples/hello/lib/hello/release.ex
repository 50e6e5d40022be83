defmodule Hello.Release do
  @moduledoc """
  Tasks run from a release with `bin/hello eval "Hello.Release.migrate()"`.
  """

  require Logger

  @doc """
  Placeholder for the migration hook example in akd.yaml: a real app would run
  its Ecto migrations here. It only logs, so a deploy can show the hook ran.
  """
  @spec migrate() :: :ok
  def migrate do
    # eval starts no applications; load ours so the version is known.
    Application.load(:hello)
    Logger.info("hello #{Hello.version()}: migrate hook ran (no migrations to run)")
  end
end
