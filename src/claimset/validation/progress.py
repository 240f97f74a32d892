"""A progress bar for long validation runs (only when stderr is a terminal)."""

from __future__ import annotations

import sys
import threading
from pathlib import Path
from typing import Optional

from ..sources import layout


def can_fork() -> bool:
    import multiprocessing as mp

    return "fork" in mp.get_all_start_methods()


class Progress:
    """A progress bar (MB, MB/s, ETA) on stderr, only when stderr is a terminal."""

    def __init__(self, ctx, total: int):
        import multiprocessing as mp

        ctx.progress = mp.get_context("fork").Value("q", 0) if can_fork() else None
        ctx.progress_records = mp.get_context("fork").Value("q", 0, lock=False) if can_fork() else None
        self.ctx = ctx
        self.total = total
        self.stop_event = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    @classmethod
    def start(cls, ctx, units: list) -> Optional["Progress"]:
        if not sys.stderr.isatty():
            return None
        return cls(ctx, _total_bytes(units))

    def _run(self) -> None:
        from rich.progress import BarColumn, DownloadColumn, Progress as Bar, TextColumn, TimeRemainingColumn, TransferSpeedColumn

        with Bar(
            TextColumn("validating"),
            BarColumn(),
            TextColumn("{task.fields[records]:>12,} records"),
            DownloadColumn(),
            TransferSpeedColumn(),
            TimeRemainingColumn(),
            transient=True,
        ) as bar:
            task = bar.add_task("validate", total=self.total or None, records=0)
            while not self.stop_event.wait(0.2):
                if self.ctx.progress is not None:
                    bar.update(task, completed=self.ctx.progress.value, records=self.ctx.progress_records.value)

    def stop(self) -> None:
        self.stop_event.set()
        self.thread.join(timeout=2)


def _total_bytes(units: list) -> int:
    total = 0
    for u in units:
        try:
            if u.kind == "article":
                for name in (layout.ARTICLE_FILE, layout.TEXT_FILE, layout.CLAIMS_FILE):
                    p = Path(u.path) / name
                    if p.exists():
                        total += p.stat().st_size
            else:
                total += u.path.stat().st_size
        except OSError:
            pass
    return total
