"""A paper tells the truth about itself (issue 25): status words, the approval it comes from, verify."""
from __future__ import annotations

import pdfplumber
import pypdf
import pytest

from conftest import commit_all, edit, git, run, write

UNIT = "records/2026/Q1/units/zhengong.yaml"
FORM = "build/2026Q1/02-对象情况表.pdf"
NOTICE = "build/2026Q1/01-公示.pdf"


def text(path) -> str:
    with pdfplumber.open(path) as pdf:
        return "\n".join(page.extract_text() or "" for page in pdf.pages)


@pytest.mark.slow
def test_status_words_mean_one_thing(mini_git):
    # a clean build of a quarter nobody approved: 送审稿, never 正式, and --final refuses it
    assert run(mini_git, "-q", "build", "2026Q1").exit_code == 0
    form = text(mini_git / FORM)
    assert "送审稿：尚未经局党委审定，不得作为正式文书" in form and "正式" not in form.replace("不得作为正式文书", "")
    assert text(mini_git / NOTICE).endswith("送审稿，不得张贴")
    refused = run(mini_git, "build", "2026Q1", "--final")
    assert refused.exit_code == 1
    assert refused.stderr.splitlines()[-1] == (
        "错误: 2026Q1 不能生成正式文书（--final），还缺少：局党委审定（2026Q1 还没有审定标签：审定后运行 kaohe approve 2026Q1）。"
        "去掉 --final 可生成送审稿（未审定）或草稿（有未提交的修改）")
    # an input Git does not show (an ignored template) makes a draft, and --final refuses it
    write(mini_git, {".gitignore": "build/\n.cache/\ntemplates/local/\n",
                     "templates/local/note.txt": "本机的文件\n"})
    commit_all(mini_git, "忽略规则")
    assert git(mini_git, "status", "--porcelain") == ""
    assert run(mini_git, "approve", "2026Q1").exit_code == 0
    assert run(mini_git, "-q", "build", "2026Q1").exit_code == 0
    assert "草稿：含未提交的修改，不得作为正式文书" in text(mini_git / FORM)
    refused = run(mini_git, "build", "2026Q1", "--final")
    assert refused.exit_code == 1 and "正式文书（--final）只能从已提交的记录生成" in refused.stderr
    (mini_git / "templates/local/note.txt").unlink()
    # approved, clean: 正式, and the notice carries its code
    assert run(mini_git, "-q", "build", "2026Q1", "--final").exit_code == 0
    assert text(mini_git / FORM).splitlines()[-1].endswith("· 正式")
    meta = pypdf.PdfReader(mini_git / NOTICE).metadata
    assert meta["/kaohestatus"] == "正式" and text(mini_git / NOTICE).endswith(f"核验码：{meta['/kaohecode']}")


@pytest.mark.slow
def test_final_names_a_missing_publicity_date(mini_git):
    edit(mini_git, "records/2026/Q1/decision.yaml", "publicity_start: 2026-04-15\n", "")
    commit_all(mini_git, "没有公示日期")
    assert run(mini_git, "approve", "2026Q1").exit_code == 0
    refused = run(mini_git, "build", "2026Q1", "--final")
    assert refused.exit_code == 1
    assert refused.stderr.splitlines()[-1] == (
        "错误: 2026Q1 不能生成正式文书（--final），还缺少：公示开始日期（records/2026/Q1/decision.yaml 的 publicity_start）。"
        "去掉 --final 可生成送审稿（未审定）或草稿（有未提交的修改）")


@pytest.mark.slow
def test_an_approved_quarter_keeps_its_policy(mini_git, tmp_path):
    assert run(mini_git, "approve", "2026Q1").exit_code == 0
    before = run(mini_git, "export", "results", "2026Q1", "--csv", "-o", str(tmp_path / "before.csv"))
    assert before.exit_code == 0, before.output
    score_before = run(mini_git, "score", "2026Q1", "--csv").stdout
    edit(mini_git, "policy/policy.yaml", "common: 40%", "common: 30%")
    edit(mini_git, "policy/policy.yaml", "individual: 60%", "individual: 70%")
    write(mini_git, {"templates/publicity.html": "{% extends 'base.html' %}\n"})
    commit_all(mini_git, "调整权重")
    after = run(mini_git, "export", "results", "2026Q1", "--csv", "-o", str(tmp_path / "after.csv"))
    assert after.exit_code == 0, after.output
    assert (tmp_path / "after.csv").read_bytes() == (tmp_path / "before.csv").read_bytes()
    assert run(mini_git, "score", "2026Q1", "--csv").stdout == score_before
    assert "2026Q1 的结果按审定时的政策计算" in after.stderr
    check = run(mini_git, "check")
    assert check.exit_code == 0
    warnings = check.stderr.splitlines()
    assert ("policy/policy.yaml: 警告: 2026Q1 已经局党委审定（标签 approved/2026Q1），审定后政策有修改：按现行政策计算，"
            "王志强（总分 95.60 → 95.70）、刘洋（总分 95.60 → 95.70）的结果会与审定的不同；"
            "2026Q1 的结果、导出和正式文书仍按审定时的政策计算") in warnings
    assert ("templates/publicity.html: 警告: 2026Q1（标签 approved/2026Q1） 已经局党委审定，审定后本模板有修改；"
            "这些季度的正式文书仍按审定时的模板生成，不受影响") in warnings


