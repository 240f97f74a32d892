"""Every command, given bad arguments or run outside a repository: a one-line error and exit 1 or 2,
never a traceback, and nothing written where it was not asked to write."""

from __future__ import annotations

import subprocess
import sys

import pytest

import typer

from claimset.cli.main import app


def _commands(group, prefix=""):
    for name, cmd in sorted(group.commands.items()):
        if hasattr(cmd, "commands"):
            yield from _commands(cmd, f"{prefix}{name} ")
        else:
            yield prefix + name


COMMANDS = list(_commands(typer.main.get_command(app)))
BAD_ARGS = [[], ["--no-such-option"], ["/nonexistent/x"], ["/nonexistent/x", "/nonexistent/y", "also"], ["--root", "/nonexistent"]]
WRITES_BY_DEFAULT = {"explore": {"site"}}  # explore's documented default output: ./site, from the installed release


def test_every_command_is_swept():
    assert {"validate", "build", "explore", "verify", "check-version", "schema export", "find", "add-claim"} <= set(COMMANDS)


def _check(command, args, code, out, created):
    assert "Traceback" not in out and "internal error" not in out, (command, args, out[-3000:])
    assert code in (0, 1, 2), (command, args, code, out[-2000:])
    if code:
        assert out.strip(), (command, args)
    assert created <= WRITES_BY_DEFAULT.get(command, set()), (command, args, created)
    if args:
        assert code == 2, (command, args, out[-1000:])  # a usage error, not a result


@pytest.mark.parametrize("command", COMMANDS)
def test_bad_arguments_outside_a_repository(command, tmp_path, monkeypatch, capsys):
    """The bare command as a user runs it (a real process, through the console entry); the bad
    arguments in process through the same `main()`, the same code after start-up in a fraction
    of the time."""
    from claimset.cli.main import main

    cwd = tmp_path / "cwd"
    cwd.mkdir()
    r = subprocess.run([sys.executable, "-m", "claimset", *command.split()], cwd=cwd, capture_output=True, text=True, timeout=120)
    _check(command, [], r.returncode, r.stdout + r.stderr, {p.name for p in cwd.iterdir()})
    monkeypatch.chdir(cwd)
    for args in BAD_ARGS[1:]:
        monkeypatch.setattr(sys, "argv", ["claimset", *command.split(), *args])
        try:
            main()
            code = 0
        except SystemExit as e:  # anything else escaping main() would be a traceback for the user
            code = e.code if isinstance(e.code, int) else int(e.code is not None)
        out = capsys.readouterr()
        _check(command, args, code, out.out + out.err, {p.name for p in cwd.iterdir()})


def test_version_and_short_help():
    from typer.testing import CliRunner

    from claimset.version import __version__

    for flag in ("--version", "-V"):
        r = CliRunner().invoke(app, [flag])
        assert r.exit_code == 0 and r.output.strip() == f"claimset {__version__}"
    for command in COMMANDS:
        r = CliRunner().invoke(app, [*command.split(), "-h"])
        assert r.exit_code == 0 and "Usage:" in r.output, (command, r.output)
