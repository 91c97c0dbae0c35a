"""Reading a YAML document strictly: the one reader behind every YAML file the project reads.

`yaml.safe_load` runs no code, but it lets the last of two equal keys win silently (a second
`budget:` block once turned a 2-network test into a 500-network search), it recurses once per
nesting level (a document nested ~1,000 levels deep is a RecursionError), and `open` on a named
pipe or `/dev/zero` waits or reads forever. So a document is read here as:

- a regular file only (opened without blocking, then checked with `fstat`: a FIFO, a device or
  a socket is refused before a byte is read), of at most `MAX_DOCUMENT_BYTES`;
- UTF-8 text;
- YAML through PyYAML's safe loader (no tags that build objects), nested at most
  `MAX_NESTING_DEPTH` levels (checked before composing, so neither Python's recursion limit
  nor libyaml's C stack is reached), and with every key of a mapping given once (`<<` merge
  keys excepted: overriding a merged key is what they are for). libyaml's loader
  (`yaml.CSafeLoader`) is used where PyYAML is built with it: the same documents and checks,
  ~8x faster on a technology preset (`StrictCLoader`); `StrictLoader` otherwise.

Every problem is a `DocumentError` (a ValueError) of one line naming the file, the line and,
for a repeated key, its path (`budget.trials`). It lives in `hwmodel` because the technology
presets are read here too, and `hwmodel` imports nothing of the application; `codesign` reads
every document through it (`codesign.problem.config_io`).
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any

import yaml

MAX_DOCUMENT_BYTES = 16 * 2**20  # the largest document the project writes is ~30 kB
MAX_NESTING_DEPTH = 64  # an exported design nests 5 levels


class DocumentError(ValueError):
    """A document that cannot be read: one line naming the file (and the line, the key)."""


UNNAMEABLE = "not a valid file name (it cannot be encoded for the file system)"


def _kind_of(mode: int) -> str:
    for test, kind in ((stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a named pipe"),
                       (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
                       (stat.S_ISSOCK, "a socket")):
        if test(mode):
            return kind
    return "not a regular file"


def input_file_problem(path: Path) -> str | None:
    """Why `path` is not a regular file to read (missing, a FIFO, a device, ...), or None."""
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        return "no such file"
    except OSError as exc:
        return f"cannot read ({exc.strerror})"
    except ValueError:  # a name no file system can hold (a lone surrogate, a NUL)
        return UNNAMEABLE
    return None if stat.S_ISREG(mode) else f"is {_kind_of(mode)}, expected a regular file"


def read_document_text(path: str | Path, limit: int = MAX_DOCUMENT_BYTES) -> str:
    """The UTF-8 text of a regular file of at most `limit` bytes (DocumentError otherwise).

    The file is opened with O_NONBLOCK, so a named pipe with no writer cannot make `open`
    wait; `fstat` on the open descriptor then refuses whatever is not a regular file."""
    path = Path(path)
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY)
    except FileNotFoundError:
        raise DocumentError(f"{path}: no such file") from None
    except OSError as exc:
        raise DocumentError(f"{path}: cannot read ({exc.strerror})") from None
    except ValueError:  # UnicodeEncodeError included
        raise DocumentError(f"{path}: {UNNAMEABLE}") from None
    mode = os.fstat(descriptor).st_mode
    if not stat.S_ISREG(mode):
        os.close(descriptor)
        kind = _kind_of(mode)
        expected = "a YAML file" if kind == "a directory" else "a regular file"
        raise DocumentError(f"{path}: is {kind}, expected {expected}")
    with os.fdopen(descriptor, "rb") as handle:
        try:
            data = handle.read(limit + 1)
        except OSError as exc:
            raise DocumentError(f"{path}: cannot read ({exc.strerror})") from None
    if len(data) > limit:
        raise DocumentError(f"{path}: larger than {limit // 2**20} MiB: not a document this "
                            "program writes or reads")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise DocumentError(f"{path}: not a UTF-8 text file (byte {exc.start})") from None


class _Problem(yaml.YAMLError):
    """A strictness rule broken while loading (valid YAML, refused), with its line."""

    def __init__(self, message: str, mark: yaml.Mark | None):
        super().__init__(message)
        self.problem, self.problem_mark = message, mark


class _UniqueKeys:
    """A loader that refuses a key given twice in one mapping, checked on the composed tree."""

    def construct_document(self, node):  # noqa: ANN001
        self._check_unique_keys(node)
        return super().construct_document(node)

    def _check_unique_keys(self, root: yaml.Node) -> None:
        """Walk the composed tree once (an alias is visited once however often it is used, so
        an alias bomb costs its size, not its expansion)."""
        visited: set[int] = set()
        stack: list[tuple[yaml.Node, str]] = [(root, "")]  # a node and its key path
        while stack:
            node, path = stack.pop()
            if id(node) in visited:
                continue
            visited.add(id(node))
            if isinstance(node, yaml.SequenceNode):
                stack += [(item, f"{path}[{index}]") for index, item in enumerate(node.value)]
            elif isinstance(node, yaml.MappingNode):
                seen: dict[Any, yaml.Mark] = {}
                for key_node, value_node in node.value:
                    key = self._scalar_key(key_node)
                    where = f"{path}.{key[0] if key else '?'}".lstrip(".")
                    if key is not None and key[0] in seen:
                        raise _Problem(f"key {where} is given twice (first on line "
                                       f"{seen[key[0]].line + 1})", key_node.start_mark)
                    if key is not None:
                        seen[key[0]] = key_node.start_mark
                    stack.append((value_node, where))

    def _scalar_key(self, node: yaml.Node) -> tuple[Any] | None:
        """(key,) for a plain scalar key, None for a merge key or a complex one."""
        if not isinstance(node, yaml.ScalarNode) or node.tag == "tag:yaml.org,2002:merge":
            return None
        try:
            key = self.construct_object(node)
            hash(key)
        except (yaml.YAMLError, TypeError, ValueError):
            return None  # the constructor reports it with its own message
        return (key,)


class StrictLoader(_UniqueKeys, yaml.SafeLoader):
    """`yaml.SafeLoader` that bounds nesting while composing and refuses a repeated key."""

    def __init__(self, stream: str):
        super().__init__(stream)
        self._depth = 0

    def compose_node(self, parent, index):  # noqa: ANN001 (PyYAML's signature)
        self._depth += 1
        try:
            if self._depth > MAX_NESTING_DEPTH:
                raise _Problem(f"nested deeper than {MAX_NESTING_DEPTH} levels",
                               self.peek_event().start_mark)
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


def _check_depth(text: str, loader: type) -> None:
    """Bound the nesting from the event stream (flat: no recursion), before libyaml composes
    the tree recursively in C."""
    depth = 0
    for event in yaml.parse(text, Loader=loader):
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_NESTING_DEPTH:
                raise _Problem(f"nested deeper than {MAX_NESTING_DEPTH} levels",
                               event.start_mark)
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1


if hasattr(yaml, "CSafeLoader"):
    class StrictCLoader(_UniqueKeys, yaml.CSafeLoader):
        """libyaml's safe loader, nesting bounded first (`_check_depth`), keys unique."""

        def __init__(self, stream: str):
            _check_depth(stream, yaml.CSafeLoader)
            super().__init__(stream)

    FAST_LOADER: type = StrictCLoader
else:  # PyYAML built without libyaml
    FAST_LOADER = StrictLoader


def parse_yaml(text: str, source: str | Path) -> Any:
    """The document in `text` (read from `source`, which messages name), strictly."""
    loader = None
    try:
        loader = FAST_LOADER(text)
        return loader.get_single_data()
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}: " if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        if isinstance(exc, _Problem):
            raise DocumentError(f"{source}: {where}{problem}") from None
        raise DocumentError(f"{source}: {where}invalid YAML ({problem})") from None
    except (ValueError, OverflowError) as exc:  # e.g. an integer of more than 4300 digits
        raise DocumentError(f"{source}: invalid YAML ({exc})") from None
    except RecursionError:  # nesting is bounded above; kept as a last guard
        raise DocumentError(f"{source}: invalid YAML (nested too deeply)") from None
    finally:
        if loader is not None:
            loader.dispose()


def load_yaml(path: str | Path) -> Any:
    """Read and parse the YAML document at `path` (see the module docstring)."""
    return parse_yaml(read_document_text(path), path)
