"""Spreadsheet commands (import/export): registered on the main ``kaohe`` group.

Heavy imports (openpyxl) happen inside the commands.
"""
from __future__ import annotations
