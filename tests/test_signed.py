"""Signed approvals, the one chain validation and the guard, with keys made by ssh-keygen and a real bare
repository running the shipped pre-receive hook."""
from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from conftest import commit_all, edit, git, run, write
from test_lock import DECISION, TAGGED, UNIT, approve, hand_tag, remote_lines, serve, sh, short

pytestmark = pytest.mark.slow  # whole Git scenarios with keys and a server

SIGNERS = "policy/allowed_signers"
REFUSED = "kaohe-docs：推送被拒绝（{n} 个问题）。已审定的季度只能通过复核记录变更；误改请撤销（git revert）后再推送。"


def keygen(folder: Path, name: str) -> Path:
    key = folder / name
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", name, "-f", str(key)], check=True)
    return key


def public(key: Path) -> str:
    return " ".join(Path(f"{key}.pub").read_text(encoding="utf-8").split()[:2])


def fingerprint(key: Path) -> str:
    return subprocess.run(["ssh-keygen", "-lf", f"{key}.pub"], capture_output=True, text=True,
                          check=True).stdout.split()[1]


def use_key(root: Path, key: Path | None) -> None:
    if key is None:
        git(root, "config", "--unset", "user.signingkey")
        return
    git(root, "config", "gpg.format", "ssh")
    git(root, "config", "user.signingkey", str(key))


def signed_commit(root: Path, message: str) -> None:
    git(root, "add", "-A")
    done = sh(root, "commit", "-q", "-S", "--no-verify", "-m", message)
    assert done.returncode == 0, done.stderr


@pytest.fixture
def keys(tmp_path) -> dict[str, Path]:
    folder = tmp_path / "keys"
    folder.mkdir()
    return {name: keygen(folder, name) for name in ("chair", "stranger", "retired")}


@pytest.fixture
def signed(mini_git, keys, tmp_path, monkeypatch) -> Path:
    """The mini bureau listing the committee's key (and a retired one, valid only until 2020), with a bare
    server running the shipped hook; main pushed."""
    monkeypatch.setenv("HOME", str(tmp_path / "home"))  # no default ~/.ssh keys of the machine
    write(mini_git, {SIGNERS: f'局党委审定人 namespaces="git" {public(keys["chair"])}\n'
                              f'原审定人 namespaces="git",valid-before="20200101" {public(keys["retired"])}\n'})
    commit_all(mini_git, "登记审定签名密钥")
    use_key(mini_git, keys["chair"])
    serve(mini_git, tmp_path)
    return mini_git


def push(root: Path, *refs: str, **env) -> subprocess.CompletedProcess:
    return sh(root, "push", "--no-verify", "origin", *refs, **env)


def refused(result, *lines: str) -> None:
    assert result.returncode != 0
    assert remote_lines(result) == [*lines, REFUSED.format(n=len(lines))]


def test_a_listed_key_approves_and_plain_git_verifies_it(signed, keys, tmp_path):
    made = approve(signed)
    assert made.exit_code == 0, made.output
    assert push(signed, "main", "approved/2026Q1").returncode == 0
    listing = run(signed, "approvals").stdout
    assert f"审定 中共清河县公安局委员会  签名 局党委审定人（{fingerprint(keys['chair'])}）" in listing
    assert listing.splitlines()[-1].startswith(f"审定签名密钥：policy/allowed_signers，首次登记于提交 {short(signed)}（考核办，")
    check = run(signed, "check")
    assert check.exit_code == 0 and check.stderr == "检查完成：0 个错误，0 个警告。\n"
    plain = sh(signed, "-c", f"gpg.ssh.allowedSignersFile={signed / SIGNERS}", "verify-tag", "approved/2026Q1")
    assert plain.returncode == 0 and 'Good "git" signature for 局党委审定人 with ED25519 key' in plain.stderr
    built = run(signed, "-q", "build", "2026Q1", "--final", "--html-only")
    assert built.exit_code == 0, built.output
    # a clone verifies the same approval
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", str(tmp_path / "server.git"), str(clone))
    assert run(clone, "check").exit_code == 0


