"""A release from validated sources, and what is published around it.

build.py       `claimset build`: Parquet, JSONL, manifest, checksums, Croissant, atomically
tablewriter.py the conversion stage: sorted runs merged into JSONL and Parquet shards
texts.py       the annotations-only edition's text fingerprints (no article text)
rehydrate.py   `claimset rehydrate`: the full edition again from the annotations and the texts
changelog.py   the versions CHANGELOG.md lists and their release dates
versions.py    release diffs, SemVer bumps and `claimset check-version`
verify.py      `claimset verify`: a release is exactly what its manifest says
card.py        the dataset card (README front matter, datasheet, figure)
croissant.py   Croissant 1.1 metadata
generated.py   the committed files generated from the models (`claimset schema export`)
"""
