"""The one command-line entry; each command delegates to a library function tests call directly.

entry.py       the console script: signal handlers, then the app
main.py        the app and the core commands (validate, build, explore, schema, agree)
contribute.py  contributor commands (new-article, new-entity, find, add-claim, stats, coverage)
publish.py     publishing commands (diff, check-version, verify, rehydrate)
"""
