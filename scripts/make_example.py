#!/usr/bin/env python3
"""Regenerate the example bureau (清河县公安局, fictional) in records/, or a synthetic one elsewhere.

    .venv/bin/python scripts/make_example.py                 # records/ of this repository
    .venv/bin/python scripts/make_example.py --people 2000 --out /tmp/big
"""
import argparse
import sys
from pathlib import Path

from kaohe_example.synth import generate

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=200)
    parser.add_argument("--out", type=Path, default=ROOT)
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    generate(args.out, people=args.people, seed=args.seed, policy_path=ROOT / "policy/policy.yaml")
    print(f"已生成 {args.people} 人的记录：{args.out / 'records'}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
