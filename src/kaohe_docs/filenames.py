"""Names from the records as file names, and output paths that cannot leave their folder.

Unit and bureau *names* come from a repository that takes merge requests from every unit, so a
name such as ``../../evil`` or ``CON`` must never reach the file system as it is. Every output
file name that carries a name goes through ``safe_name`` (the one sanitiser), and every output
path is checked by ``inside`` (the one guard) before anything is written.
"""
from __future__ import annotations

import os
import re
import unicodedata
from pathlib import Path

from kaohe_docs.errors import KaoheError

# Not allowed in a file name on Windows (and "/" nowhere); control characters are handled below.
_FORBIDDEN = re.compile(r'[<>:"/\\|?*]')
# Device names Windows reserves in every folder, with or without an extension (CON, con.txt, COM¹ …).
_RESERVED = re.compile(r"(CON|PRN|AUX|NUL|CONIN\$|CONOUT\$|COM[0-9¹²³]|LPT[0-9¹²³])(\..*)?\Z", re.I)
# File systems allow 255 bytes per name; a name leaves room for a prefix and suffix around it.
MAX_NAME_BYTES = 150


def _unsafe_char(char: str) -> bool:
    """Control, format, private-use, surrogate and unassigned characters (and non-characters)."""
    return unicodedata.category(char) in ("Cc", "Cf", "Co", "Cs", "Cn") or (ord(char) & 0xFFFE) == 0xFFFE


def safe_name(text: str) -> str:
    """``text`` as one file-name component that is valid and harmless on every OS.

    Path separators and the characters Windows refuses become "_", as do control and invisible
    characters; leading dots (hidden files, ``..``), trailing dots and spaces are removed; Windows
    device names get a "_" prefix; the result is at most ``MAX_NAME_BYTES`` bytes of UTF-8.
    """
    text = unicodedata.normalize("NFC", str(text))
    text = "".join("_" if _unsafe_char(c) else c for c in text)
    text = _FORBIDDEN.sub("_", text)
    text = text.strip(" ").lstrip(".").rstrip(". ")
    if _RESERVED.match(text):
        text = f"_{text}"
    encoded = text.encode("utf-8")
    if len(encoded) > MAX_NAME_BYTES:
        text = encoded[:MAX_NAME_BYTES].decode("utf-8", errors="ignore").rstrip(". ")
    return text or "_"


def inside(folder: Path, relative: str | os.PathLike) -> Path:
    """``folder/relative``, or KaoheError when it is absolute or would resolve outside ``folder``."""
    rel = Path(relative)
    base = os.path.realpath(folder)
    target = os.path.realpath(os.path.join(base, rel))
    if rel.is_absolute() or ".." in rel.parts or os.path.commonpath([base, target]) != base or target == base:
        raise KaoheError(f"拒绝写入输出目录以外的位置：{relative}（名称中含有路径符号？）")
    return Path(folder) / rel


def inside_own(folder: Path, relative: str | os.PathLike) -> Path:
    """``inside`` for a folder this process made and alone writes in (a build's staging folder):
    nothing in it can be a link, so the path is checked as written, without asking the file system."""
    rel = Path(relative)
    if rel.is_absolute() or ".." in rel.parts or not rel.parts:
        raise KaoheError(f"拒绝写入输出目录以外的位置：{relative}（名称中含有路径符号？）")
    return Path(folder) / rel


def output_folder(root: Path, *parts: str) -> Path:
    """The default output folder ``root/parts…`` (e.g. ``build/sheets``), refusing symlinks on the way.

    A branch can commit ``build`` as a symlink to anywhere; following it would write outside the
    repository. (A folder the user names with ``--out`` is the user's choice and is used as given.)
    """
    folder = Path(root)
    for part in parts:
        folder = folder / part
        if folder.is_symlink():
            raise KaoheError(f"{folder} 是符号链接，出于安全原因不写入；请删除它（或用 --out/-o 指定输出位置）")
    return folder
