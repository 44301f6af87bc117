"""The project's MongoDB wire-protocol server (FerretDB over SQLite, built from tools/wiredb)."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

from webbscope.devstack.process import ManagedProcess, ProcessStartError, free_port

_REPO_ROOT = Path(__file__).resolve().parents[3]


def find_wiredb() -> Path:
    """The wiredb binary: $WIREDB_BIN, then the active virtualenv, then PATH, then .cache/bin."""
    candidates = [
        os.environ.get("WIREDB_BIN"),
        str(Path(sys.prefix) / "bin" / "wiredb"),
        shutil.which("wiredb"),
        str(_REPO_ROOT / ".cache" / "bin" / "wiredb"),
    ]
    for c in candidates:
        if c and Path(c).is_file() and os.access(c, os.X_OK):
            return Path(c)
    raise ProcessStartError(
        "the wire-protocol database binary 'wiredb' was not found; "
        "run `make bootstrap` (it builds tools/wiredb) or set WIREDB_BIN"
    )


class WireDB(ManagedProcess):
    """A running wiredb with its data in `data_dir`; `uri` is its MongoDB connection string."""

    def __init__(self, data_dir: Path, *, host: str = "127.0.0.1", port: int | None = None) -> None:
        self.host = host
        self.port = port or free_port(host)
        self.data_dir = data_dir
        data_dir.mkdir(parents=True, exist_ok=True)
        super().__init__(
            "wiredb",
            [str(find_wiredb()), "-listen", f"{host}:{self.port}", "-dir", str(data_dir)],
            log_path=data_dir / "wiredb.log",
        )

    @property
    def uri(self) -> str:
        return f"mongodb://{self.host}:{self.port}"

    def answers(self) -> bool:
        """True once the server answers a ping over the wire."""
        from pymongo import MongoClient

        client: MongoClient[dict[str, object]]
        with MongoClient(self.uri, serverSelectionTimeoutMS=300) as client:
            client.admin.command("ping")
        return True


def start_wiredb(data_dir: Path, *, host: str = "127.0.0.1", port: int | None = None) -> WireDB:
    db = WireDB(data_dir, host=host, port=port)
    db.wait_ready(db.answers)
    return db