APPEAL = ('quarter: 2026Q1\nappeals:\n  - id: "020001"\n    received: 2026-04-16\n    grounds: 等次偏低\n'
          "    outcome: 改变\n    grade: 好\n    reason: 经复核，名额尚有余地\n    replied: 2026-04-20\n")


@pytest.mark.slow
def test_issued_documents_are_never_rewritten_and_verify_says_what_a_paper_is(mini_git):
    edit(mini_git, "policy/policy.yaml", "ratio: 40%", "ratio: 70%")  # the bureau may have two 好
    commit_all(mini_git, "名额比例")
    approval = git(mini_git, "rev-parse", "HEAD").strip()
    assert run(mini_git, "approve", "2026Q1").exit_code == 0
    assert run(mini_git, "-q", "build", "2026Q1", "--final").exit_code == 0
    posted = (mini_git / NOTICE).read_bytes()
    first = pypdf.PdfReader(mini_git / NOTICE).metadata["/kaohecode"]
    ok = run(mini_git, "verify", first)
    assert ok.exit_code == 0, ok.output
    assert ok.stdout.splitlines()[1:] == [
        f"提交 {approval[:10]} 在主分支 main 的历史上。",
        "依据 2026Q1 的局党委审定 approved/2026Q1（会议 2026-04-14，纪要 清公党纪〔2026〕4号），该审定现行有效。"]
    # a 复核 after approval puts 刘洋 on the 好 list
    write(mini_git, {"records/2026/Q1/appeals.yaml": APPEAL})
    commit_all(mini_git, "刘洋复核")
    head = git(mini_git, "rev-parse", "HEAD").strip()
    assert run(mini_git, "-q", "build", "2026Q1", "--final").exit_code == 0
    assert (mini_git / NOTICE).read_bytes() == posted  # the posted notice is the same paper
    correction = mini_git / "build/2026Q1/09-更正公示.pdf"
    meta = pypdf.PdfReader(correction).metadata
    second = meta["/kaohecode"]
    assert second and second != first and meta["/kaohecommit"] == head and meta["/kaohestatus"] == "正式"
    words = text(correction).replace("\n", "")
    assert "《关于清河县公安局2026年第一季度平时考核“好”等次人员的公示》" in words and "刘洋" in words
    assert "1 法制室 刘洋 主任 未列入 好" in words
    assert (mini_git / "build/2026Q1/08-复核结果告知.pdf").exists()
    # the papers issued after the 复核 state its outcome
    outcome = "经复核，等次由“较好”改为“好”（2026年4月20日答复）"
    for folder in ("07-反馈通知", "05-登记表"):
        (paper,) = (mini_git / "build/2026Q1" / folder).glob("*法制室.pdf")
        assert outcome in text(paper).replace("\n", ""), folder
    old = run(mini_git, "verify", first)
    assert old.exit_code == 0, old.output
    assert old.stdout.splitlines()[0].endswith(f"记录库提交 {approval[:10]}：按该提交重新计算，核验码一致。")
    assert old.stdout.splitlines()[-1] == (
        f"该公示在复核后已被更正：《关于更正清河县公安局2026年第一季度平时考核“好”等次人员公示的公告》"
        f"（核验码 {second}，记录库提交 {head[:10]}），以更正公示为准。")
    new = run(mini_git, "verify", second)
    assert new.exit_code == 0 and f"记录库提交 {head[:10]}：按该提交重新计算，核验码一致。" in new.stdout
    pdf = run(mini_git, "verify", str(mini_git / NOTICE))
    assert pdf.exit_code == 0 and "逐字节一致" in pdf.stdout and "已被更正" in pdf.stdout


