"""Whole-run caches: a build on unchanged inputs neither loads the records nor renders a template.

- ``open_project(deferred=True)``: unchanged inputs (content of every file under policy/ and
  records/, and the code) answer from the diagnostics cache; the records load on first use.
- The plan cache: a period's documents and their content keys, by the key of every input.
- The content cache: each document's content HTML, keyed by its data (``content_key``).
- The records cache's decoder (``revive``), which reads the typed results back while parsing.
"""
from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest

from conftest import edit
from kaohe_docs import pipeline
from kaohe_docs.documents import Document, Lines, Words
from kaohe_docs.model import Grade, Quarter, Src
from kaohe_docs.pipeline import open_project
from kaohe_docs.records.cache import cache_dir, encode, read_json, revive
from kaohe_docs.render import build as build_module
from kaohe_docs.render import layout_cache
from kaohe_docs.render.build import Builder, build_period

Q1 = Quarter(2026, 1)
SOLO = "records/2026/Q1/units/solo.yaml"


def html_build(root):
    """An HTML-only build (no layout: fast) from a deferred project; (result, {path: text})."""
    project = open_project(root, deferred=True)
    result = build_period(project, Q1, root / "build", pdf=False)
    folder = root / "build/2026Q1"
    return result, {p.relative_to(folder).as_posix(): p.read_text(encoding="utf-8") for p in sorted(folder.rglob("*.html"))}


class Counting:
    """Counts the calls of a function it replaces (and still calls it)."""

    def __init__(self, monkeypatch, owner, name):
        self.calls = 0
        original = getattr(owner, name)

        def counted(*args, **kwargs):
            self.calls += 1
            return original(*args, **kwargs)
        monkeypatch.setattr(owner, name, counted)


# --- the deferred project ---------------------------------------------------------------------------

def test_a_project_whose_inputs_did_not_change_is_not_loaded_until_used(mini, monkeypatch):
    first = open_project(mini, deferred=True)
    loads = Counting(monkeypatch, pipeline, "load")
    again = open_project(mini, deferred=True)
    assert loads.calls == 0 and again.diagnostics == first.diagnostics and again.quarters == [Q1]
    assert again.info.name == first.loaded.bureau.info.name and again.policy == first.loaded.policy
    assert loads.calls == 0  # the policy and the bureau's description are read alone
    assert again.assessment.decided(Q1) and loads.calls == 1  # first use: loaded and assessed once
    edit(mini, SOLO, "德: 19", "德: 29")
    changed = open_project(mini, deferred=True)
    assert loads.calls == 2  # an input changed: opened fully
    assert [d.message for d in changed.errors] == ["刘洋（警号 020001）共性要素“德”得分 29 超过满分 20"]


def test_a_damaged_or_older_diagnostics_cache_is_computed_again(mini):
    first = open_project(mini, deferred=True).diagnostics
    path = cache_dir(mini) / pipeline.CHECK_CACHE
    entry = json.loads(path.read_text(encoding="utf-8"))
    for damaged in ({**entry, "quarters": ["2026Q5"]}, {**entry, "diagnostics": [["x", "1", "error", "m", "", 0, ""]]},
                    {key: value for key, value in entry.items() if key != "quarters"}):  # written by an earlier version
        path.write_text(json.dumps(damaged), encoding="utf-8")
        project = open_project(mini, deferred=True)
        assert project.loaded is not None and project.diagnostics == first


# --- plan and content caches ------------------------------------------------------------------------

def test_an_unchanged_build_neither_loads_the_records_nor_renders(mini, monkeypatch):
    _, first = html_build(mini)
    loads = Counting(monkeypatch, pipeline, "load")
    renders = Counting(monkeypatch, Builder, "html")
    result, again = html_build(mini)
    assert (loads.calls, renders.calls) == (0, 0) and again == first and len(first) == 13
    assert result.diagnostics == []


def test_a_changed_record_renders_only_the_documents_whose_data_changed(mini, monkeypatch):
    html_build(mini)
    renders = Counting(monkeypatch, Builder, "html")
    edit(mini, SOLO, "3: 96", "3: 97")
    _, changed = html_build(mini)
    # 刘洋's unit table, registration form, feedback letter, his unit's 简明情况登记表 and the 核准报告 (his total)
    assert renders.calls == 5
    monkeypatch.undo()
    layout_cache_dir = layout_cache.cache_dir(mini)
    for entry in layout_cache_dir.rglob("*.json"):
        entry.unlink()  # from nothing
    _, clean = html_build(mini)
    assert changed == clean


def test_a_damaged_content_entry_is_rendered_again(mini, monkeypatch):
    _, first = html_build(mini)
    entries = sorted((layout_cache.cache_dir(mini) / "content").rglob("*.json"))
    assert len(entries) == 13
    entries[0].write_text('{"key": "', encoding="utf-8")  # cut short (a full disk)
    entries[1].write_text(json.dumps({"key": "another", "markup": "<p>planted</p>"}), encoding="utf-8")
    renders = Counting(monkeypatch, Builder, "html")
    _, again = html_build(mini)
    assert renders.calls == 2 and again == first  # planned again; the nine sound entries are used
    renders.calls = 0
    assert html_build(mini)[1] == first and renders.calls == 0


