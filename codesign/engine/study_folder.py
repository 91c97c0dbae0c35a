"""A study's folder, `OUTPUT_DIR/NAME/`, belongs to one study: its name *and* its storage.

Everything a search writes besides the storage goes in that folder (the design-point tables,
the trained networks' checkpoints, the `pareto` plots). Two studies of one name in different
storages would otherwise share it, and the second would overwrite the first's tables and
checkpoints (both number their networks from 0). So the folder holds a marker,
`.codesign-study.json`, naming the study and its storage (`codesign.engine.storage.storage_locator`:
an SQLite or journal file by its absolute path, a server by host, port and database). A search
or `pareto` whose study is another is refused with one line before anything is written; a
folder without a marker (made before markers existed) is claimed by the first study that
writes in it.

Paths built inside the folder are checked to stay there once links are resolved
(`codesign.outputs.check_inside`): a subfolder planted as a link to elsewhere is refused, not
written through.
"""

from __future__ import annotations

import json
from pathlib import Path

from codesign.engine.storage import storage_locator
from codesign.outputs import OutputError, check_inside, write_json
from hwmodel.strict_yaml import DocumentError, read_document_text

MARKER = ".codesign-study.json"


class StudyFolderClash(OutputError):
    """The study's folder holds another study's files (or cannot be told apart)."""


def study_folder(output_dir: str | Path, name: str) -> Path:
    return Path(output_dir) / name


def _owner(folder: Path) -> dict | None:
    """The marker's study and storage, or None where there is no marker."""
    marker = folder / MARKER
    if not marker.exists() and not marker.is_symlink():
        return None
    try:
        owner = json.loads(read_document_text(marker))
    except (DocumentError, ValueError) as exc:
        raise StudyFolderClash(f"{marker}: not a study marker ({exc}); move the folder "
                               "away or delete the file") from None
    if not isinstance(owner, dict):
        raise StudyFolderClash(f"{marker}: not a study marker; move the folder away or "
                               "delete the file")
    return owner


def check_study_folder(output_dir: str | Path, name: str, storage_url: str) -> Path:
    """The study's folder, if it is free or already this study's (raises StudyFolderClash
    otherwise). Writes nothing."""
    folder = study_folder(output_dir, name)
    check_inside(Path(output_dir), folder, "study folder")
    owner = _owner(folder) if folder.is_dir() else None
    this = {"study": name, "storage": storage_locator(storage_url)}
    if owner is not None and {key: owner.get(key) for key in this} != this:
        raise StudyFolderClash(
            f"{folder}: holds the files of study '{owner.get('study')}' in storage "
            f"{owner.get('storage')}, not of this one in {this['storage']}: give this study "
            "another name or output_dir (or move that folder away)")
    return folder


def is_study_folder_of(output_dir: str | Path, name: str, storage_url: str) -> bool:
    """Whether OUTPUT_DIR/NAME is marked as this study's: its search's folder, found again by
    a review command (an output_dir relative to where the search ran may, from elsewhere,
    name no folder or another study's)."""
    try:
        folder = check_study_folder(output_dir, name, storage_url)
    except OutputError:  # another study's, or outside output_dir
        return False
    return _owner(folder) is not None  # unmarked or absent: no search of this study wrote it


def claim_study_folder(output_dir: str | Path, name: str, storage_url: str) -> Path:
    """Check the folder (as `check_study_folder`) and mark it as this study's."""
    folder = check_study_folder(output_dir, name, storage_url)
    if _owner(folder) is None:
        write_json(folder / MARKER, {"study": name, "storage": storage_locator(storage_url)})
    return folder


def inside_study_folder(folder: Path, path: Path) -> Path:
    """`path` (a file or folder a study writes), checked to lie in the study's folder."""
    check_inside(folder, path, "study file")
    return path
