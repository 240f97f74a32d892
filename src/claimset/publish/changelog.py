"""The versions CHANGELOG.md lists, and the dates it gives them.

A heading `## X.Y.Z (YYYY-MM-DD)` is a release of that date; a heading without a date is a
version not released yet. The dates feed Croissant's datePublished, the BibTeX year and
CITATION.cff, so a release date is written in one place.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Optional

CHANGELOG_HEADING = re.compile(r"^##\s+\[?v?(\d+\.\d+\.\d+(?:[-+][0-9A-Za-z.+-]+)?)\]?(?=\s|$)", re.M)


def changelog_versions(root: Path) -> list[str]:
    path = Path(root) / "CHANGELOG.md"
    if not path.is_file():
        return []
    return CHANGELOG_HEADING.findall(path.read_text(encoding="utf-8"))


CHANGELOG_DATED = re.compile(r"^##\s+\[?v?(\d+\.\d+\.\d+(?:[-+][0-9A-Za-z.+-]+)?)\]?\s+\((\d{4}-\d{2}-\d{2})\)\s*$", re.M)


def changelog_dates(text: str) -> dict[str, str]:
    """Release dates from CHANGELOG headings `## X.Y.Z (YYYY-MM-DD)`; a heading without a date is a
    version not released yet. Raises ValueError on a date the calendar does not have."""
    import datetime as dt

    out = {}
    for version, date in CHANGELOG_DATED.findall(text):
        dt.date.fromisoformat(date)
        out[version] = date
    return out


def release_date(root: Path, version: str) -> Optional[str]:
    """The date `version` was released (CHANGELOG.md under `root`), or None while it is unreleased."""
    path = Path(root) / "CHANGELOG.md"
    if not path.is_file():
        return None
    return changelog_dates(path.read_text(encoding="utf-8")).get(version)
