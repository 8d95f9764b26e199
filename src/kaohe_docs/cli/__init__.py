"""The `kaohe` command line: a thin layer over the library.

``main`` (cli/main.py) is the command group with the record commands; the audit and
spreadsheet command groups register themselves on it when this package is imported.
"""
from kaohe_docs.cli import audit, build, quarter, sheets  # noqa: F401  (register their commands on main)
from kaohe_docs.cli.main import main

__all__ = ["main"]