@pytest.mark.slow
def test_a_paper_from_an_unmerged_branch_is_reported_as_not_merged(mini_git):
    git(mini_git, "checkout", "-q", "-b", "unit-branch")
    edit(mini_git, "records/2026/Q1/units/zhengong.yaml", "3: 94", "3: 95")
    commit_all(mini_git, "分支上的修改")
    branch = git(mini_git, "rev-parse", "HEAD").strip()
    assert run(mini_git, "-q", "build", "2026Q1").exit_code == 0
    result = run(mini_git, "verify", str(mini_git / FORM))
    assert result.exit_code == 1
    assert result.stdout.splitlines()[1:] == [
        f"但提交 {branch[:10]} 不在主分支 main 的历史上（只在某个分支或合并请求中，尚未合并）：这不是正式文书，不能作为依据。",
        "2026Q1 在该提交时尚未经局党委审定：这是送审稿，不是正式文书。"]
    assert "逐字节一致" in result.stdout.splitlines()[0]


@pytest.mark.slow
def test_verify_on_a_machine_without_one_font_names_that_font(mini_git, tmp_path):
    """Built with the fonts scripts/setup installs; verified where fontconfig cannot see LXGW WenKai."""
    import json
    import os
    import shutil
    import subprocess
    import sys
    wenkai = subprocess.run(["fc-list", ":family=LXGW WenKai", "file"], capture_output=True, text=True).stdout.split()
    if not wenkai or not shutil.which("fc-list"):
        pytest.skip("LXGW WenKai (fonts-lxgw-wenkai) is not installed")
    assert run(mini_git, "-q", "build", "2026Q1").exit_code == 0
    pdf = mini_git / FORM
    env = json.loads(pypdf.PdfReader(pdf).metadata["/kaoheenv"])
    assert env["fonts"]["stamp"]["family"] == "LXGW WenKai" and env["weasyprint"] and env["pydyf"]
    assert all(len(digest) == 16 for _, digest in env["fonts"]["stamp"]["files"])
    folder = os.path.dirname(wenkai[0].rstrip(":"))
    conf = tmp_path / "fonts.conf"
    conf.write_text(f"""<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "fonts.dtd">
<fontconfig>
  <include ignore_missing="yes">/etc/fonts/fonts.conf</include>
  <selectfont><rejectfont><glob>{folder}/*</glob></rejectfont></selectfont>
  <cachedir>{tmp_path / "fc-cache"}</cachedir>
</fontconfig>
""", encoding="utf-8")
    other = {**os.environ, "FONTCONFIG_FILE": str(conf)}
    assert "LXGW" not in subprocess.run(["fc-list"], capture_output=True, text=True, env=other).stdout
    done = subprocess.run([sys.executable, "-m", "kaohe_docs.cli", "-C", str(mini_git), "verify", str(pdf)],
                          capture_output=True, text=True, env=other)
    assert done.returncode == 1
    first = done.stdout.splitlines()[0]
    assert "字节不同，但文字内容一致：差异来自生成环境不同（字体或软件），不是内容被改动" in first
    assert "来源标记字体原为“LXGW WenKai”（" in first and "LXGWWenKai-Regular.ttf（SHA-256 " in first
    assert "本机为“Noto Serif CJK SC”：安装 Debian 软件包 fonts-lxgw-wenkai（sudo apt-get install fonts-lxgw-wenkai" in first
    # the same paper on this machine: identical
    assert "逐字节一致" in run(mini_git, "verify", str(pdf)).stdout


def test_ci_templates_install_exactly_the_fonts_setup_installs():
    import re
    from pathlib import Path

    from kaohe_docs.render.fonts import FREE_FONT_PACKAGES
    root = Path(__file__).parent.parent
    setup = re.search(r"APT_PACKAGES=\(([^)]*)\)", (root / "scripts/setup").read_text(encoding="utf-8")).group(1).split()
    assert sorted(p for p in setup if p.startswith("fonts-")) == sorted(FREE_FONT_PACKAGES)
    for name in ("gitlab-ci.yml", "github-workflow.yml"):
        text = (root / "src/kaohe_docs/scaffold" / name).read_text(encoding="utf-8")
        installs = re.findall(r"apt-get install -y -qq ([^\n&]*)", text)
        assert installs, name
        for line in installs:
            assert sorted(p for p in line.split() if p.startswith("fonts-")) == sorted(FREE_FONT_PACKAGES), (name, line)