def test_approve_refuses_an_unlisted_key_and_explains_how_to_make_one(signed, keys):
    use_key(signed, keys["stranger"])
    result = approve(signed)
    assert result.exit_code == 1
    assert result.stderr == (f"错误: 签名密钥 {fingerprint(keys['stranger'])} 没有登记在 policy/allowed_signers 中，用它签名的标签"
                             "不是审定，本次没有打标签；请用登记的密钥（git config user.signingkey 指向它），或先把该密钥登记到 "
                             "policy/allowed_signers（该提交须由已登记的审定人签名：git commit -S）\n")
    use_key(signed, keys["retired"])  # listed, but only until 2020
    result = approve(signed)
    assert result.exit_code == 1
    assert result.stderr == ("错误: 新打的标签 approved/2026Q1 没有通过审定核对，已删除，没有留下任何标签：\n"
                             f"records/2026/Q1: 错误: 标签 approved/2026Q1 的签名密钥 {fingerprint(keys['retired'])} 在标签日期 2026-04-16 "
                             "不在 policy/allowed_signers 写明的有效期内（valid-after/valid-before）；它不是审定："
                             "由登记的审定人用自己的密钥运行 kaohe approve 2026Q1\n")
    use_key(signed, None)
    result = approve(signed)
    assert result.exit_code == 1
    assert result.stderr.splitlines()[:3] == [
        "错误: 本库登记了审定签名密钥（policy/allowed_signers），审定标签必须用登记的密钥签名，而本机没有设置签名密钥。请按以下步骤操作：",
        "  1. 生成密钥（每位审定人一次，按提示设置口令）：ssh-keygen -t ed25519 -C \"姓名\"",
        "  2. 让 Git 用它签名：git config --global gpg.format ssh"]
    assert git(signed, "tag") == ""


def _tag_problem(root: Path, tag: str, text: str) -> str:
    return f"refs/tags/{tag}: records/2026/Q1: 错误: {text}"


def signed_tag(root: Path, key: Path | None, name: str = "approved/2026Q1", message: str = "会议日期：2026-04-14\n",
               date: str = TAGGED) -> None:
    """A tag signed by hand with ``key`` (the key configured when None)."""
    if key is not None:
        use_key(root, key)
    assert sh(root, "tag", "-s", name, "-m", message, GIT_COMMITTER_DATE=date).returncode == 0


def test_the_guard_refuses_tags_that_are_not_approvals(signed, keys, tmp_path):
    todo = "它不是审定：请删除它（git tag -d approved/2026Q1），由登记的审定人用自己的密钥运行 kaohe approve 2026Q1"
    since = f"本库自提交 {short(signed)} 起只承认用 policy/allowed_signers 中登记的密钥签名的审定"
    cases = {  # who signs → why it is not an approval
        None: f" 没有签名；{since}，",
        "stranger": f" 的签名密钥 {fingerprint(keys['stranger'])} 不在 policy/allowed_signers 中；{since}，"
                    "如该密钥确属审定人，先把它登记到 policy/allowed_signers（该提交须用已登记的密钥签名），",
        "retired": f" 的签名密钥 {fingerprint(keys['retired'])} 在标签日期 2026-04-16 不在 policy/allowed_signers 写明的有效期内"
                   "（valid-after/valid-before）；",
    }
    for who, why in cases.items():
        if who is None:
            hand_tag(signed, 提交=git(signed, "rev-parse", "HEAD").strip())
        else:
            signed_tag(signed, keys[who])
        refused(push(signed, "approved/2026Q1"), _tag_problem(signed, "approved/2026Q1", f"标签 approved/2026Q1{why}{todo}"))
        said = f"records/2026/Q1: 错误: 标签 approved/2026Q1{why}{todo}"
        for command in (["check"], ["approvals"], ["build", "2026Q1", "--final", "--html-only"], ["archive", "2026Q1"]):
            result = run(signed, *command)
            assert result.exit_code == 1 and said in result.stderr.splitlines(), (command, result.output)
        assert not (signed / "build").exists()
        git(signed, "tag", "-d", "approved/2026Q1")
    assert git(tmp_path / "server.git", "tag") == ""


