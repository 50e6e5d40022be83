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

  With `--upgrade --upfrom=OLD` it builds an upgrade, as distillery does: the old release must be in
  the output directory (`_build/MIX_ENV/rel/APP/releases/OLD` and OLD's applications in `lib/`); an
  `.appup` is generated for each application whose version changed (`load_module` for changed
  modules, `update ... {advanced, []}` for changed processes with `code_change/3`, `add_module` and
  `delete_module`), unless the application ships its own, then `systools:make_relup` writes
  `releases/VSN/relup`, which the tarball carries. `bin/APP upgrade VSN` applies it in the running
  node with release_handler (unpacking `releases/VSN/APP.tar.gz` when release_handler does not know
  VSN yet, then `install_release` and `make_permanent`).

  The file `rel/fake_distillery_tarball` (one word) chooses how packaging ends:

    * `complete` (default): a complete tarball, `Release successfully built!`, exit 0;
    * `incomplete`: distillery 2.1.1 on OTP 25: `==> Failed to archive release: ...releases/RELEASES:
      no such file or directory`, exit 1, and a ~117-byte stub tarball holding only
      `releases/start_erl.data` (the assembled release directory works);
    * `incomplete-no-tarball`: the same failure, with no tarball at all.
  """

  use Mix.Task

  @switches [env: :string, name: :string, verbose: :boolean, silent: :boolean, upgrade: :boolean, upfrom: :string]

  # distillery's priv/templates/vm.args.eex, used when rel/config.exs sets no vm_args.
  @default_vm_args """
  ## Name of the node
  -name <%= release_name %>@127.0.0.1

  ## Cookie for distributed erlang
  -setcookie <%= release.profile.cookie %>

  # Enable SMP automatically based on availability
  -smp auto
  """

  # What `bin/APP upgrade VSN` evaluates in the running node (VSN is put in by the script, checked to be
  # a plain version): distillery's upgrade, unpack unless release_handler knows VSN, install, make permanent.
  @upgrade_exs ~S"""
  app = ~c"@APP@"
  to = ~c"@VSN@"
  known = Map.new(:release_handler.which_releases(), fn {_, v, _, s} -> {v, s} end)

  case Map.get(known, to) do
    nil ->
      IO.puts("Release #{to} not found, attempting to unpack releases/#{to}/#{app}.tar.gz")

      case :release_handler.unpack_release(to ++ ~c"/" ++ app) do
        {:ok, ^to} -> IO.puts("Unpacked successfully: #{to}")
        {:error, reason} -> raise "Unpack failed: #{inspect(reason)}"
      end

    :permanent ->
      raise "Release #{to} is already permanent"

    _unpacked_or_old ->
      :ok
  end

  case :release_handler.install_release(to) do
    {:ok, from, _} -> IO.puts("Release #{to} installed, upgraded from #{from}")
    {:error, reason} -> raise "Installation failed: #{inspect(reason, limit: 30)}"
  end

  :ok = :release_handler.make_permanent(to)
  IO.puts("Made release permanent: #{to}")
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

    if opts[:upgrade] do
      build_upgrade(rel_dir, app, vsn, opts[:upfrom])
    end
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
      upgrade)
        VSN="${2:-}"
        case "$VSN" in
          ''|*[!A-Za-z0-9._+-]*) echo "Usage: #{app} upgrade VERSION" >&2; exit 1 ;;
        esac
        exec "$REL" rpc "$(sed "s/@VSN@/$VSN/g" "$BIN_DIR/fake_distillery_upgrade.exs")"
        ;;
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
        echo "Usage: #{app} {start|foreground|console|remote_console|stop|upgrade|pid|ping|rpc|eval|version}" >&2
        exit 1
        ;;
    esac
    """

    File.write!(Path.join(bin, app), script)
    File.chmod!(Path.join(bin, app), 0o755)
    File.write!(Path.join(bin, "fake_distillery_upgrade.exs"), String.replace(@upgrade_exs, "@APP@", app))
  end

  # distillery --upgrade --upfrom=OLD: appups for the applications whose version changed, then the relup.
  defp build_upgrade(rel_dir, app, vsn, upfrom) do
    if upfrom in [nil, ""], do: fail("--upgrade needs --upfrom=VERSION in this fake")
    releases = Path.join(rel_dir, "releases")
    old_rel = Path.join([releases, upfrom, "#{app}.rel"])

    unless File.regular?(old_rel) do
      fail("Upgrade failed: release #{app} #{upfrom} was not found in #{Path.relative_to_cwd(releases)}")
    end

    if upfrom == vsn, do: fail("Upgrade failed, the current version and upfrom version are the same")
    old_apps = rel_apps(old_rel)
    new_apps = rel_apps(Path.join([releases, vsn, "#{app}.rel"]))

    for {name, new_vsn} <- new_apps, Map.has_key?(old_apps, name), old_apps[name] != new_vsn do
      appup(rel_dir, name, old_apps[name], new_vsn)
    end

    base = fn v -> String.to_charlist(Path.join([releases, v, app])) end
    path = [String.to_charlist(Path.join([rel_dir, "lib", "*", "ebin"]))]

    # systools is sasl's, which the app need not list: called through a variable, as EEx is above.
    systools = :systools

    case systools.make_relup(base.(vsn), [base.(upfrom)], [base.(upfrom)], [{:path, path}, {:outdir, String.to_charlist(Path.join(releases, vsn))}, :silent]) do
      {:ok, _relup, _mod, _warnings} -> info("Relup successfully created")
      {:error, mod, reason} -> fail("Failed to build relup: #{mod.format_error(reason)}")
    end
  end

  defp rel_apps(rel_file) do
    {:ok, [{:release, _, _, apps}]} = :file.consult(String.to_charlist(rel_file))
    Map.new(apps, fn app -> {elem(app, 0), List.to_string(elem(app, 1))} end)
  end

  defp appup(rel_dir, name, old_vsn, new_vsn) do
    old_ebin = Path.join([rel_dir, "lib", "#{name}-#{old_vsn}", "ebin"])
    new_ebin = Path.join([rel_dir, "lib", "#{name}-#{new_vsn}", "ebin"])
    file = Path.join(new_ebin, "#{name}.appup")

    unless File.regular?(file) do
      old = modules(old_ebin)
      new = modules(new_ebin)
      changed = for m <- new, m in old, md5(old_ebin, m) != md5(new_ebin, m), do: m
      added = new -- old
      deleted = old -- new
      up = Enum.map(added, &{:add_module, &1}) ++ Enum.map(changed, &instruction(new_ebin, &1)) ++ Enum.map(deleted, &{:delete_module, &1})
      down = Enum.map(deleted, &{:add_module, &1}) ++ Enum.map(changed, &instruction(old_ebin, &1)) ++ Enum.map(added, &{:delete_module, &1})
      appup = {String.to_charlist(new_vsn), [{String.to_charlist(old_vsn), up}], [{String.to_charlist(old_vsn), down}]}
      File.write!(file, :io_lib.format(~c"~p.~n", [appup]))
      info("Generated .appup for #{name} #{old_vsn} -> #{new_vsn}")
    end
  end

  defp modules(ebin) do
    ebin |> File.ls!() |> Enum.filter(&String.ends_with?(&1, ".beam")) |> Enum.map(&String.to_atom(Path.rootname(&1))) |> Enum.sort()
  end

  defp md5(ebin, m) do
    {:ok, {_, md5}} = :beam_lib.md5(String.to_charlist(Path.join(ebin, "#{m}.beam")))
    md5
  end

  defp instruction(ebin, m) do
    {:ok, {_, [exports: exports]}} = :beam_lib.chunks(String.to_charlist(Path.join(ebin, "#{m}.beam")), [:exports])
    if {:code_change, 3} in exports, do: {:update, m, {:advanced, []}}, else: {:load_module, m}
  end

  defp write_tarball(tarball, rel_dir, vsn) do
    releases = Path.join(rel_dir, "releases")

    # lib/ may also hold an older release's applications (placed there for --upgrade): only this one's.
    {:ok, [{:release, _, _, apps}]} = :file.consult(String.to_charlist(Path.join([releases, vsn, Path.basename(rel_dir) <> ".rel"])))
    libs = Enum.map(apps, fn app -> "lib/#{elem(app, 0)}-#{elem(app, 1)}" end)

    top =
      rel_dir
      |> File.ls!()
      |> Enum.reject(&(&1 in ["releases", "lib"]))
      |> Enum.map(&{&1, Path.join(rel_dir, &1)})
      |> Kernel.++(Enum.map(libs, &{&1, Path.join(rel_dir, &1)}))

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
