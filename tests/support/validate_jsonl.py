#!/usr/bin/env python3
"""Validates every line of a JSON Lines file against a JSON Schema (2020-12).

Usage: validate_jsonl.py SCHEMA FILE
Prints "valid N lines" and exits 0, or prints the first errors and exits 1.
"""
import json
import sys

import jsonschema


def main() -> int:
    schema = json.load(open(sys.argv[1], encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    n = bad = 0
    with open(sys.argv[2], encoding="utf-8") as f:
        for lineno, line in enumerate(f, 1):
            n += 1
            try:
                record = json.loads(line)
            except json.JSONDecodeError as e:
                print(f"line {lineno}: not JSON: {e}")
                bad += 1
                continue
            for err in validator.iter_errors(record):
                bad += 1
                if bad <= 10:
                    print(f"line {lineno}: {'/'.join(map(str, err.path))}: {err.message}")
    if bad:
        print(f"invalid: {bad} errors in {n} lines")
        return 1
    print(f"valid {n} lines")
    return 0


if __name__ == "__main__":
    sys.exit(main())