def test_the_guard_refuses_a_tag_on_a_branch_and_a_quarter_without_its_meeting(signed):
    git(signed, "checkout", "-q", "-b", "side")
    edit(signed, UNIT, "3: 94", "3: 91")
    commit_all(signed, "支线改分")
    signed_tag(signed, None)
    refused(push(signed, "approved/2026Q1"), _tag_problem(
        signed, "approved/2026Q1", f"标签 approved/2026Q1 指向的提交 {short(signed)} 不在主分支的历史上；审定的必须是主分支上的提交："
                                   "请先合并主分支（git merge main），或确认该标签是否打错了提交"))
    git(signed, "tag", "-d", "approved/2026Q1")
    git(signed, "checkout", "-q", "main")
    # the decision still the empty placeholder of kaohe open: no meeting yet
    from kaohe_docs.audit.opening import decision_text
    from kaohe_docs.model import Quarter
    write(signed, {DECISION: decision_text(Quarter(2026, 1))})
    commit_all(signed, "审定记录待填")
    assert push(signed, "main").returncode == 0
    signed_tag(signed, None)
    refused(push(signed, "approved/2026Q1"), _tag_problem(
        signed, "approved/2026Q1", f"标签 approved/2026Q1 打在提交 {short(signed)} 上，该提交中 2026Q1 的记录还没有完成"
                                   "（records/2026/Q1/decision.yaml 还没有写入局党委的审定会议（meeting_date、minutes）），不能审定；"
                                   "请删除它（git tag -d approved/2026Q1），记录填齐、局党委开会后再运行 kaohe approve 2026Q1"))


@pytest.mark.parametrize("name", ["approved/2026q1", "approved/２０２６Q1", "approved/2026Q1-02", "approved/2026Q1-1"])
def test_a_look_alike_name_is_refused_and_lets_no_edit_through(signed, name):
    assert approve(signed).exit_code == 0
    assert push(signed, "main", "approved/2026Q1").returncode == 0
    edit(signed, UNIT, "3: 94", "3: 91")
    commit_all(signed, "审定后改分")
    signed_tag(signed, None, name, "会议日期：2026-04-14\n会议纪要：清公党纪〔2026〕4号\n")
    result = push(signed, "main", name)
    assert result.returncode != 0
    lines = remote_lines(result)
    assert len(lines) == 3
    assert lines[0].startswith(f"refs/heads/main: {UNIT}:6: 错误: 2026Q1 已经局党委审定（标签 approved/2026Q1，2026-04-16），"
                               "审定后 王志强（警号 010001）3月绩效 94 → 91")
    assert lines[1] == (f"refs/tags/{name}: 不是有效的审定标签名（只能是 approved/2026Q1 或 approved/2026Q1-2 这样的 ASCII 名称，"
                        "大小写和数字都须一致）")
    listed = run(signed, "check").stderr.splitlines()
    assert (f"错误: 标签 {name} 不是有效的审定标签名（只能是 approved/2026Q1 或 approved/2026Q1-2 这样的 ASCII 名称，"
            f"大小写和数字都须一致），不能作为审定依据；请删除它（git tag -d {name}）") in listed


def _reapprove(root: Path, meeting: str = "2026-04-28", minutes: str = "清公党纪〔2026〕6号") -> None:
    edit(root, UNIT, "3: 94", "3: 91")
    edit(root, DECISION, "meeting_date: 2026-04-14\nminutes: 清公党纪〔2026〕4号",
         f"meeting_date: {meeting}\nminutes: {minutes}")
    commit_all(root, "局党委重新审定")


