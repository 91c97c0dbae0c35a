"""The README and docs/ link only to files of the repository: a fresh clone has nothing beside
it, so a link that leaves the repository (or names a file that is not there) is a dead end for
the reader it was written for."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
LINK = re.compile(r"\]\(([^)\s]+)\)")
EXTERNAL = ("http://", "https://", "mailto:")


def local_targets(page: Path) -> list[str]:
    """The page's relative link targets, anchors dropped (`#section`)."""
    targets = [match.group(1) for match in LINK.finditer(page.read_text(encoding="utf-8"))]
    return [target.split("#", 1)[0] for target in targets
            if not target.startswith(EXTERNAL) and target.split("#", 1)[0]]


@pytest.mark.parametrize("page", PAGES, ids=lambda page: page.name)
def test_every_link_stays_inside_the_repository_and_exists(page: Path) -> None:
    for target in local_targets(page):
        resolved = (page.parent / target).resolve()
        assert resolved.is_relative_to(ROOT), f"{page.name}: {target} leaves the repository"
        assert resolved.exists(), f"{page.name}: {target} does not exist"


def test_the_link_pattern_finds_links() -> None:
    """The check above is only as good as its pattern: it must see a plain, an anchored and an
    external link, and keep only the local ones."""
    page = ROOT / "README.md"
    assert "docs/design.md" in local_targets(page)
    assert LINK.findall("[a](x.md) [b](y.md#top) [c](https://e.org)") == [
        "x.md", "y.md#top", "https://e.org"]
