# FAKE distillery: a stand-in for the `distillery` hex package's `mix distillery.release`, which
# cannot be installed here (hex.pm is unreachable). Akd's tests use it to exercise the distillery
# builder and runner. It is not distillery: it assembles the release with Elixir's own `mix release`
# and then reproduces what distillery 2.1.1 prints, exits with and leaves behind, and its boot script.
defmodule Mix.Tasks.Distillery.Release do
  @shortdoc "FAKE distillery.release for Akd's tests (assembles with mix release)"

  @moduledoc """
  FAKE `mix distillery.release --env=ENV`, for Akd's tests only.

  Like distillery 2.1.1 it compiles the project, refuses to run without `rel/config.exs`, prints
  distillery's lines (`==> Assembling release..` ... `==> Packaging release..`) and leaves:

    * the assembled release in `_build/MIX_ENV/rel/APP`, with `releases/VSN/vm.args` rendered
      (EEx) from the `vm_args:` file `rel/config.exs` sets, or from distillery's default;
    * `bin/APP` answering distillery's commands: `start` (as a daemon), `stop`, `ping`
      (prints `pong`), `pid`, `foreground`, `console`, `remote_console`, `rpc`, `eval`, `version`.
      The node name comes from `-name`/`-sname` in that vm.args; `${VAR}` in it is replaced from
      the environment when the node starts only if `REPLACE_OS_VARS` is set, as distillery does;
    * the tarball at `_build/MIX_ENV/rel/APP/releases/VSN/APP.tar.gz`.

  The file `rel/fake_distillery_tarball` (one word) chooses how packaging ends:

    * `complete` (default): a complete tarball, `Release successfully built!`, exit 0;
    * `incomplete`: distillery 2.1.1 on OTP 25: `==> Failed to archive release: ...releases/RELEASES:
      no such file or directory`, exit 1, and a ~117-byte stub tarball holding only
      `releases/start_erl.data` (the assembled release directory works);
    * `incomplete-no-tarball`: the same failure, with no tarball at all.
  """

  use Mix.Task

  @switches [env: :string, name: :string, verbose: :boolean, silent: :boolean]

  # distillery's priv/templates/vm.args.eex, used when rel/config.exs sets no vm_args.
  @default_vm_args """
  ## Name of the node
  -name <%= release_name %>@127.0.0.1

  ## Cookie for distributed erlang
  -setcookie <%= release.profile.cookie %>

  # Enable SMP automatically based on availability
  -smp auto
  """

  @impl true
  def run(args) do
    {opts, _argv} = OptionParser.parse!(args, strict: @switches)
    Mix.Task.run("compile", [])
    Mix.Task.run("loadpaths", [])

    unless File.regular?("rel/config.exs") do
      fail("You are missing a release config file. Run the distillery.init task first")
    end

    config = Mix.Project.config()
    app = Keyword.get(opts, :name, Atom.to_string(config[:app]))
    vsn = config[:version]
    env = Keyword.get(opts, :env, "default")
    mode = tarball_mode()
    info("Assembling release..")
    info("Building release #{app}:#{vsn} using environment #{env}")

    previous_shell = Mix.shell()
    Mix.shell(Mix.Shell.Quiet)

    try do
      Mix.Task.run("release", [app, "--overwrite", "--quiet"])
    after
      Mix.shell(previous_shell)
    end

    if include_erts?(config, app) do
      erts = :erlang.system_info(:version)
      info("Including ERTS #{erts} from #{Path.relative_to_cwd(Path.join(:code.root_dir(), "erts-#{erts}"))}")
    end

    rel_dir = Path.join([Mix.Project.build_path(), "rel", app])
    write_vm_args(rel_dir, app, vsn)
    write_boot_script(rel_dir, app)
    tarball = Path.join([rel_dir, "releases", vsn, "#{app}.tar.gz"])
    File.rm(tarball)
    info("Packaging release..")

    case mode do
      "complete" ->
        write_tarball(tarball, rel_dir, vsn)
        print_success(rel_dir, app)

      "incomplete" ->
        write_stub_tarball(tarball, rel_dir)
        archive_fault(rel_dir)

      "incomplete-no-tarball" ->
        archive_fault(rel_dir)

      other ->
        Mix.raise("rel/fake_distillery_tarball: expected complete, incomplete or incomplete-no-tarball, got #{inspect(other)}")
    end
  end

  # distillery's Shell: every level writes "==> " and the message to stdout.
  defp info(message), do: IO.write(["==> ", message, ?\n])

  defp fail(message) do
    info(message)
    System.halt(1)
  end

  defp archive_fault(rel_dir) do
    fail("Failed to archive release: #{Path.relative_to_cwd(Path.join([rel_dir, "releases", "RELEASES"]))}: no such file or directory")
  end

  defp print_success(rel_dir, app) do
    bin = Path.join([Path.relative_to_cwd(rel_dir), "bin", app])

    IO.write("""
    Release successfully built!
    To start the release you have built, you can use one of the following tasks:

        # start a shell, like 'iex -S mix'
        > #{bin} console

        # start in the foreground, like 'mix run --no-halt'
        > #{bin} foreground

        # start in the background, must be stopped with the 'stop' command
        > #{bin} start

    """)
  end

  defp tarball_mode do
    case File.read("rel/fake_distillery_tarball") do
      {:ok, text} -> String.trim(text)
      {:error, _} -> "complete"
    end
  end

  defp include_erts?(config, app) do
    release = Keyword.get(config[:releases] || [], String.to_atom(app), [])
    Keyword.get(release, :include_erts, true) != false
  end

  # distillery renders the vm_args file of rel/config.exs (EEx) into releases/VSN/vm.args. The one
  # `mix release` wrote is kept for its script, without the node name (which comes from distillery's).
  defp write_vm_args(rel_dir, app, vsn) do
    vsn_dir = Path.join([rel_dir, "releases", vsn])
    File.rename!(Path.join(vsn_dir, "vm.args"), Path.join(vsn_dir, "mix_release.vm.args"))
    rel_config = File.read!("rel/config.exs")

    cookie =
      case Regex.run(~r/^\s*set\s+cookie:\s*:"([^"]+)"/m, rel_config) do
        [_, cookie] -> cookie
        nil -> File.read!(Path.join([rel_dir, "releases", "COOKIE"]))
      end

    template =
      case Regex.run(~r/^\s*set\s+vm_args:\s*"([^"]+)"/m, rel_config) do
        [_, path] -> File.read!(path)
        nil -> @default_vm_args
      end

    # EEx ships with Elixir; calling it through a variable keeps the app from having to list :eex.
    eex = EEx
    release = %{name: app, version: vsn, profile: %{cookie: cookie}}
    File.write!(Path.join(vsn_dir, "vm.args"), eex.eval_string(template, release_name: app, release_version: vsn, release: release))
  end

  # Distillery's commands, mapped onto the script `mix release` wrote (kept as bin/APP_mix_release).
  # The node name and cookie are read from releases/VSN/vm.args as distillery's config.sh does:
  # `${VAR}` is replaced from the environment for the node being started only with REPLACE_OS_VARS,
  # and always when finding the node for a remote command.
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
    ROOT_DIR="$(dirname "$BIN_DIR")"
    REL="$BIN_DIR/#{app}_mix_release"
    export RELEASE_PROG="#{app}"

    read -r _ERTS_VSN REL_VSN < "$ROOT_DIR/releases/start_erl.data" || true
    VMARGS="$ROOT_DIR/releases/$REL_VSN/vm.args"

    # distillery's _replace_os_vars_str: a textual replacement of ${VAR} occurrences.
    replace_os_vars() {
      awk '
        function escape(s) {
          gsub(/'\\&'/, "\\\\\\\\&", s);
          return s;
        }
        {
          while(match($0,"[$]{[^}]*}")) {
            var=substr($0,RSTART+2,RLENGTH-3);
            gsub("[$]{"var"}", escape(ENVIRON[var]))
          }
        }1' < "$1"
    }

    case "$1" in
      start|foreground|console)
        if [ -n "${REPLACE_OS_VARS:-}" ]; then ARGS="$(replace_os_vars "$VMARGS")"; else ARGS="$(cat "$VMARGS")"; fi ;;
      *) ARGS="$(replace_os_vars "$VMARGS")" ;;
    esac

    NAME_ARG="$(printf '%s\\n' "$ARGS" | grep '^-s\\{0,1\\}name' || true)"
    if [ -z "$NAME_ARG" ]; then
      echo "vm.args needs to have either -name or -sname parameter."
      exit 1
    fi
    NAME_TYPE="$(echo "$NAME_ARG" | awk '{print $1}' | tail -n 1)"
    RELEASE_NODE="$(echo "$NAME_ARG" | awk '{print $2}' | tail -n 1)"
    RELEASE_DISTRIBUTION="${NAME_TYPE#-}"
    RELEASE_VM_ARGS="$ROOT_DIR/releases/$REL_VSN/mix_release.vm.args"
    export RELEASE_NODE RELEASE_DISTRIBUTION RELEASE_VM_ARGS
    COOKIE="$(printf '%s\\n' "$ARGS" | grep '^-setcookie' | awk '{print $2}' | tail -n 1)"
    if [ -n "$COOKIE" ]; then RELEASE_COOKIE="$COOKIE"; export RELEASE_COOKIE; fi

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
          echo "Node $RELEASE_NODE is not running!" >&2
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

  defp write_tarball(tarball, rel_dir, vsn) do
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

    create_tarball(tarball, top ++ release_entries)
  end

  # What distillery 2.1.1 leaves on OTP 25 when archiving fails: releases/start_erl.data, nothing else.
  defp write_stub_tarball(tarball, rel_dir) do
    create_tarball(tarball, [{"releases/start_erl.data", Path.join([rel_dir, "releases", "start_erl.data"])}])
  end

  # The tarball lives inside releases/VSN: write it outside the release first, or it would archive itself.
  defp create_tarball(tarball, entries) do
    tmp = Path.join(Mix.Project.build_path(), "fake_distillery.tar.gz")
    entries = Enum.map(entries, fn {name, path} -> {String.to_charlist(name), String.to_charlist(path)} end)
    :ok = :erl_tar.create(String.to_charlist(tmp), entries, [:compressed])
    File.rename!(tmp, tarball)
  end
end
