"""The claimset benchmark: tasks, the prediction format, the official scorer, splits and baselines.

docs/benchmark.md defines the tasks and reports the baselines; `claimset evaluate` and
`claimset agree` share this package's matching and metrics.
"""

from __future__ import annotations

import importlib

# Imported on first use (PEP 562) so that `claimset --help` and every other command do not pay
# for the scorer and the prediction models they never touch.
_EXPORTS = {
    "evaluate": "evaluation",
    "format_evaluation": "evaluation",
    "load_gold": "evaluation",
    "Prediction": "predictions",
    "PredictionError": "predictions",
    "prediction_json_schema": "predictions",
    "TASKS": "scorer",
    "Evaluation": "scorer",
    "score": "scorer",
    "split_articles": "splits",
    "split_names": "splits",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    if name in _EXPORTS:
        return getattr(importlib.import_module(f".{_EXPORTS[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
