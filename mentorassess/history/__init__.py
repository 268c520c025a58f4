"""A program's history across cycles: a store, a release ledger and pooling over fixed blocks (issue 22).

See ``docs/history.md``. Modules: :mod:`.schema` (tables, migrations), :mod:`.store` (opening,
locking, the program secret), :mod:`.ledger` (recording a run, the differencing check),
:mod:`.pooling` (results for small-n mentors over closed blocks), :mod:`.queries` (list, mentor,
export, forget).
"""
