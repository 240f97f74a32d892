"""The validator, one layer per module; every rule is written once.

problems.py   Problem, Report, Sink, Origin: where a problem is and what it says
files.py      discovery of the sources (C101-C105 for folders and names)
structure.py  JSON Schema layer (C3xx): jsonschema, only to word the problems of a failing record
typed.py      msgspec types generated from the same JSON Schema: the cheap structure check
records.py    record rules (C4xx), one function per rule family, over the decoded records
dataset.py    dataset rules (C5xx): IDs, references, clusters
reader.py     the one-process reader (whole files), the reference for the streaming reader
folders.py    the streaming reader's article folders (one listing, one read per file)
stream.py     the streaming reader: JSONL in chunks, typed decode, rollback of a failing file
locations.py  records read again by location (the few a dataset problem names)
parallel.py   a run: parts in worker processes, merged in source order, then the dataset checks
progress.py   the progress bar
"""