def test_a_genuine_supersede_passes_the_guard_and_forged_or_forked_ones_do_not(signed):
    assert approve(signed).exit_code == 0
    assert push(signed, "main", "approved/2026Q1").returncode == 0
    # forged: a new number with the decision unchanged (no new meeting), signed and naming the approval in force
    edit(signed, UNIT, "3: 94", "3: 91")
    commit_all(signed, "审定后改分")
    head = git(signed, "rev-parse", "HEAD").strip()
    signed_tag(signed, None, "approved/2026Q1-2",
               f"会议日期：2026-04-14\n会议纪要：清公党纪〔2026〕4号\n取代：approved/2026Q1\n提交：{head}\n")
    forged = push(signed, "main", "approved/2026Q1-2")
    assert forged.returncode != 0
    assert remote_lines(forged)[-2] == (
        "refs/tags/approved/2026Q1-2: records/2026/Q1: 错误: 标签 approved/2026Q1-2 取代 approved/2026Q1，但审定记录中的会议日期 "
        "2026-04-14 不晚于原审定的会议 2026-04-14：重新审定须有局党委新一次会议（records/2026/Q1/decision.yaml 写入新会议的日期和纪要）；"
        "它不能作为审定依据")
    assert any("3月绩效 94 → 91" in line for line in remote_lines(forged))  # and the edit is still refused
    git(signed, "tag", "-d", "approved/2026Q1-2")
    git(signed, "reset", "-q", "--hard", "HEAD~1")
    # genuine: a new meeting, kaohe approve --supersede, pushed with the branch
    _reapprove(signed)
    second = approve(signed, "--supersede", "三月绩效录入有误", date="2026-04-28T17:00:00+08:00")
    assert second.exit_code == 0, second.output
    accepted = push(signed, "main", "approved/2026Q1-2")
    assert accepted.returncode == 0, accepted.stderr
    # forked: another re-approval naming the first approval again
    signed_tag(signed, None, "approved/2026Q1-3", "会议日期：2026-04-28\n取代：approved/2026Q1\n", "2026-04-29T10:00:00+08:00")
    fork = push(signed, "approved/2026Q1-3")
    refused(fork, "refs/tags/approved/2026Q1-3: records/2026/Q1: 错误: 标签 approved/2026Q1-3 写的是“取代：approved/2026Q1”，而当时"
                  "现行的审定是 approved/2026Q1-2（应为“取代：approved/2026Q1-2”），不是 kaohe approve --supersede 的审定记录；"
                  "它不能作为审定依据")
    listing = run(signed, "approvals").stdout
    assert "  现行：approved/2026Q1-2" in listing


def test_the_guard_refuses_replace_refs_and_reads_around_them(signed, tmp_path):
    assert approve(signed).exit_code == 0
    assert push(signed, "main", "approved/2026Q1").returncode == 0
    approved = git(signed, "rev-parse", "HEAD").strip()
    edit(signed, UNIT, "3: 94", "3: 91")
    commit_all(signed, "审定后改分")
    changed = git(signed, "rev-parse", "HEAD").strip()
    git(signed, "replace", changed, approved)  # the changed commit now reads as the approved one
    result = push(signed, "refs/replace/*:refs/replace/*")
    refused(result, f"refs/replace/{changed}: 不接受替换对象（refs/replace/…）：它能让 Git 把一个提交显示成另一个提交，"
                    "审定核对从不读取它；请删除本地的替换引用（git replace -d）后再推送")
    # the client's own check is not fooled: it reads around its replacement
    assert "3月绩效 94 → 91" in run(signed, "check").stderr
    # a replacement that reached the server some other way is not read either
    server = tmp_path / "server.git"
    assert sh(signed, "--no-replace-objects", "push", "-q", "--no-verify", "origin", "HEAD:refs/heads/incoming").returncode == 0
    git(server, "replace", changed, approved)
    assert git(server, "--no-replace-objects", "rev-parse", "incoming").strip() == changed
    result = sh(signed, "--no-replace-objects", "push", "--no-verify", "origin", "main")
    assert result.returncode != 0
    assert any("3月绩效 94 → 91" in line for line in remote_lines(result)), result.stderr


