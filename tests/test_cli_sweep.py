"""Every command, given bad arguments or run outside a repository: a one-line error and exit 1 or 2,
never a traceback, and nothing written where it was not asked to write."""

from __future__ import annotations

import subprocess
import sys

import pytest

import typer

from claimset.cli import app


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


@pytest.mark.parametrize("command", COMMANDS)
def test_bad_arguments_outside_a_repository(command, tmp_path):
    for args in BAD_ARGS:
        cwd = tmp_path / "cwd"
        cwd.mkdir(exist_ok=True)
        r = subprocess.run(
            [sys.executable, "-m", "claimset", *command.split(), *args], cwd=cwd, capture_output=True, text=True, timeout=120
        )
        out = r.stdout + r.stderr
        assert "Traceback" not in out and "internal error" not in out, (command, args, out[-3000:])
        assert r.returncode in (0, 1, 2), (command, args, r.returncode, out[-2000:])
        if r.returncode:
            assert out.strip(), (command, args)
        created = {p.name for p in cwd.iterdir()}
        assert created <= WRITES_BY_DEFAULT.get(command, set()), (command, args, created)
        if args:
            assert r.returncode == 2, (command, args, out[-1000:])  # a usage error, not a result


def test_version_and_short_help():
    from typer.testing import CliRunner

    from claimset.version import __version__

    for flag in ("--version", "-V"):
        r = CliRunner().invoke(app, [flag])
        assert r.exit_code == 0 and r.output.strip() == f"claimset {__version__}"
    for command in COMMANDS:
        r = CliRunner().invoke(app, [*command.split(), "-h"])
        assert r.exit_code == 0 and "Usage:" in r.output, (command, r.output)
