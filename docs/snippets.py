"""The code shown in README.md and docs/*.md comes from the example DAGs the tests run, never typed twice.

A Markdown code block preceded by ``<!-- snippet: dags_examples/x.py name[,name] -->`` holds
the regions of that file between ``# [START name]`` and ``# [END name]`` (dedented, joined by
a blank line). ``python3 dev.py snippets`` rewrites the blocks; a test fails when one differs.
"""

from __future__ import annotations

import re
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
_BLOCK = re.compile(r"(<!-- snippet: (?P<path>\S+) (?P<names>\S+) -->\n```python\n)(?P<code>.*?)(```)", re.DOTALL)


def region(source: str, name: str, path: str) -> str:
    """The lines between ``# [START name]`` and ``# [END name]``, dedented."""
    match = re.search(rf"^[ \t]*# \[START {name}\]\n(.*?)^[ \t]*# \[END {name}\]\n", source, re.DOTALL | re.MULTILINE)
    if match is None:
        raise LookupError(f"{path} has no region {name!r} (# [START {name}] ... # [END {name}])")
    return textwrap.dedent(match.group(1)).strip("\n") + "\n"


def render(markdown: str) -> str:
    """``markdown`` with every snippet block filled from its file."""

    def fill(match: re.Match[str]) -> str:
        source = (ROOT / match["path"]).read_text()
        code = "\n".join(region(source, name, match["path"]) for name in match["names"].split(","))
        return match.group(1) + code + match.group(5)

    return _BLOCK.sub(fill, markdown)


def documents() -> list[Path]:
    return [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def main() -> int:
    for path in documents():
        text = path.read_text()
        if render(text) != text:
            path.write_text(render(text))
            print(f"updated {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
