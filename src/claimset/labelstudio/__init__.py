"""Annotating in Label Studio: `claimset export label-studio` and `claimset import label-studio`.

config.py  the labeling interface (XML) covering every claim field
tasks.py   the export: tasks with the existing claims as pre-annotations
claims.py  one annotation's regions and answers -> claim records
importer.py  a Label Studio JSON export -> validated claims.jsonl files or passes
offsets.py  Label Studio's UTF-16 positions <-> claimset's code points
cli.py     the two commands (register(app))
"""
