"""claimset: news articles with claims that are attributed, anchored and typed.

    import claimset
    claims = claimset.load("claims")          # pyarrow.Table
    for c in claimset.records("claims"): ...  # pydantic models
    claimset.load("claims", split="test")     # a benchmark split
    claimset.evaluate("predictions.jsonl", split="test")  # the official scorer

The names below are imported on first use (loaders.py, models.py), so `import claimset` and the
start of the CLI stay light.
"""

from .version import SCHEMA_VERSION, __version__

_LAZY = {
    "load": "loaders",
    "load_hf": "loaders",
    "load_pandas": "loaders",
    "manifest": "loaders",
    "records": "loaders",
    "Article": "models",
    "Claim": "models",
    "Cluster": "models",
    "Entity": "models",
    "evaluate": "benchmark",
}

__all__ = sorted([*_LAZY, "SCHEMA_VERSION", "__version__"])


def __getattr__(name: str):
    if name in _LAZY:
        import importlib

        value = getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'claimset' has no attribute {name!r}")


def __dir__():
    return __all__