def test_changes_to_the_key_list_count_only_when_signed_by_a_listed_key(signed, keys):
    with open(signed / SIGNERS, "a", encoding="utf-8") as fh:
        fh.write(f'外人 namespaces="git" {public(keys["stranger"])}\n')
    git(signed, "add", SIGNERS)
    assert ("policy/allowed_signers: 警告: 审定签名密钥名单的修改只在用修改前名单中的密钥签名的提交中有效：请用 git commit -S 提交"
            "（本机的签名密钥须已登记），否则修改不生效，服务器钩子也会拒绝") in run(signed, "check", "--staged").stderr.splitlines()
    commit_all(signed, "登记新的审定人")  # unsigned
    result = push(signed, "main")
    refused(result, f"refs/heads/main: policy/allowed_signers: 提交 {short(signed)} 修改了审定签名密钥名单，但没有签名；名单的修改只在"
                    "用已登记的密钥签名的提交中有效（git commit -S，密钥须在修改前的名单中）：请撤销该提交，由已登记的审定人签名提交")
    # the stranger's key did not become listed, and check says why
    assert (f"policy/allowed_signers: 警告: 本文件的修改不生效，审定仍按最后一次有效的名单核对：名单的修改只在用修改前名单中的密钥签名的"
            f"提交中有效（提交 {short(signed)} 没有签名）；请撤销这些修改，由已登记的审定人签名提交（git commit -S）"
            ) in run(signed, "check").stderr.splitlines()
    use_key(signed, keys["stranger"])
    assert approve(signed).exit_code == 1
    git(signed, "reset", "-q", "--hard", "HEAD~1")
    use_key(signed, keys["chair"])
    with open(signed / SIGNERS, "a", encoding="utf-8") as fh:
        fh.write(f'新审定人 namespaces="git" {public(keys["stranger"])}\n')
    signed_commit(signed, "登记新的审定人（签名）")
    assert push(signed, "main").returncode == 0
    use_key(signed, keys["stranger"])
    assert approve(signed).exit_code == 0


def test_owners_let_a_unit_push_only_its_own_file(signed):
    with open(signed / "policy/policy.yaml", "a", encoding="utf-8") as fh:
        fh.write("owners:\n  office: [kaohe]\n  units:\n    zhengong: [zg]\n    solo: [fz]\n")
    commit_all(signed, "推送权限")
    assert push(signed, "main", GL_USERNAME="kaohe").returncode == 0
    edit(signed, "records/2026/Q1/units/solo.yaml", "{1: 96,", "{1: 95,")
    commit_all(signed, "法制室改报送日期")
    refused(push(signed, "main", GL_USERNAME="zg"),
            "refs/heads/main: records/2026/Q1/units/solo.yaml: zg 无权修改该文件，只有该单位的经办人和考核办（政策 owners）可以推送它；"
            "请通过合并请求交考核办审核合并")
    assert push(signed, "main", GITEA_PUSHER_NAME="fz").returncode == 0
    codeowners = run(signed, "owners").stdout
    assert "/records/*/Q*/units/zhengong.yaml @zg @kaohe" in codeowners.splitlines()
    stale = "CODEOWNERS: 警告: 与政策中的推送权限（owners）不一致，托管服务器的代码所有者审核规则会与服务器钩子不同；请运行 kaohe owners > CODEOWNERS 后提交"
    assert stale in run(signed, "check").stderr.splitlines()
    (signed / "CODEOWNERS").write_text(codeowners, encoding="utf-8")
    assert stale not in run(signed, "check").stderr.splitlines()


