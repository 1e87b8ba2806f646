"""Files of the warehouse on a local disk or an object store (``s3://``, ``gs://``, ``abfs://``, ``hdfs://``).

pyarrow's file systems do the work, the same ones pyiceberg reads and writes the tables with.  On a
local disk a file is written under a temporary name and renamed, so that it appears whole; an
object store's upload appears whole by itself.
"""
import fnmatch
import os
from typing import List, Tuple

from pyarrow import fs


def is_local(path: str) -> bool:
    return '://' not in path or path.startswith('file://')


def resolve(path: str) -> Tuple[fs.FileSystem, str]:
    """(file system, path within it)."""
    if is_local(path):
        return fs.LocalFileSystem(), os.path.abspath(path.removeprefix('file://'))
    return fs.FileSystem.from_uri(path)


def join(root: str, *parts: str) -> str:
    return '/'.join([root.rstrip('/'), *parts])


def create(path: str):
    """A writable binary stream of a new file (its folders are made as needed)."""
    filesystem, inner = resolve(path)
    filesystem.create_dir(os.path.dirname(inner), recursive=True)
    return filesystem.open_output_stream(inner)


def write_bytes(path: str, data: bytes) -> None:
    """Writes the file so that readers see all of it or none of it."""
    filesystem, inner = resolve(path)
    filesystem.create_dir(os.path.dirname(inner), recursive=True)
    if isinstance(filesystem, fs.LocalFileSystem):
        partial = f'{inner}.partial'
        with open(partial, 'wb') as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(partial, inner)
    else:
        with filesystem.open_output_stream(inner) as handle:
            handle.write(data)


def read_bytes(path: str) -> bytes:
    filesystem, inner = resolve(path)
    with filesystem.open_input_stream(inner) as handle:
        return handle.read()


def exists(path: str) -> bool:
    filesystem, inner = resolve(path)
    return filesystem.get_file_info(inner).type != fs.FileType.NotFound


def delete(path: str) -> None:
    filesystem, inner = resolve(path)
    info = filesystem.get_file_info(inner)
    if info.type == fs.FileType.Directory:
        filesystem.delete_dir(inner)
    elif info.type != fs.FileType.NotFound:
        filesystem.delete_file(inner)


def move(source: str, destination: str) -> None:
    filesystem, inner_source = resolve(source)
    _, inner_destination = resolve(destination)
    filesystem.create_dir(os.path.dirname(inner_destination), recursive=True)
    filesystem.move(inner_source, inner_destination)


def size(path: str) -> int:
    """Bytes of the file; -1 when there is none."""
    filesystem, inner = resolve(path)
    info = filesystem.get_file_info(inner)
    return -1 if info.type == fs.FileType.NotFound else info.size


def find(root: str, pattern: str) -> List[str]:
    """The files under ``root`` (at any depth) whose path relative to it matches the shell pattern."""
    filesystem, inner = resolve(root)
    selector = fs.FileSelector(inner, recursive=True, allow_not_found=True)
    prefix = root.rstrip('/')
    found = []
    for info in filesystem.get_file_info(selector):
        if info.type != fs.FileType.File:
            continue
        relative = os.path.relpath(info.path, inner) if is_local(root) else info.path[len(inner.rstrip('/')) + 1:]
        if fnmatch.fnmatch(relative, pattern):
            found.append(f'{prefix}/{relative}')
    return sorted(found)
