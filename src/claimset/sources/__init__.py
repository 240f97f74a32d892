"""The sources in data/: how they are laid out, read strictly, and made.

layout.py   where each record lives in data/ and how it is written
jsonio.py   strict JSON reading (UTF-8, LF, no duplicate keys, bounded size), failures as rule codes
jsonpos.py  the line and column of a value in JSON text, for error messages
ingest.py   a raw text file becomes an article source (checks, NFC, hash, boilerplate)
synth.py    seeded synthetic sources generated from the models (benchmarks, tests)
"""
