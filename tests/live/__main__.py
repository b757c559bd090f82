"""``python -m tests.live publish NAME [JSON] [COUNT]``: publish events, print their ids."""

from __future__ import annotations

import json
import sys


def main(argv: list[str]) -> None:
    import django

    django.setup()
    from trustmart.core.events import publish

    command, name, *rest = argv
    if command != "publish":
        raise SystemExit(f"unknown command {command!r}")
    payload = json.loads(rest[0]) if rest else {}
    count = int(rest[1]) if len(rest) > 1 else 1
    print(json.dumps([str(publish(name, payload).id) for _ in range(count)]))


if __name__ == "__main__":
    main(sys.argv[1:])
