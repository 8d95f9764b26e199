"""Font stacks from policy, resolved through fontconfig, and the missing-glyph check.

Each role (title, body, heading, kai, table) lists families in order of preference; the
first one installed is used. A character that the resolved fonts lack is an error that
names the document and the text: a blank box on an official paper is never acceptable.
"""
from __future__ import annotations

import bisect
import functools
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field

from kaohe_docs.errors import KaoheError

ALWAYS_OK = frozenset(" \n\t\r\u00a0")


def _fc_list(*args: str) -> str:
    if shutil.which("fc-list") is None:
        raise KaoheError("找不到 fontconfig（fc-list），请先运行安装脚本 scripts/setup")
    return subprocess.run(["fc-list", *args], capture_output=True, text=True, check=False).stdout


def _family_key(family: str) -> str:
    """A family name as fontconfig compares it: without blanks, case-insensitive."""
    return "".join(family.split()).casefold()


@functools.lru_cache(maxsize=None)
def _installed() -> dict[str, tuple[str, ...]]:
    """Every installed family (each of its names, as ``_family_key``) → its font files: one fc-list run."""
    found: dict[str, set[str]] = {}
    for line in _fc_list("--format", "%{family}\t%{file}\n").splitlines():
        names, _, file = line.rpartition("\t")
        for name in re.split(r"(?<!\\),", names):
            if name.strip() and file:
                found.setdefault(_family_key(name.replace("\\,", ",")), set()).add(file)
    return {family: tuple(sorted(files)) for family, files in found.items()}


@functools.lru_cache(maxsize=None)
def _charset(family: str) -> tuple[tuple[int, int], ...]:
    """Unicode ranges covered by an installed family (empty when it is not installed)."""
    ranges = set()
    for line in _fc_list(f":family={family}", "charset").splitlines():
        for part in line.replace(":charset=", "").split():
            low, _, high = part.partition("-")
            try:
                ranges.add((int(low, 16), int(high or low, 16)))
            except ValueError:
                continue
    return tuple(sorted(ranges))


@dataclass(frozen=True)
class Fonts:
    """The family chosen for each role, and what those families cover together (asked of fontconfig
    only when a text is checked: a build whose pages are all cached never needs it)."""

    families: dict  # role → family
    weights: dict = field(default_factory=dict)  # role → CSS font-weight of the entry chosen ("Noto Serif CJK SC:bold")
    fallback: tuple = ()  # installed families the policy declares for characters a role's family lacks

    @functools.cached_property
    def ranges(self) -> tuple[tuple[int, int], ...]:  # sorted, merged
        chosen = set(self.families.values()) | set(self.fallback)
        return _merge(sorted({r for family in chosen for r in _charset(family)}))

    def covers(self, char: str) -> bool:
        return covered(self.ranges, char)

    def missing(self, text: str) -> list[str]:
        return sorted(c for c in set(text) if not self.covers(c))


def covered(ranges: tuple[tuple[int, int], ...], char: str) -> bool:
    code = ord(char)
    i = bisect.bisect_right(ranges, (code, sys.maxunicode + 1)) - 1
    return char in ALWAYS_OK or (i >= 0 and ranges[i][0] <= code <= ranges[i][1])


@functools.lru_cache(maxsize=None)
def stack_ranges(families: tuple[str, ...]) -> tuple[tuple[int, int], ...]:
    """What a CSS font-family list covers together (the families fontconfig knows)."""
    return _merge(sorted({r for family in families for r in _charset(family)}))


# A policy entry may name a weight after a colon ("Noto Serif CJK SC:bold": the heavier face of a free
# family for the title, as 小标宋 is a heavy face); the weight must be installed for the entry to be chosen.
WEIGHTS = {"medium": ("500", 100), "semibold": ("600", 180), "bold": ("bold", 200), "black": ("900", 210)}


def _entry(entry: str) -> tuple[str, str, int | None]:
    """(family, CSS weight, fontconfig weight or None) of a policy entry."""
    family, _, weight = entry.rpartition(":") if ":" in entry else (entry, "", "")
    css, fc = WEIGHTS.get(weight.strip().casefold(), ("normal", None)) if weight else ("normal", None)
    return family.strip(), css, fc


@functools.lru_cache(maxsize=None)
def _has_weight(family: str, weight: int) -> bool:
    return bool(_fc_list(f":family={family}:weight={weight}", "family").strip())


