"""The data directory and the secret key in it: found by the settings, made by the commands that start things.

Reading the settings must not write anything (importing a module is not a reason to create directories or
keys: a test run, a type checker or a tool that only inspects the settings would leave them behind). The
``jingzhun`` command and the WSGI entry point call :func:`data_dir_prepare` before Django reads the settings.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path


def data_dir() -> Path:
    """``JINGZHUN_DATA_DIR``, else ``$XDG_DATA_HOME/jingzhun``, else ``~/.local/share/jingzhun``."""
    explicit = os.environ.get("JINGZHUN_DATA_DIR")
    if explicit:
        return Path(explicit).expanduser().resolve()
    xdg = os.environ.get("XDG_DATA_HOME")
    base = Path(xdg).expanduser() if xdg else Path.home() / ".local" / "share"
    return (base / "jingzhun").resolve()


def secret_key_path(directory: Path) -> Path:
    return directory / "secret_key"


def data_dir_prepare() -> Path:
    """Create the data directory (owner only) and its secret key on first use; returns the directory."""
    directory = data_dir()
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    key_file = secret_key_path(directory)
    if not os.environ.get("JINGZHUN_SECRET_KEY") and not key_file.exists():
        # Created with its final permissions: never readable by others, even for a moment.
        descriptor = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as target:
            target.write(secrets.token_urlsafe(50))
    return directory
