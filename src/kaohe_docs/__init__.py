"""kaohe-docs: 公务员平时考核记录 → 校验、计分、定等、名额核算 → 正式文书."""

__version__ = "0.1.0"


_FINGERPRINT: list[str] = []


def code_fingerprint() -> str:
    """The version plus every module's content: caches never outlive the code that filled them."""
    if not _FINGERPRINT:
        _FINGERPRINT.append(_fingerprint())
    return _FINGERPRINT[0]


def _fingerprint() -> str:
    import hashlib
    import os
    here = os.path.dirname(__file__)
    h = hashlib.sha256(__version__.encode())
    for dirpath, dirnames, filenames in os.walk(here):
        dirnames.sort()
        for name in sorted(filenames):
            if name.endswith(".py"):
                with open(os.path.join(dirpath, name), "rb") as fh:
                    h.update(f"{os.path.relpath(dirpath, here)}/{name}:".encode())
                    h.update(hashlib.sha256(fh.read()).digest())
    return h.hexdigest()
