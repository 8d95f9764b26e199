"""The `kaohe` command line: a thin layer over the library."""
from kaohe_docs.cli.main import main

__all__ = ["main"]