@pytest.mark.parametrize("how", ["autocrlf", "gitattributes"])
def test_line_endings_of_the_checkout_never_count_as_a_change(signed, tmp_path, how):
    assert approve(signed).exit_code == 0
    if how == "gitattributes":
        write(signed, {".gitattributes": "*.yaml text eol=crlf\n"})
        commit_all(signed, "CRLF 检出")
    assert push(signed, "main", "approved/2026Q1").returncode == 0
    clone = tmp_path / "crlf"
    options = ["-c", "core.autocrlf=true"] if how == "autocrlf" else []
    git(tmp_path, "clone", "-q", *options, str(tmp_path / "server.git"), str(clone))
    assert b"\r\n" in (clone / UNIT).read_bytes()
    result = run(clone, "check")
    assert result.exit_code == 0, result.output
    text = (clone / UNIT).read_bytes().replace(b"3: 94", b"3: 91")
    (clone / UNIT).write_bytes(text)
    changed = run(clone, "check")
    assert changed.exit_code == 1
    assert f"{UNIT}:6: 错误: 2026Q1 已经局党委审定（标签 approved/2026Q1，2026-04-16），审定后 王志强（警号 010001）3月绩效 94 → 91（未提交的修改）" \
        in changed.stderr


def test_approve_uses_the_default_ssh_key_when_none_is_configured(signed, keys, tmp_path):
    ssh = tmp_path / "home/.ssh"
    ssh.mkdir(parents=True)
    for suffix in ("", ".pub"):
        (ssh / f"id_ed25519{suffix}").write_bytes(Path(f"{keys['chair']}{suffix}").read_bytes())
    (ssh / "id_ed25519").chmod(0o600)
    git(signed, "config", "--unset", "user.signingkey")
    git(signed, "config", "--unset", "gpg.format")
    made = approve(signed)
    assert made.exit_code == 0, made.output
    assert f"签名 局党委审定人（{fingerprint(keys['chair'])}）" in run(signed, "approvals").stdout


def test_a_tampered_tag_and_a_missing_ssh_keygen_are_said_as_such(signed):
    assert approve(signed).exit_code == 0
    raw = git(signed, "cat-file", "tag", "approved/2026Q1").replace("会议纪要：清公党纪〔2026〕4号", "会议纪要：清公党纪〔2026〕5号")
    forged = subprocess.run(["git", "-C", str(signed), "hash-object", "-t", "tag", "-w", "--stdin"], input=raw,
                            capture_output=True, text=True, check=True).stdout.strip()
    git(signed, "update-ref", "refs/tags/approved/2026Q1", forged)
    assert ("records/2026/Q1: 错误: 标签 approved/2026Q1 的签名与标签内容不符（标签在签名后被改动过）；它不是审定：请删除它"
            "（git tag -d approved/2026Q1），由登记的审定人用自己的密钥运行 kaohe approve 2026Q1") in run(signed, "check").stderr
    git(signed, "tag", "-d", "approved/2026Q1")
    assert approve(signed).exit_code == 0
    git(signed, "config", "gpg.ssh.program", "/nonexistent/ssh-keygen")
    result = run(signed, "check")
    assert result.exit_code == 1
    assert ("records/2026/Q1: 错误: 无法核对标签 approved/2026Q1 的签名：找不到 ssh-keygen（Git 用它核对 SSH 签名）；请安装 OpenSSH 客户端"
            "（Debian/国产 Linux：apt install openssh-client；Windows：Git for Windows 自带）后再检查") in result.stderr.splitlines()


def test_a_shallow_clone_cannot_vouch_for_the_key_list(signed, tmp_path):
    assert approve(signed).exit_code == 0
    assert push(signed, "main", "approved/2026Q1").returncode == 0
    clone = tmp_path / "shallow"
    git(tmp_path, "clone", "-q", "--depth", "1", f"file://{tmp_path / 'server.git'}", str(clone))
    result = run(clone, "check")
    assert (f"policy/allowed_signers: 警告: 当前是浅克隆（shallow clone），本地历史从提交 {short(signed)} 开始，无法确认签名密钥名单的来历"
            "（它此前的修改是否都经过签名）；请 git fetch --unshallow 后再检查") in result.stderr.splitlines()
    git(clone, "fetch", "-q", "--unshallow")
    assert "浅克隆" not in run(clone, "check").stderr
