#!/usr/bin/env escript
%% Generates the appups and the relup that take a running release from OLD to NEW.
%% Run by Akd's RelupGenerator with the build host's own Erlang (the ERTS the release ships):
%%   escript relup_generator.escript OLD_ROOT OLD_VSN NEW_ROOT NEW_VSN REL_NAME APPUPS_DIR
%% OLD_ROOT/NEW_ROOT are release roots (bin/, lib/, releases/); APPUPS_DIR holds the project's
%% own appups as APP/VSN.appup (used as given). Writes NEW_ROOT/lib/APP-VSN/ebin/APP.appup
%% for each changed application and NEW_ROOT/releases/NEW_VSN/relup. Prints one line per fact:
%%   akd:appup APP FROM TO generated|project|release   an appup, and where it came from
%%   akd:instruction APP TEXT                         an instruction of a generated appup (upgrade direction)
%%   akd:blocker TEXT                                  why a hot upgrade cannot work (then no relup is written)
%%   akd:relup PATH                                    the relup written
%% Exits 0 when it ran (blockers included), 2 when something went wrong (reason on stderr).
-mode(compile).

main([OldRoot, OldVsn, NewRoot, NewVsn, Name, AppupsDir]) ->
    try run(OldRoot, OldVsn, NewRoot, NewVsn, Name, AppupsDir) of
        ok -> halt(0)
    catch
        throw:{fail, Text} ->
            io:format(standard_error, "~ts~n", [Text]),
            halt(2);
        Class:Reason:Stack ->
            io:format(standard_error, "relup generation failed: ~p:~p~n~p~n", [Class, Reason, Stack]),
            halt(2)
    end;
main(_) ->
    io:format(standard_error, "usage: OLD_ROOT OLD_VSN NEW_ROOT NEW_VSN REL_NAME APPUPS_DIR~n", []),
    halt(2).

run(OldRoot, OldVsn, NewRoot, NewVsn, Name, AppupsDir) ->
    {OldErts, OldApps} = read_rel(OldRoot, OldVsn, Name),
    {NewErts, NewApps} = read_rel(NewRoot, NewVsn, Name),
    Blockers = blockers(OldRoot, OldVsn, OldErts, OldApps, NewRoot, NewVsn, NewErts, NewApps),
    case Blockers of
        [] ->
            Changed = [{App, From, To} || {App, To} <- NewApps, {A, From} <- OldApps, A =:= App, From =/= To],
            [appup(App, From, To, OldRoot, NewRoot, AppupsDir) || {App, From, To} <- Changed],
            relup(OldRoot, OldVsn, NewRoot, NewVsn, Name);
        _ ->
            [io:format("akd:blocker ~ts~n", [B]) || B <- Blockers],
            ok
    end.

read_rel(Root, Vsn, Name) ->
    File = rel_file(Root, Vsn, Name),
    case file:consult(File) of
        {ok, [{release, {_, _}, {erts, Erts}, Apps}]} ->
            {Erts, [{element(1, A), element(2, A)} || A <- Apps]};
        Other ->
            throw({fail, io_lib:format("cannot read ~ts: ~p", [File, Other])})
    end.

rel_file(Root, Vsn, Name) -> filename:join([Root, "releases", Vsn, Name ++ ".rel"]).

%% What a relup cannot do: a new emulator, new OTP/Elixir applications (they belong to the ERTS the
%% VM booted with), configuration read only at boot, a release without release_handler.
blockers(OldRoot, OldVsn, OldErts, OldApps, NewRoot, NewVsn, NewErts, NewApps) ->
    [io_lib:format("release version unchanged (~ts): a hot upgrade needs a new version", [NewVsn]) || OldVsn =:= NewVsn]
    ++ [io_lib:format("ERTS changed (~ts -> ~ts): the VM must restart", [OldErts, NewErts]) || OldErts =/= NewErts]
    ++ [io_lib:format("OTP application ~ts added (~ts): the VM must restart", [App, Vsn])
        || {App, Vsn} <- NewApps, is_runtime_app(App), not lists:keymember(App, 1, OldApps)]
    ++ [io_lib:format("OTP application ~ts removed: the VM must restart", [App])
        || {App, _} <- OldApps, is_runtime_app(App), not lists:keymember(App, 1, NewApps)]
    ++ [io_lib:format("OTP application ~ts changed (~ts -> ~ts): the VM must restart", [App, From, To])
        || {App, To} <- NewApps, {A, From} <- OldApps, A =:= App, From =/= To, is_runtime_app(App)]
    ++ ["the running release has no sasl (release_handler): add :sasl to extra_applications"
        || not lists:keymember(sasl, 1, OldApps)]
    ++ [io_lib:format("~ts changed: configuration is read at boot, the VM must restart", [F])
        || F <- ["sys.config", "runtime.exs", "vm.args"],
           read_or_none(filename:join([OldRoot, "releases", OldVsn, F]))
               =/= read_or_none(filename:join([NewRoot, "releases", NewVsn, F]))].

