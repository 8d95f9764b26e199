"""Who may approve: the keys listed in ``policy/allowed_signers``.

The file is OpenSSH's allowed-signers format, exactly what Git reads as
``gpg.ssh.allowedSignersFile``: one key a line, ``principals [options] keytype base64 [comment]``,
options such as ``namespaces="git"``, ``valid-after="20260101"``, ``valid-before="20271231"``.
Signatures are checked by Git itself (``git verify-tag`` / ``git verify-commit`` with the file),
so anyone can repeat the check with plain Git.

The list is trusted the way it was made: the first version is trusted when it is added (``kaohe
approvals`` shows who added it and when); every later change — editing, emptying or deleting it —
counts only when its commit is signed by a key of the list it changes. An unsigned change is
reported and ignored: the list in force stays the last trusted one.
"""
from __future__ import annotations

import os
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from kaohe_docs import gitport

SIGNERS = "policy/allowed_signers"
_KEY = re.compile(r"(?:^|\s)((?:ssh|ecdsa|sk)-[\w@.-]+)\s+([A-Za-z0-9+/=]+)")
_GOOD = re.compile(r'Good "git" signature (?:for (.+?) )?with (\S+) key (SHA256:\S+)')


@dataclass(frozen=True)
class Signature:
    """What Git says about one signed object, checked against one list."""

    ok: bool
    signed: bool
    principal: str = ""
    fingerprint: str = ""
    expired: bool = False  # listed, but not valid at the object's date
    kind: str = "ssh"  # "ssh" | "gpg" | ""
    failure: str = ""  # "tool": ssh-keygen could not run; "bad": the signature does not match the object

    @property
    def key(self) -> str:
        return f"密钥 {self.fingerprint}" if self.fingerprint else "未知密钥"


@dataclass
class SignerList:
    """The list in force at a commit, and how it came to be."""

    content: bytes | None  # None: no list (approvals are not authenticated)
    added: str = ""  # the commit that added the first list
    added_by: str = ""  # its author and date, for ``kaohe approvals``
    unsure: bool = False  # a shallow clone: the commit that "adds" the list may only be where the history stops
    problems: list[tuple[str, str]] = field(default_factory=list)  # (commit, Chinese text) of refused changes

    @property
    def active(self) -> bool:
        return self.content is not None


def keys_of(content: bytes) -> list[tuple[str, str, str]]:
    """(principals, key type, base64) of each listed key."""
    out = []
    for line in content.decode("utf-8", "replace").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        match = _KEY.search(line)
        if match:
            out.append((line.split()[0], match.group(1), match.group(2)))
    return out


_VERIFIED: dict[tuple, Signature] = {}  # an object and a list give the same answer (while Git's settings stay)


def forget_verified() -> None:
    _VERIFIED.clear()


def verify(cwd: Path, oid: str, content: bytes, kind: str = "tag") -> Signature:
    """Check the signature of a tag or commit object against the list ``content`` with Git itself."""
    key = (str(cwd), oid, content, kind)
    if key not in _VERIFIED:
        _VERIFIED[key] = _verify(cwd, oid, content, kind)
    return _VERIFIED[key]


def _verify(cwd: Path, oid: str, content: bytes, kind: str) -> Signature:
    raw = gitport.out(cwd, "cat-file", kind, oid, check=False)
    if b"-----BEGIN SSH SIGNATURE-----" in raw:
        sig_kind = "ssh"
    elif b"-----BEGIN PGP SIGNATURE-----" in raw or b"\ngpgsig " in raw:
        sig_kind = "gpg"
    else:
        return Signature(False, False, kind="")
    if sig_kind == "gpg":
        return Signature(False, True, kind="gpg")
    with tempfile.NamedTemporaryFile(prefix="kaohe-signers-", delete=False) as fh:
        fh.write(content)
        listed = fh.name
    try:
        done = gitport.run(cwd, "-c", f"gpg.ssh.allowedSignersFile={listed}", f"verify-{kind}", "--raw", oid)
    finally:
        os.unlink(listed)
    said = (done.stderr + done.stdout).decode("utf-8", "replace") if done is not None else ""
    good = _GOOD.search(said)
    fingerprint = good.group(3) if good else ""
    principal = (good.group(1) or "") if good else ""
    ok = done is not None and done.returncode == 0 and bool(principal)
    expired = not ok and ("expired" in said or "not yet valid" in said)
    failure = "" if ok or good else "tool" if done is None or "cannot run" in said else "bad"
    return Signature(ok, True, principal, fingerprint, expired, "ssh", failure)


def list_at(cwd: Path, pre: str, commit: str) -> SignerList:
    """The trusted list in force at ``commit``: the first version as added, then each change that is
    signed by a key of the list before it."""
    path = f"{pre}{SIGNERS}"
    changes = gitport.text(cwd, "rev-list", "--reverse", "--topo-order", commit, "--", path, check=False).split()
    state = SignerList(None)
    for sha in changes:
        new = gitport.blob(cwd, sha, path)
        if state.added == "":
            if new is None:
                continue
            state.content, state.added = new, sha
            state.unsure = sha in gitport.shallow_commits(cwd)
            state.added_by = gitport.text(cwd, "log", "-1", "--format=%an，%ad", "--date=format:%Y-%m-%d %H:%M", sha,
                                          check=False).strip()
            continue
        if new == state.content:
            continue
        verdict = verify(cwd, sha, state.content or b"", "commit")
        if verdict.ok:
            state.content = new
            continue
        why = ("无法核对签名（找不到 ssh-keygen）" if verdict.failure == "tool"
               else "签名与提交内容不符" if verdict.failure == "bad"
               else f"用{verdict.key}签名，该密钥不在修改前的名单中或不在有效期内" if verdict.signed and verdict.kind == "ssh"
               else "用 GPG 签名，名单只登记 SSH 密钥" if verdict.kind == "gpg" else "没有签名")
        state.problems.append((sha, why))
    return state


def fingerprint(public_key: str) -> str:
    """SHA256 fingerprint of an OpenSSH public key line (as ``ssh-keygen -l`` prints it)."""
    import base64
    import hashlib
    parts = public_key.split()
    try:
        blob = base64.b64decode(parts[1], validate=True)
    except (IndexError, ValueError):
        return ""
    if not blob:
        return ""
    return "SHA256:" + base64.b64encode(hashlib.sha256(blob).digest()).decode().rstrip("=")


def signing_key(cwd: Path) -> tuple[str, str]:
    """The key ``git tag -s`` would use: (format, public key line or GPG key id); SSH first.

    ``user.signingkey`` as configured; without it, the user's default SSH public key
    (``~/.ssh/id_ed25519.pub``, ``id_ecdsa.pub``, ``id_rsa.pub``) when one exists."""
    fmt = gitport.config(cwd, "gpg.format") or "openpgp"
    key = gitport.config(cwd, "user.signingkey")
    if key and fmt == "ssh":
        if key.startswith("key::"):
            return "ssh", key[5:]
        text = key
        path = Path(os.path.expanduser(key))
        if not path.is_absolute():
            path = cwd / path
        pub = path if path.suffix == ".pub" else path.with_name(path.name + ".pub")
        try:
            text = pub.read_text(encoding="utf-8").strip()
        except OSError:
            pass
        return "ssh", text
    if key:
        return "gpg", key
    for name in ("id_ed25519.pub", "id_ecdsa.pub", "id_rsa.pub"):
        pub = Path(os.path.expanduser("~/.ssh")) / name
        if pub.is_file():
            return "ssh-default", pub.read_text(encoding="utf-8").strip()
    return "", ""