def test_a_year_is_final_only_when_every_quarter_is_approved(mini_git):
    assert run(mini_git, "approve", "2026Q1").exit_code == 0
    refused = run(mini_git, "build", "2026", "--final", "--html-only")
    assert refused.exit_code == 1
    assert refused.stderr.splitlines()[-1] == ("错误: 2026 年度文书不能作为正式文书生成（--final）：2026Q2、2026Q3、2026Q4 "
                                               "尚未经局党委有效审定；去掉 --final 可生成送审稿")


def test_records_changed_after_approval_build_as_a_review_draft_and_final_refuses(mini_git):
    """A re-approval being prepared: the changed records build as a 送审稿 for the committee; --final refuses."""
    assert run(mini_git, "approve", "2026Q1").exit_code == 0
    edit(mini_git, UNIT, "3: 94", "3: 95")
    commit_all(mini_git, "重新审定前改正录入错误")
    built = run(mini_git, "build", "2026Q1", "--html-only")
    assert built.exit_code == 0, built.output
    assert "提示: 2026Q1 的记录与局党委审定时不同（详见 kaohe check）：按当前记录生成送审稿" in built.stderr
    form = (mini_git / "build/2026Q1/02-对象情况表.html").read_text(encoding="utf-8")
    assert "送审稿：尚未经局党委审定，不得作为正式文书" in form
    refused = run(mini_git, "build", "2026Q1", "--final", "--html-only")
    assert refused.exit_code == 1 and "2026Q1 已经局党委审定（标签 approved/2026Q1" in refused.stderr


@pytest.mark.slow  # a whole git scenario: approve, sign, build twice
def test_a_review_draft_after_approval_never_claims_the_approval(mini_git):
    """A unit's branch changes approved grades and builds: the paper is a 送审稿, not merged, and not covered."""
    assert run(mini_git, "approve", "2026Q1").exit_code == 0
    git(mini_git, "checkout", "-q", "-b", "swap")
    decision = mini_git / "records/2026/Q1/decision.yaml"
    decision.write_text(decision.read_text(encoding="utf-8") + '  - id: "010001"\n    grade: 较好\n    reason: 另有安排\n',
                        encoding="utf-8")
    commit_all(mini_git, "改审定等次")
    assert run(mini_git, "-q", "build", "2026Q1").exit_code == 0
    result = run(mini_git, "verify", str(mini_git / FORM))
    assert result.exit_code == 1
    assert result.stdout.splitlines()[2] == ("这是送审稿，不是按局党委审定生成的正式文书；2026Q1 的审定是 approved/2026Q1，"
                                             "请以按审定生成的正式文书为准。")
    assert "不在主分支 main 的历史上" in result.stdout.splitlines()[1]


@pytest.mark.parametrize("commits, before, expected", [
    (1, "", "check --strict"),  # the first push of a new repository: everything is checked
    (2, "", "check --strict --changed-since HEAD~1"),
    (3, "HEAD~2", "check --strict --changed-since {HEAD~2}"),  # a push of two commits: both
    (2, "0000000000000000000000000000000000000000", "check --strict --changed-since HEAD~1"),  # a new branch
])
def test_ci_push_check_covers_the_commits_the_push_brings(tmp_path, commits, before, expected):
    import re
    import subprocess
    from pathlib import Path

    from conftest import git
    root = Path(__file__).parent.parent
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    for n in range(commits):
        git(repo, "-c", "user.name=a", "-c", "user.email=a@b.invalid", "commit", "-q", "--allow-empty", "-m", str(n))
    fake = tmp_path / "bin"
    fake.mkdir()
    (fake / "kaohe").write_text('#!/bin/sh\necho "$@"\n', encoding="utf-8")
    (fake / "kaohe").chmod(0o755)
    sha = git(repo, "rev-parse", before).strip() if before.startswith("HEAD") else before
    gitlab = (root / "src/kaohe_docs/scaffold/gitlab-ci.yml").read_text(encoding="utf-8")
    push = re.search(r"      else\n(.*?)\n      fi\n", gitlab, re.S).group(1)
    github = (root / "src/kaohe_docs/scaffold/github-workflow.yml").read_text(encoding="utf-8")
    run_push = re.search(r"env: \{BEFORE: .*?\}\n        run: \|\n(.*?)\n      - ", github, re.S).group(1)
    want = expected.format(**{"HEAD~2": sha})
    for script, env in ((push, {"CI_COMMIT_BEFORE_SHA": sha}), (run_push, {"BEFORE": sha})):
        done = subprocess.run(["sh", "-c", script], cwd=repo, capture_output=True, text=True,
                              env={"PATH": f"{fake}:/usr/bin:/bin", **env})
        assert (done.returncode, done.stdout.strip()) == (0, want), script
