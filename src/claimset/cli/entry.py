"""The console script: signal handlers first, then the CLI, so a signal at any moment ends quietly."""

import sys


def main() -> None:
    try:
        from ..outputs import Terminated, exit_terminated, install_signal_handlers
    except KeyboardInterrupt:
        sys.exit(130)
    try:
        install_signal_handlers()
        from .main import main as cli_main
        from ..validation.validate import UsageError  # noqa: F401  (imported here, where a signal ends quietly)
    except KeyboardInterrupt:
        sys.exit(130)
    except Terminated as t:
        exit_terminated(t)
    cli_main()