def test_the_plan_cache_is_keyed_by_the_templates_too(mini, monkeypatch):
    html_build(mini)
    (mini / "templates").mkdir(exist_ok=True)
    base = (build_module.Path(build_module.__file__).parent.parent / "templates/publicity.html").read_text(encoding="utf-8")
    (mini / "templates/publicity.html").write_text(base.replace("可以书面或当面反映", "可以书面、电话或当面反映", 1), encoding="utf-8")
    renders = Counting(monkeypatch, Builder, "html")
    _, again = html_build(mini)
    assert renders.calls == 13  # the environment key (templates) is part of every content key
    assert "可以书面、电话或当面反映" in again["01-公示.html"]


def test_the_content_key_encodes_each_value_with_its_type():
    def key(context, **fields):
        doc = Document(**{"id": "2026Q1/x", "title": "表", "kind": "form", "template": "table.html", "path": "x",
                          "period": "2026年第一季度", "context": context, **fields})
        return layout_cache.content_key("env", {"bureau": "清河县公安局"}, doc)
    same = key({"rows": [["1", "王志强"]]})
    assert same == key({"rows": [["1", "王志强"]]})
    different = [key({"rows": [[1, "王志强"]]}), key({"rows": [Lines(("1", "王志强"))]}), key({"rows": [Words(("1", "王志强"))]}),
                 key({"rows": [("1", "王志强")]}), key({"rows": [["1王", "志强"]]}), key({"rows": [["1", "王志强"]], "n": None}),
                 key({"rows": [["1", "王志强"]]}, title="表二"), key({"rows": [["1", "王志强"]]}, draft=True),
                 key({"d": Decimal("1.0")}), key({"d": Decimal("1.00")}), key({"d": dt.date(2026, 1, 1)}),
                 key({"d": Grade.GOOD}), key({"d": Src("a", 1)}), key({"d": frozenset({"a"})})]
    assert len({same, *different}) == len(different) + 1
    assert layout_cache.content_key("env2", {"bureau": "清河县公安局"}, Document("a", "b", "c", "d", "e", "f", {})) != \
        layout_cache.content_key("env", {"bureau": "清河县公安局"}, Document("a", "b", "c", "d", "e", "f", {}))
    with pytest.raises(layout_cache.Opaque):
        key({"x": object()})


# --- the records cache's decoder ---------------------------------------------------------------------

def test_revive_reads_back_every_kind_of_value_encode_writes(tmp_path):
    value = [Src("records/x.yaml", 3), Grade.GOOD, Decimal("95.50"), dt.date(2026, 3, 31), ("a", 1), {"b"},
             frozenset({2}), {("k", 1): [Decimal("1")], "s": None}, [True, "text", {Quarter(2026, 1): "Q1"}]]
    path = tmp_path / "entry.json"
    path.write_text(json.dumps(encode(value), ensure_ascii=False), encoding="utf-8")
    back = read_json(path, revive)
    assert back == value and [type(v) for v in back] == [type(v) for v in value]


@pytest.mark.parametrize("damaged", [
    {"$c": "Src", "f": {"file": "x"}},  # a field missing
    {"$c": "NotOurs", "f": {}},
    {"$d": "12a"},
    {"$t": "not a list"},
    {"$e": ["Grade", "最好"]},
])
def test_revive_refuses_what_encode_never_writes(tmp_path, damaged):
    path = tmp_path / "entry.json"
    path.write_text(json.dumps([damaged]), encoding="utf-8")
    assert read_json(path, revive) is None  # read as missing: the file is parsed again


# --- verification codes issued ------------------------------------------------------------------------

def test_codes_issued_are_kept_in_a_few_files_and_those_of_earlier_versions_still_found(mini):
    commit = "c" * 40
    entries = [{"code": code, "document": f"2026Q1/{n}", "commit": commit, "title": "公示"}
               for n, code in enumerate(["AB12C-DEF34", "B0000-00001", "A9999-99999"])]
    layout_cache.record_codes(mini, entries)
    layout_cache.record_codes(mini, entries)  # the same build again
    folder = layout_cache.cache_dir(mini) / "codes"
    assert sorted(p.name for p in folder.glob("*.jsonl")) == ["A.jsonl", "B.jsonl"]
    assert len((folder / "A.jsonl").read_text(encoding="utf-8").splitlines()) == 2
    assert layout_cache.code_index(mini, "A9999-99999") == {"document": "2026Q1/2", "commit": commit, "title": "公示"}
    with open(folder / "B.jsonl", "a", encoding="utf-8") as fh:
        fh.write('{"code": "B1111-11111", "docu')  # a line cut short
    assert layout_cache.code_index(mini, "B1111-11111") is None
    assert layout_cache.code_index(mini, "B0000-00001")["document"] == "2026Q1/1"
    (folder / "C0000-00000.json").write_text(json.dumps({"code": "C0000-00000", "document": "2025Q4/公示", "commit": commit,
                                                         "title": "旧公示"}), encoding="utf-8")
    assert layout_cache.code_index(mini, "C0000-00000") == {"document": "2025Q4/公示", "commit": commit, "title": "旧公示"}
    assert layout_cache.code_index(mini, "D0000-00000") is None