read_or_none(File) ->
    case file:read_file(File) of
        {ok, Bin} -> Bin;
        {error, enoent} -> none;
        {error, Reason} -> throw({fail, io_lib:format("cannot read ~ts: ~p", [File, Reason])})
    end.

%% Erlang/OTP applications (under this Erlang's lib dir) and Elixir's own.
is_runtime_app(App) ->
    lists:member(App, [elixir, logger, eex, iex, mix, ex_unit])
        orelse case code:lib_dir(App) of
                   {error, _} -> false;
                   Dir -> lists:prefix(code:lib_dir(), Dir)
               end.

appup(App, From, To, OldRoot, NewRoot, AppupsDir) ->
    A = atom_to_list(App),
    Target = filename:join([NewRoot, "lib", A ++ "-" ++ To, "ebin", A ++ ".appup"]),
    Own = filename:join([AppupsDir, A, To ++ ".appup"]),
    case {filelib:is_regular(Own), filelib:is_regular(Target)} of
        {true, _} ->
            {ok, _} = file:copy(Own, Target),
            io:format("akd:appup ~ts ~ts ~ts project~n", [A, From, To]);
        {false, true} ->
            io:format("akd:appup ~ts ~ts ~ts release~n", [A, From, To]);
        {false, false} ->
            OldEbin = filename:join([OldRoot, "lib", A ++ "-" ++ From, "ebin"]),
            NewEbin = filename:join([NewRoot, "lib", A ++ "-" ++ To, "ebin"]),
            Old = modules(OldEbin),
            New = modules(NewEbin),
            Added = [M || M <- New, not lists:member(M, Old)],
            Deleted = [M || M <- Old, not lists:member(M, New)],
            Changed = [M || M <- New, lists:member(M, Old), md5(OldEbin, M) =/= md5(NewEbin, M)],
            Up = [{add_module, M} || M <- Added]
                ++ [instruction(NewEbin, M) || M <- Changed]
                ++ [{delete_module, M} || M <- Deleted],
            Down = [{add_module, M} || M <- Deleted]
                ++ [instruction(NewEbin, M) || M <- Changed]
                ++ [{delete_module, M} || M <- Added],
            Appup = {To, [{From, Up}], [{From, Down}]},
            ok = file:write_file(Target, io_lib:format("~p.~n", [Appup])),
            io:format("akd:appup ~ts ~ts ~ts generated~n", [A, From, To]),
            [io:format("akd:instruction ~ts ~0p~n", [A, I]) || I <- Up],
            ok
    end.

modules(Ebin) ->
    lists:sort([list_to_atom(filename:basename(F, ".beam")) || F <- filelib:wildcard(filename:join(Ebin, "*.beam"))]).

md5(Ebin, M) ->
    {ok, {_, Md5}} = beam_lib:md5(filename:join(Ebin, atom_to_list(M) ++ ".beam")),
    Md5.

%% A supervisor is updated as one (its child specs change); a process module that exports
%% code_change gets its processes suspended and its state migrated; anything else is just loaded.
instruction(Ebin, M) ->
    File = filename:join(Ebin, atom_to_list(M) ++ ".beam"),
    {ok, {_, [{attributes, Attrs}, {exports, Exports}]}} = beam_lib:chunks(File, [attributes, exports]),
    Behaviours = lists:append([V || {K, V} <- Attrs, K =:= behaviour orelse K =:= behavior]),
    Process = [B || B <- Behaviours, lists:member(B, [gen_server, gen_statem, gen_event, gen_fsm, 'Elixir.GenServer'])],
    CodeChange = lists:member({code_change, 3}, Exports) orelse lists:member({code_change, 4}, Exports),
    if
        Process =/= [], CodeChange -> {update, M, {advanced, []}};
        true ->
            case lists:member(supervisor, Behaviours) orelse lists:member('Elixir.Supervisor', Behaviours) of
                true -> {update, M, supervisor};
                false -> {load_module, M}
            end
    end.

relup(OldRoot, OldVsn, NewRoot, NewVsn, Name) ->
    Path = [filename:join([OldRoot, "lib", "*", "ebin"]), filename:join([NewRoot, "lib", "*", "ebin"])],
    Old = filename:rootname(rel_file(OldRoot, OldVsn, Name)),
    New = filename:rootname(rel_file(NewRoot, NewVsn, Name)),
    OutDir = filename:join([NewRoot, "releases", NewVsn]),
    case systools:make_relup(New, [Old], [Old], [{path, Path}, {outdir, OutDir}, silent]) of
        {ok, _Relup, _Mod, _Warnings} ->
            io:format("akd:relup ~ts~n", [filename:join(OutDir, "relup")]),
            ok;
        {error, Mod, Error} ->
            throw({fail, io_lib:format("systools:make_relup failed: ~ts", [Mod:format_error(Error)])})
    end.
