#!/usr/bin/env python3
"""kaohe-docs benchmark: synthetic bureaus of 500, 2,000 and 10,000 people, one table.

    .venv/bin/python bench/bench.py                    # 500 and 2,000 full; 10,000 without the quarter build
    .venv/bin/python bench/bench.py --sizes 500        # quicker
    .venv/bin/python bench/bench.py --full-build-all   # also the 10,000-person quarter build (long)

Everything is measured in the same run, so the ratios hold on a noisy machine:
  parse floor      PyYAML's libyaml loader (CSafeLoader) only parsing every record file
  check cold/warm  `kaohe check` work in-process: empty caches / nothing changed
  score            load + assess, warm file cache
  engine floor     the quarter's documents (the same HTML) rendered by plain WeasyPrint, one process
  build full       `kaohe build QUARTER` from nothing (empty layout cache; parallel, all cores; no print bundle),
                   with where its time goes (parse, assess, HTML, layout, stamp, write) and its peak memory
  bundle           `kaohe build QUARTER --bundle` right after: every PDF reused, only the bundle joined
  rebuild none     the same with nothing changed
  draft one        first build after changing one person's monthly score, not committed (every page 草稿)
  commit one       that change committed, build again (every page names the new commit)
  empty commit     `git commit --allow-empty`, build again
  stamp per page   merging the stamp onto one finished page (the build's incremental update; pikepdf and pypdf
                   rewrites measured for comparison)
  year build       `kaohe build YEAR` (annual documents), and its peak memory
  peak RSS         the largest resident set of the build process or any of its workers
Progress on stderr, the table (Markdown) on stdout.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
QUARTER = "2026Q4"


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def timed(fn, repeat: int = 1) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def measured_process(code: str) -> tuple[float, float]:
    """Run Python code in a fresh process; (seconds, peak RSS in MB of it or any of its children)."""
    wrapper = (f"import resource, time, sys\nstart = time.perf_counter()\n{code}\n"
               "elapsed = time.perf_counter() - start\n"
               "peak = max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
               "print(f'{elapsed} {peak / 1024}', file=sys.stderr)")
    done = subprocess.run([PY, "-c", wrapper], capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"benchmark step failed:\n{done.stderr[-3000:]}")
    seconds, mb = done.stderr.strip().splitlines()[-1].split()
    LAST_STDERR[:] = done.stderr.splitlines()
    return float(seconds), float(mb)


LAST_STDERR: list[str] = []


def last_timings() -> dict:
    for line in LAST_STDERR:
        if line.startswith("TIMINGS "):
            return json.loads(line[len("TIMINGS "):])
    return {}


GIT_ENV = {**os.environ, "GIT_AUTHOR_NAME": "考核办", "GIT_AUTHOR_EMAIL": "kaohe@example.invalid",
           "GIT_COMMITTER_NAME": "考核办", "GIT_COMMITTER_EMAIL": "kaohe@example.invalid",
           "GIT_AUTHOR_DATE": "2027-01-10T10:00:00+08:00", "GIT_COMMITTER_DATE": "2027-01-10T10:00:00+08:00"}


def git(root: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True, env=GIT_ENV)


def stamp_libraries(root: Path, limit: int = 40) -> dict:
    """ms per page merging one overlay page onto laid-out PDFs: the build's incremental update
    (kaohe_docs.render.stamp.Stamper) against a full rewrite by pikepdf (qpdf) and by pypdf."""
    import io

    import pikepdf
    import pypdf

    from kaohe_docs.render.layout_cache import cache_dir
    from kaohe_docs.render.stamp import Stamp, Stamper, map_pages
    files = sorted(p for p in cache_dir(root).rglob("*.pdf") if "finished" not in p.parts)[:limit]
    datas = [f.read_bytes() for f in files]
    overlay = pikepdf.new()
    overlay.add_blank_page(page_size=(595.28, 841.89))
    buffer = io.BytesIO()
    overlay.save(buffer)
    over = buffer.getvalue()
    pages = sum(len(pypdf.PdfReader(io.BytesIO(d)).pages) for d in datas)

    def with_pikepdf():
        source = pikepdf.open(io.BytesIO(over))
        for data in datas:
            with pikepdf.open(io.BytesIO(data)) as pdf:
                form = pdf.copy_foreign(source.pages[0].as_form_xobject())
                for page in pdf.pages:
                    page.add_overlay(form)
                pdf.save(io.BytesIO(), deterministic_id=True)

    stamp = Stamp(public=False, code="", metadata={"/Title": "基准"})
    stamper = Stamper({stamp.variant(orientation): over for orientation in ("portrait", "landscape")})
    plans = [map_pages(data) for data in datas]

    def incremental():
        for data in datas:
            stamper.apply(data, stamp)

    def planned():  # what a build does at each commit: the layouts' plans are stored with them
        for data, plan in zip(datas, plans):
            data + stamper.appendix_from_map(plan, stamp)

    def with_pypdf():
        for data in datas:
            writer = pypdf.PdfWriter(clone_from=pypdf.PdfReader(io.BytesIO(data)))
            top = pypdf.PdfReader(io.BytesIO(over)).pages[0]
            for page in writer.pages:
                page.merge_page(top)
            writer.write(io.BytesIO())
    return {"planned": timed(planned, 3) * 1000 / pages, "incremental": timed(incremental, 3) * 1000 / pages, "pikepdf": timed(with_pikepdf, 3) * 1000 / pages,
            "pypdf": timed(with_pypdf, 3) * 1000 / pages}


def build_code(root: Path, period: str, bundle: bool = False) -> str:
    """`kaohe build PERIOD` in a fresh process, as a user runs it (the CLI, in-process so that the
    build's own timings can be printed: parse = loading the records, assess = scoring, grading,
    quotas and checks, then the build's steps)."""
    args = ["-C", str(root), "-q", "build", period] + (["--bundle"] if bundle else [])
    return (f"import json, time\nfrom kaohe_docs import pipeline\nimport kaohe_docs.render.build as B\n"
            f"from kaohe_docs.cli import main\nspent = {{'parse': 0.0, 'assess': 0.0}}\n"
            f"def timed(step, fn):\n"
            f"    def run(*a, **k):\n"
            f"        t = time.perf_counter()\n"
            f"        try:\n            return fn(*a, **k)\n"
            f"        finally:\n            spent[step] += time.perf_counter() - t\n"
            f"    return run\n"
            f"pipeline.load = timed('parse', pipeline.load)\n"
            f"pipeline.assess = timed('assess', pipeline.assess)\n"
            f"pipeline.run_checks = timed('assess', pipeline.run_checks)\n"
            f"results = []\nbuild_period = B.build_period\n"
            f"B.build_period = lambda *a, **k: results.append(build_period(*a, **k)) or results[-1]\n"
            f"main({args!r}, standalone_mode=False)\n"
            f"r = results[0]\n"
            f"print('TIMINGS ' + json.dumps({{**r.timings, **spent, 'rendered': r.rendered, 'reused': r.reused}}), file=sys.stderr)\n")


def engine_floor_code(html_dir: Path) -> str:
    """Plain WeasyPrint: one process, one FontConfiguration, the build's own HTML files."""
    return (f"from pathlib import Path\nimport weasyprint\nfrom weasyprint.text.fonts import FontConfiguration\n"
            f"fc = FontConfiguration()\nfor f in sorted(Path({str(html_dir)!r}).rglob('*.html')):\n"
            f"    weasyprint.HTML(string=f.read_text(encoding='utf-8'), base_url=str(f.parent)).write_pdf(font_config=fc)\n")


def pdf_facts(folder: Path) -> tuple[int, float]:
    import pypdf
    pages, size = 0, 0
    for pdf in folder.rglob("*.pdf"):
        size += pdf.stat().st_size
        if pdf.name != "00-打印合订本.pdf":
            pages += len(pypdf.PdfReader(pdf).pages)
    return pages, size / 1e6


def bench_size(people: int, work: Path, full_build: bool, floor: bool = True) -> dict:
    from kaohe_docs.pipeline import check_diagnostics, open_project
    from kaohe_example.synth import generate
    root = work / f"bureau-{people}"
    say(f"== {people} 人：生成模拟局")
    generate(root, people=people, policy_path=ROOT / "policy/policy.yaml", example=False)
    files = sorted((root / "records").rglob("*.yaml")) + [root / "policy/policy.yaml"]
    row = {"people": people, "files": len(files)}
    row["parse_floor"] = timed(lambda: [yaml.load(f.read_bytes(), Loader=yaml.CSafeLoader) for f in files], 3)

    def cold():
        from kaohe_docs.records.cache import cache_dir
        shutil.rmtree(cache_dir(root), ignore_errors=True)
        check_diagnostics(root)
    say("   check（无缓存 / 无改动）")
    row["check_cold"] = timed(cold, 3)
    diagnostics = check_diagnostics(root)
    row["errors"] = sum(d.level == "error" for d in diagnostics)
    row["check_warm"] = timed(lambda: check_diagnostics(root), 3)
    row["score"] = timed(lambda: open_project(root), 3)
    if full_build:
        git(root, "init", "-q", "-b", "main")
        (root / ".gitignore").write_text("build/\n.cache/\n", encoding="utf-8")
        git(root, "add", "-A")
        git(root, "commit", "-q", "-m", "记录")
        say("   build 全量（排版缓存为空）")
        shutil.rmtree(root / ".git/kaohe-cache", ignore_errors=True)
        shutil.rmtree(root / ".cache", ignore_errors=True)
        row["build_full"], row["rss_full"] = measured_process(build_code(root, QUARTER))
        row["timings"] = last_timings()
        row["pages"], row["mb"] = pdf_facts(root / "build" / QUARTER)
        say("   盖章：pikepdf 与 pypdf")
        row["stamp_libs"] = stamp_libraries(root)
        if floor:
            say("   engine floor（同一批 HTML，纯 WeasyPrint，单进程）")
            html = work / f"html-{people}"
            shutil.copytree(root / "build" / QUARTER, html, ignore=shutil.ignore_patterns("*.pdf", "*.json"))
            row["engine_floor"], row["rss_floor"] = measured_process(engine_floor_code(html))
            say("   合订本（全部沿用，只拼接）")
            row["bundle"], row["rss_bundle"] = measured_process(build_code(root, QUARTER, bundle=True))
            row["bundle_mb"] = (root / "build" / QUARTER / "00-打印合订本.pdf").stat().st_size / 1e6
        say("   rebuild 无改动")
        row["rebuild_none"], _ = measured_process(build_code(root, QUARTER))
        say("   改一人（未提交：草稿）/ 提交 / 空提交")
        unit = sorted((root / f"records/2026/Q{QUARTER[-1]}/units").glob("*.yaml"))[1]
        text = unit.read_text(encoding="utf-8")
        first = text.index("monthly: {") + len("monthly: {")
        month_end = text.index(":", first)
        value_end = text.index(",", month_end)
        unit.write_text(text[: month_end + 2] + str(int(text[month_end + 2: value_end]) - 1) + text[value_end:], encoding="utf-8")
        row["draft_one"], _ = measured_process(build_code(root, QUARTER))
        row["draft_timings"] = last_timings()
        git(root, "commit", "-q", "-am", "改一人一个月的绩效分")
        row["commit_one"], _ = measured_process(build_code(root, QUARTER))
        row["commit_timings"] = last_timings()
        git(root, "commit", "-q", "--allow-empty", "-m", "空提交")
        row["empty_commit"], _ = measured_process(build_code(root, QUARTER))
        row["empty_timings"] = last_timings()
    say("   build 年度文书")
    row["build_year"], row["rss_year"] = measured_process(build_code(root, "2026"))
    return row


def cli_help() -> float:
    kaohe = str(Path(PY).parent / "kaohe")
    return timed(lambda: subprocess.run([kaohe, "--help"], capture_output=True, check=True), 5)


def table(rows: list[dict], help_time: float) -> str:
    def f(row, key, fmt="{:.2f} s"):
        return fmt.format(row[key]) if key in row else "—"
    lines = ["| 指标 | " + " | ".join(f"{r['people']} 人" for r in rows) + " | 目标 |",
             "| --- | " + " | ".join("---" for _ in rows) + " | --- |"]

    def add(name, cells, target=""):
        lines.append(f"| {name} | " + " | ".join(cells) + f" | {target} |")
    add("记录文件数", [str(r["files"]) for r in rows])
    add("libyaml 解析下限", [f(r, "parse_floor", "{:.3f} s") for r in rows])
    add("check 无缓存", [f"{r['check_cold']:.3f} s（{r['check_cold'] / r['parse_floor']:.2f}×）" for r in rows], "≤ 2× 下限（2,000 人）")
    add("check 无改动", [f(r, "check_warm", "{:.3f} s") for r in rows], "≤ 0.3 s")
    add("score（加载+计算，文件缓存）", [f(r, "score", "{:.3f} s") for r in rows])
    add("engine floor（纯 WeasyPrint 单进程）", [f(r, "engine_floor") for r in rows])
    add("build 全量（并行，排版缓存为空）", [f"{r['build_full']:.2f} s（{r['build_full'] / r['engine_floor']:.2f}× floor）"
                          if "build_full" in r and "engine_floor" in r else f(r, "build_full") for r in rows],
        "≤ 0.55× floor，< 2 GiB（10,000 人）")
    add("合订本（沿用全部 PDF，只拼接）", [f"{r['bundle']:.2f} s / {r['bundle_mb']:.0f} MB" if "bundle" in r else "—"
                                      for r in rows])
    add("rebuild 无改动", [f(r, "rebuild_none") for r in rows], "≤ 1 s（500 人）")
    add("首次草稿 build（全量之后改一人，未提交）", [f(r, "draft_one") for r in rows], "≤ 3 s（2,000 人）")
    add("提交改一人之后 build", [f(r, "commit_one") for r in rows], "≤ 3 s（2,000 人），≤ 10 s（10,000 人）")
    add("空提交之后 build", [f(r, "empty_commit") for r in rows], "≤ 2 s（2,000 人）")

    def stamp_cell(r):
        t = r.get("timings", {})
        if not t.get("pages"):
            return "—"
        per_page = t["stamp"] * 1000 / t["pages"]
        return f"{per_page:.2f} ms/页（占全量 {(t['stamp'] + t.get('stamp_overlay', 0)) / r['build_full']:.1%}）"
    add("盖章（每页，全量中）", [stamp_cell(r) for r in rows])
    add("盖章方式对比：增量更新（页面树已知 / 先读页面树）/ pikepdf 重写 / pypdf（每页）",
        [f"{r['stamp_libs']['planned']:.3f} / {r['stamp_libs']['incremental']:.2f} / {r['stamp_libs']['pikepdf']:.2f} / "
         f"{r['stamp_libs']['pypdf']:.2f} ms"
         if "stamp_libs" in r else "—" for r in rows])
    add("季度 PDF 页数 / MB（不含合订本）", [f"{r['pages']} 页 / {r['mb']:.1f} MB" if "pages" in r else "—" for r in rows])
    add("季度 build 峰值内存", [f(r, "rss_full", "{:.0f} MB") for r in rows])
    add("engine floor 峰值内存", [f(r, "rss_floor", "{:.0f} MB") for r in rows])
    add("年度 build", [f(r, "build_year") for r in rows])
    add("年度 build 峰值内存", [f(r, "rss_year", "{:.0f} MB") for r in rows], "< 2 GiB（10,000 人）")
    add("记录错误数", [str(r["errors"]) for r in rows], "0")
    lines.append(f"\n`kaohe --help`：{help_time:.3f} s（目标 < 0.3 s）；机器：{os.cpu_count()} 核。")
    timed_rows = [r for r in rows if r.get("timings")]
    if timed_rows:
        lines += ["", "全量 build 的时间去向（排版缓存为空；读取 = 解析全部 YAML，计算 = 计分定等名额和校验；"
                  "排版 = WeasyPrint 进程池；盖章 = 来源标记版面 + 合并到每页；写出 = 哈希和清单）：", "",
                  "| 步骤 | " + " | ".join(f"{r['people']} 人" for r in timed_rows) + " |",
                  "| --- | " + " | ".join("---" for _ in timed_rows) + " |"]
        steps = [("读取（parse）", "parse"), ("计算（assess + checks）", "assess"), ("HTML（内容）", "html"),
                 ("HTML 页面写出", "html_pages"), ("排版（layout）", "layout"), ("盖章版面（overlay）", "stamp_overlay"),
                 ("盖章（stamp）", "stamp"), ("写出（write）", "write")]
        for label, key in steps:
            lines.append(f"| {label} | " + " | ".join(
                f"{r['timings'].get(key, 0):.2f} s（{r['timings'].get(key, 0) / r['build_full']:.0%}）"
                for r in timed_rows) + " |")
        lines.append("| 合计（进程内计时） | " + " | ".join(f"{r['build_full']:.2f} s" for r in timed_rows) + " |")
        for title, key, total in (("首次草稿 build", "draft_timings", "draft_one"), ("提交之后 build", "commit_timings", "commit_one"),
                                  ("空提交之后 build", "empty_timings", "empty_commit")):
            lines += ["", f"{title}的时间去向（未列出的是启动、文书计划和核对缓存）：", "",
                      "| 步骤 | " + " | ".join(f"{r['people']} 人" for r in timed_rows) + " |",
                      "| --- | " + " | ".join("---" for _ in timed_rows) + " |"]
            for label, step in steps:
                lines.append(f"| {label} | " + " | ".join(f"{r.get(key, {}).get(step, 0):.2f} s" for r in timed_rows) + " |")
            lines.append("| 重新排版的文书 | " + " | ".join(str(r.get(key, {}).get("rendered", "—")) for r in timed_rows) + " |")
            lines.append("| 合计 | " + " | ".join(f(r, total) for r in timed_rows) + " |")
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[500, 2000, 10000])
    parser.add_argument("--full-build-all", action="store_true", help="also the full quarter build above 2,000 people")
    parser.add_argument("--no-floor-above", type=int, default=None, metavar="N",
                        help="skip the engine floor and the bundle above N people (the floor alone is a long single-process run)")
    parser.add_argument("--json", type=Path, help="also write the raw figures to this file")
    args = parser.parse_args()
    # bytecode as an installed package has it (Python writes it on first import; PYTHONDONTWRITEBYTECODE
    # on a developer's machine would otherwise make every measured process compile the program again)
    subprocess.run([PY, "-m", "compileall", "-q", str(ROOT / "src")], check=True, capture_output=True)
    work = Path(tempfile.mkdtemp(prefix="kaohe-bench-"))
    try:
        rows = [bench_size(n, work, full_build=n <= 2000 or args.full_build_all,
                           floor=args.no_floor_above is None or n <= args.no_floor_above) for n in args.sizes]
        help_time = cli_help()
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2), encoding="utf-8")
    print(table(rows, help_time), end="")
    return 0


if __name__ == "__main__":
    sys.exit(main())
