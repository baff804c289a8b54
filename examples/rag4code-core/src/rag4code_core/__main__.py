"""``python -m rag4code_core [--json]``: list the plugins this environment has."""

from __future__ import annotations

import json
import sys

from . import VERSION, describe_plugins


def main(argv: list[str]) -> int:
    plugins = describe_plugins()
    if "--json" in argv:
        print(json.dumps({"core": VERSION, "plugins": plugins}, indent=2))
        return 0
    print(f"rag4code-core {VERSION}: {len(plugins)} plugin(s)")
    for p in plugins:
        ok = "ok" if p["vector_store"] else "NOT a VectorStore"
        print(f"  {p['name']:<8} {p['version']:<8} {ok:<6} {p['file']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
