"""README is the entry point and docs/ the reference: every link between them leads somewhere."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import pytest
from conftest import ROOT

if TYPE_CHECKING:
    from pathlib import Path

DOCUMENTS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
_LINK = re.compile(r"\]\(([^)\s]+)\)")


def anchors(text: str) -> set[str]:
    """GitHub's anchors for a Markdown text's headings."""
    return {
        re.sub(r"[^\w\- ]", "", line.lstrip("#").strip().lower()).replace(" ", "-")
        for line in text.splitlines()
        if line.startswith("#")
    }


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda path: path.name)
def test_every_relative_link_reaches_a_file_and_heading(document: Path) -> None:
    text = document.read_text()
    for target in _LINK.findall(text):
        if target.startswith(("http://", "https://", "mailto:")):
            continue
        path, _, anchor = target.partition("#")
        linked = (document.parent / path).resolve() if path else document
        assert linked.exists(), f"{document.name}: {target} leads nowhere"
        if anchor:
            assert anchor in anchors(linked.read_text()), f"{document.name}: no heading for {target}"


def test_readme_links_every_reference_page() -> None:
    readme = (ROOT / "README.md").read_text()
    for page in sorted((ROOT / "docs").glob("*.md")):
        assert f"(docs/{page.name})" in readme, page.name


def test_the_compatibility_table_is_the_tested_cells() -> None:
    """README's compatibility rows are dev.py's cells (a pre-release marked as such), and the package claims
    exactly the Python versions those cells run."""
    import importlib.util
    import sys

    spec = importlib.util.spec_from_file_location("dev", ROOT / "dev.py")
    assert spec and spec.loader
    dev = importlib.util.module_from_spec(spec)
    sys.modules["dev"] = dev  # dataclasses look their module up while they are made
    spec.loader.exec_module(dev)
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Compatibility", 1)[1].split("\n## ", 1)[0]
    rows = {
        (cells[0].split()[0], cells[1]): cells[0]
        for line in section.splitlines()
        if line.startswith("| 3.")
        for cells in [[cell.strip() for cell in line.strip("|").split("|")]]
    }
    cells = (dev.DEFAULT, *dev.MATRIX, dev.UNSUPPORTED)
    assert set(rows) == {(cell.airflow, cell.python) for cell in cells}
    for cell in cells:
        assert ("pre-release" in rows[cell.airflow, cell.python]) == cell.prerelease, cell.name
        assert cell.lock.exists() or cell is dev.DEFAULT, cell.name
    claimed = set(re.findall(r"Programming Language :: Python :: (3\.\d+)", (ROOT / "setup.cfg").read_text()))
    assert claimed == {cell.python for cell in cells if cell is not dev.UNSUPPORTED}