def resolve(stacks: dict[str, tuple[str, ...]]) -> Fonts:
    installed = _installed()
    families, weights = {}, {}
    for role, stack in stacks.items():
        if role == "fallback":
            continue
        for entry in stack:
            family, css, fc = _entry(entry)
            if _family_key(family) in installed and (fc is None or _has_weight(family, fc)):
                families[role], weights[role] = family, css
                break
        else:
            raise KaoheError(f"字体“{role}”所列的字体（{'、'.join(stack)}）都没有安装；"
                             "请运行 scripts/setup 安装免费中文字体，或在 policy/policy.yaml 的 fonts 中改用已安装的字体")
    fallback = tuple(_entry(e)[0] for e in stacks.get("fallback", ()) if _family_key(_entry(e)[0]) in installed)
    return Fonts(families, weights, fallback)


def _merge(ranges: list[tuple[int, int]]) -> tuple[tuple[int, int], ...]:
    merged: list[list[int]] = []
    for low, high in ranges:
        if merged and low <= merged[-1][1] + 1:
            merged[-1][1] = max(merged[-1][1], high)
        else:
            merged.append([low, high])
    return tuple((low, high) for low, high in merged)


def font_files(families: tuple[str, ...]) -> tuple[str, ...]:
    """The files behind the chosen families (their identity is part of every PDF's key)."""
    installed = _installed()
    return tuple(sorted({file for family in families for file in installed.get(_family_key(family), ())}))


# The free fonts scripts/setup installs (Debian packages) and the families they provide; the CI templates
# install exactly these, so a paper built by CI verifies on the office's machine (tests keep them in step).
FREE_FONT_PACKAGES = {"fonts-noto-cjk": ("Noto Serif CJK SC", "Noto Sans CJK SC"), "fonts-lxgw-wenkai": ("LXGW WenKai",)}


def install_hint(family: str) -> str:
    """How to install a font family on this machine, in words."""
    for package, families in FREE_FONT_PACKAGES.items():
        if _family_key(family) in {_family_key(f) for f in families}:
            return f"安装 Debian 软件包 {package}（sudo apt-get install {package}，或运行 scripts/setup）"
    return "把该字体文件安装到系统字体目录（fontconfig 能找到，fc-list 可以列出），它不能随本项目分发"


@functools.lru_cache(maxsize=None)
def _file_digest(path: str, size: int, mtime_ns: int) -> str:
    import hashlib
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()[:16]


def environment(fonts: Fonts) -> dict:
    """What makes a PDF besides its content: WeasyPrint and pydyf versions, and each role's font by family
    and the first 16 hex digits of the SHA-256 of each of its files. Recorded in every PDF (``/kaoheenv``)."""
    import os
    from importlib.metadata import version
    out: dict = {"weasyprint": version("weasyprint"), "pydyf": version("pydyf"), "fonts": {}}
    for role, family in sorted(fonts.families.items()):
        files = []
        for path in font_files((family,)):
            try:
                st = os.stat(path)
                files.append([os.path.basename(path), _file_digest(path, st.st_size, st.st_mtime_ns)])
            except OSError:
                continue
        out["fonts"][role] = {"family": family, "files": files}
    return out


ROLE_ZH = {"title": "标题", "body": "正文", "heading": "黑体标题", "kai": "楷体", "table": "表格", "stamp": "来源标记"}


def environment_differences(then: dict, now: dict) -> list[str]:
    """What differs between the environment a PDF records and this machine's, each with how to match it."""
    out = []
    for name, label in (("weasyprint", "WeasyPrint"), ("pydyf", "pydyf")):
        if then.get(name) != now.get(name):
            out.append(f"{label} 原为 {then.get(name) or '（未记录）'}，本机为 {now.get(name)}"
                       f"（pip install \"{name}=={then.get(name)}\"）" if then.get(name) else
                       f"{label} 原来的版本未记录，本机为 {now.get(name)}")
    fonts_then, fonts_now = then.get("fonts") or {}, now.get("fonts") or {}
    for role in sorted(set(fonts_then) | set(fonts_now)):
        a, b = fonts_then.get(role) or {}, fonts_now.get(role) or {}
        if a == b:
            continue
        label = ROLE_ZH.get(role, role)
        files = "、".join(f"{name}（SHA-256 {digest}…）" for name, digest in a.get("files", ()))
        if a.get("family") != b.get("family"):
            out.append(f"{label}字体原为“{a.get('family', '—')}”（{files or '文件未记录'}），本机为“{b.get('family', '—')}”："
                       f"{install_hint(a.get('family', ''))}")
        else:
            out.append(f"{label}字体“{a.get('family')}”的文件不同：原为 {files or '（未记录）'}，本机为 "
                       + "、".join(f"{n}（SHA-256 {d}…）" for n, d in b.get("files", ()))
                       + "（字体版本不同：请安装与生成文书的电脑相同版本的字体）")
    return out
