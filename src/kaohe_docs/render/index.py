"""``build/index.html``: every period built, its documents and their provenance."""
from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from markupsafe import escape


def write_index(out: Path) -> Path:
    periods = []
    for manifest in sorted(out.glob("*/manifest.json")):
        try:
            periods.append(json.loads(manifest.read_text(encoding="utf-8")))
        except (OSError, ValueError):
            continue
    parts = ["<!DOCTYPE html><html lang='zh-CN'><head><meta charset='utf-8'><title>平时考核文书目录</title>",
             "<style>body{font-family:'Noto Sans CJK SC',sans-serif;margin:2em;}td,th{border:1px solid #999;"
             "padding:4px 8px;}table{border-collapse:collapse;}.draft{color:#b00;font-weight:bold;}</style></head><body>",
             "<h1>平时考核文书目录</h1>"]
    for p in periods:
        period = escape(p["period"])
        word = "草稿" if p["draft"] else str(p.get("status") or "状态未记录（旧版本生成，请重新生成）")
        state = escape(word) if word == "正式" else f"<span class='draft'>{escape(word)}</span>"
        parts.append(f"<h2>{escape(p['bureau'])} {period}</h2><p>{state} · {escape(p['provenance'])}</p>")
        if p.get("bundle"):  # only builds with --bundle or --final join one
            parts.append(f"<p><a href='{period}/{escape(p['bundle']['path'])}.pdf'>打印合订本（PDF）</a></p>")
        parts.append("<table><tr><th>文书</th><th>PDF</th><th>HTML</th></tr>")
        for d in p["documents"]:
            href = f"{period}/{escape(d['path'])}"
            pdf = f"<a href='{href}.pdf'>PDF</a>" if p.get("pdf", True) else "（未生成）"
            parts.append(f"<tr><td>{escape(d['title'])}</td><td>{pdf}</td>"
                         f"<td><a href='{href}.html'>HTML</a></td></tr>")
        parts.append("</table>")
    parts.append("</body></html>\n")
    fd, tmp = tempfile.mkstemp(dir=out, prefix=".index-")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write("".join(parts))
    os.replace(tmp, out / "index.html")
    return out / "index.html"
