"""One version for the package and the dataset (SemVer, TensorFlow Datasets' meaning).

PATCH: same records, metadata or serialisation fixed. MINOR: records or optional fields added,
existing records unchanged. MAJOR: existing records changed or removed, or a breaking schema change.
Release notes per version are in CHANGELOG.md.
"""

__version__ = "1.0.0"
SCHEMA_VERSION = "1.2.0"
OFFSETS = "unicode-code-points, end-exclusive"
