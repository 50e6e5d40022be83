# FAKE distillery: a stand-in for the `distillery` hex package's `mix distillery.release`, which
# cannot be installed here (hex.pm is unreachable). Akd's tests use it to exercise the distillery
# builder and runner. It is not distillery: it assembles the release with Elixir's own `mix release`
# and then reproduces distillery 2.x's output layout and boot-script commands on top of it.
defmodule Mix.Tasks.Distillery.Release do
  @shortdoc "FAKE distillery.release for Akd's tests (assembles with mix release)"

  @moduledoc """
  FAKE `mix distillery.release --env=ENV`, for Akd's tests only.

  Like distillery 2.x it leaves:

    * the assembled release in `_build/MIX_ENV/rel/APP`,
    * `bin/APP` answering distillery's commands: `start` (as a daemon), `stop`, `ping`
      (prints `pong`), `pid`, `foreground`, `console`, `remote_console`, `rpc`, `eval`, `version`,
    * the tarball at `_build/MIX_ENV/rel/APP/releases/VSN/APP.tar.gz`.

  The file `rel/fake_distillery_tarball` (one word) chooses the tarball, to reproduce
  distillery 2.1's known fault on recent OTP: `complete` (default), `incomplete` (a working
  release directory but a tarball without `bin/` and `releases/VSN`), or `none`.
  """

  use Mix.Task

  @switches [env: :string, name: :string, verbose: :boolean, silent: :boolean]

  @impl true
  def run(args) do
    {opts, _argv} = OptionParser.parse!(args, strict: @switches)
    config = Mix.Project.config()
    app = opts |> Keyword.get(:name, Atom.to_string(config[:app]))
    vsn = config[:version]
    env = Keyword.get(opts, :env, "default")
    Mix.shell().info("==> FAKE distillery: assembling #{app} #{vsn} (env #{env}, MIX_ENV #{Mix.env()})")

    Mix.Task.run("release", [app, "--overwrite", "--quiet"])

    rel_dir = Path.join([Mix.Project.build_path(), "rel", app])
    write_boot_script(rel_dir, app)
    tarball = Path.join([rel_dir, "releases", vsn, "#{app}.tar.gz"])
    write_tarball(tarball, rel_dir, vsn, tarball_mode())
    Mix.shell().info("==> Release successfully built!\n    To start the release you have built, you can use: _build/#{Mix.env()}/rel/#{app}/bin/#{app} start")
  end

  defp tarball_mode do
    case File.read("rel/fake_distillery_tarball") do
      {:ok, text} -> String.trim(text)
      {:error, _} -> "complete"
    end
  end

  # Distillery's commands, mapped onto the script `mix release` wrote (kept as bin/APP_mix_release).
  defp write_boot_script(rel_dir, app) do
    bin = Path.join(rel_dir, "bin")
    mix_script = Path.join(bin, "#{app}_mix_release")
    File.rename!(Path.join(bin, app), mix_script)

    script = """
    #!/bin/sh
    # FAKE distillery boot script (Akd tests): distillery 2.x's commands on a mix release.
    set -e
    SELF=$(readlink "$0" || true)
    if [ -z "$SELF" ]; then SELF="$0"; fi
    BIN_DIR="$(CDPATH='' cd "$(dirname "$SELF")" && pwd -P)"
    REL="$BIN_DIR/#{app}_mix_release"
    export RELEASE_PROG="#{app}"

    case "$1" in
      start) exec "$REL" daemon ;;
      foreground) exec "$REL" start ;;
      console) exec "$REL" start_iex ;;
      remote_console) exec "$REL" remote ;;
      stop) "$REL" stop && echo ok ;;
      pid) exec "$REL" pid ;;
      ping)
        if "$REL" rpc ":ok" >/dev/null 2>&1; then
          echo pong
        else
          echo "Node is not running!" >&2
          exit 1
        fi
        ;;
      rpc) shift; exec "$REL" rpc "$@" ;;
      eval) shift; exec "$REL" eval "$@" ;;
      version) exec "$REL" version ;;
      *)
        echo "Usage: #{app} {start|foreground|console|remote_console|stop|pid|ping|rpc|eval|version}" >&2
        exit 1
        ;;
    esac
    """

    File.write!(Path.join(bin, app), script)
    File.chmod!(Path.join(bin, app), 0o755)
  end

  defp write_tarball(_tarball, _rel_dir, _vsn, "none"), do: :ok

  defp write_tarball(tarball, rel_dir, vsn, mode) do
    File.rm(tarball)
    releases = Path.join(rel_dir, "releases")

    top =
      rel_dir
      |> File.ls!()
      |> Enum.reject(&(&1 == "releases"))
      |> Enum.map(&{&1, Path.join(rel_dir, &1)})

    release_entries =
      releases
      |> File.ls!()
      |> Enum.filter(&(&1 == vsn or File.regular?(Path.join(releases, &1))))
      |> Enum.map(&{"releases/" <> &1, Path.join(releases, &1)})

    entries =
      case mode do
        "complete" -> top ++ release_entries
        "incomplete" -> Enum.reject(top, fn {name, _} -> name == "bin" end) ++ Enum.reject(release_entries, fn {name, _} -> name == "releases/" <> vsn end)
        other -> Mix.raise("rel/fake_distillery_tarball: expected complete, incomplete or none, got #{inspect(other)}")
      end

    # The tarball lives inside releases/VSN: write it outside the release first, or it would archive itself.
    tmp = Path.join(Mix.Project.build_path(), "fake_distillery_#{vsn}.tar.gz")
    entries = Enum.map(entries, fn {name, path} -> {String.to_charlist(name), String.to_charlist(path)} end)
    :ok = :erl_tar.create(String.to_charlist(tmp), entries, [:compressed])
    File.rename!(tmp, tarball)
    Mix.shell().info("==> FAKE distillery: wrote #{mode} tarball #{Path.relative_to_cwd(tarball)}")
  end
end
