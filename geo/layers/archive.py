"""Zip safety: check an uploaded zip and extract one shapefile's parts from it.

Everything here runs before GDAL sees the file: :func:`unpack_shapefile` refuses absolute
paths, ``..``, symbolic links, encryption, too many entries and too many bytes (counting
what is actually written, not what the headers say), then copies only the ``.shp``,
``.shx``, ``.dbf`` and optional ``.prj``/``.cpg`` of one shapefile under generated names.
"""

from __future__ import annotations

import re
import stat
import zipfile
import zlib
from pathlib import Path, PurePosixPath

from geo.core.errors import InvalidFile

MAX_ZIP_ENTRIES = 50
MAX_UNZIPPED_BYTES = 1 << 30  # 300,000 buildings are ~150 MB of .shp + .dbf
SHAPEFILE_PARTS = ("shp", "shx", "dbf")
OPTIONAL_PARTS = ("prj", "cpg")

Parts = dict[str, zipfile.ZipInfo]


def unpack_shapefile(path: Path, layer: str | None, dest: Path, *,
                     max_bytes: int = MAX_UNZIPPED_BYTES) -> tuple[Path, set[str]]:
    """Check a zip and extract one shapefile's parts into ``dest`` under generated names.

    Parameters
    ----------
    path : Path
        The zip file.
    layer : str, optional
        The shapefile's name (without extension) when the zip holds several.
    dest : Path
        An empty directory; the parts are written as ``layer.shp``, ``layer.dbf``, ...
    max_bytes : int
        Most bytes the zip may unpack to, in all.

    Returns
    -------
    (Path, set of str)
        The .shp path and the optional parts present (``{"prj", "cpg"}`` at most).

    Raises
    ------
    InvalidFile
        Before anything is unpacked, for absolute paths, ``..``, symlinks, encryption,
        more than :data:`MAX_ZIP_ENTRIES` entries or more than ``max_bytes`` in all.
    """
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as err:
        raise InvalidFile(f"{path.name} is not a readable zip: {err}") from err
    with archive:
        infos = archive.infolist()
        _check_archive(path.name, infos, max_bytes)
        parts = _choose_shapefile(path.name, _group_parts(infos), layer)
        for ext, info in parts.items():
            try:
                _extract(archive, info, dest / f"layer.{ext}", path.name, max_bytes)
            except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError) as err:
                raise InvalidFile(f"{path.name}: cannot unpack {info.filename!r}: {err}") from err
    return dest / "layer.shp", set(parts) - set(SHAPEFILE_PARTS)


def _check_archive(name: str, infos: list[zipfile.ZipInfo], max_bytes: int) -> None:
    if len(infos) > MAX_ZIP_ENTRIES:
        raise InvalidFile(f"{name} has {len(infos)} entries (at most {MAX_ZIP_ENTRIES})")
    for info in infos:
        _check_entry(name, info)
    total = sum(info.file_size for info in infos)
    if total > max_bytes:
        raise InvalidFile(f"{name} unpacks to {total:,} bytes "
                          f"(at most {max_bytes:,}); refusing a possible zip bomb")


def _check_entry(name: str, info: zipfile.ZipInfo) -> None:
    entry = info.filename.replace("\\", "/")
    if entry.startswith("/") or re.match(r"[A-Za-z]:", entry):
        raise InvalidFile(f"{name}: entry {info.filename!r} has an absolute path")
    if ".." in PurePosixPath(entry).parts:
        raise InvalidFile(f"{name}: entry {info.filename!r} points outside the archive")
    if stat.S_ISLNK(info.external_attr >> 16):
        raise InvalidFile(f"{name}: entry {info.filename!r} is a symbolic link")
    if info.flag_bits & 0x1:
        raise InvalidFile(f"{name}: entry {info.filename!r} is encrypted")


def _group_parts(infos: list[zipfile.ZipInfo]) -> dict[str, Parts]:
    """``{'dir/grids': {'shp': info, 'dbf': info, ...}}``, ignoring macOS resource forks."""
    groups: dict[str, Parts] = {}
    for info in infos:
        entry = PurePosixPath(info.filename.replace("\\", "/"))
        ext = entry.suffix.lower().lstrip(".")
        if info.is_dir() or entry.name.startswith("._") or "__MACOSX" in entry.parts:
            continue
        if ext in (*SHAPEFILE_PARTS, *OPTIONAL_PARTS):
            groups.setdefault(str(entry.with_suffix("")), {})[ext] = info
    return groups


def _choose_shapefile(name: str, groups: dict[str, Parts], layer: str | None) -> Parts:
    stems = {PurePosixPath(s).name: s for s, parts in groups.items() if "shp" in parts}
    if layer is not None and layer not in stems:
        raise InvalidFile(f"{name} has no shapefile {layer!r}; it has: {', '.join(stems)}")
    if layer is None and len(stems) != 1:
        if not stems:
            raise InvalidFile(f"{name} holds no .shp file")
        raise InvalidFile(f"{name} holds {len(stems)} shapefiles ({', '.join(stems)}); "
                          "choose one with --layer")
    parts = groups[stems[layer or next(iter(stems))]]
    missing = [f".{ext}" for ext in SHAPEFILE_PARTS if ext not in parts]
    if missing:
        found = ", ".join(PurePosixPath(i.filename).name for i in parts.values())
        raise InvalidFile(f"{name}: the shapefile is missing its {' and '.join(missing)} "
                          f"(found: {found})")
    return parts


def _extract(archive: zipfile.ZipFile, info: zipfile.ZipInfo, target: Path, name: str,
             max_bytes: int) -> None:
    # Counted as it is written: the sizes in a zip's directory can lie.
    written = 0
    with archive.open(info) as src, open(target, "wb") as out:
        while block := src.read(1 << 20):
            written += len(block)
            if written > min(info.file_size, max_bytes):
                raise InvalidFile(f"{name}: {info.filename!r} is larger than its header says")
            out.write(block)
