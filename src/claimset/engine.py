"""The streaming, parallel validator's entry points (kept for the code that imports them)."""

from __future__ import annotations

from .validation.parallel import default_jobs, run
from .validation.stream import Context, Engine

__all__ = ["Context", "Engine", "default_jobs", "run"]
