"""claimset: news articles with claims that are attributed, anchored and typed.

    import claimset
    claims = claimset.load("claims")          # pyarrow.Table
    for c in claimset.records("claims"): ...  # pydantic models
"""

from .load import load, load_hf, load_pandas, manifest, records
from .models import Article, Claim, Cluster, Entity
from .version import SCHEMA_VERSION, __version__

__all__ = [
    "Article",
    "Claim",
    "Cluster",
    "Entity",
    "SCHEMA_VERSION",
    "__version__",
    "load",
    "load_hf",
    "load_pandas",
    "manifest",
    "records",
]
