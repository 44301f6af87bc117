"""A local server that speaks the MAST archive protocol astroquery 0.4.x uses.

The real archive cannot be reached from development and test machines, so tests, benchmarks and
`webbscope up --offline-archive` run against this server instead. It answers:

- `POST /portal/Mashup/Mashup.asmx/columnsconfig` (`colConfigId=Mast.Caom.Cone` gets the real
  CAOM column configuration; `Mast.Caom.Products` one in the same shape);
- `POST /api/v0/invoke` (form field `request`): `Mast.Caom.Filtered`,
  `Mast.Caom.Filtered.Position`, `Mast.Caom.Cone` (true cones), `Mast.Caom.Products`,
  `Mast.Name.Lookup`; `COUNT_BIG(*)` counts; paging; `COMPLETE`/`EXECUTING`/`ERROR`;
- `GET /Santa-war/query?outputFormat=json&name=...`: the name resolver (astroquery calls
  `http://mastresolver.stsci.edu/Santa-war/query`; proxy-style absolute request targets are
  routed by path, so pointing `HTTP_PROXY` here also works);
- `HEAD`/`GET /api/v0.1/Download/file?uri=mast:JWST/product/<file>` with single byte ranges
  (206 + Content-Range, 416), `Accept-Ranges`, `Content-Length`, an `ETag` and a
  `Repr-Digest: sha-256=:<base64>:` header (RFC 9530; this server's extension — the real archive
  is not known to send a digest, so clients must treat it as optional);
- `POST /api/v0.1/Download/bundle.sh`: a curl script (astroquery's `curl_flag=True`);
- `GET /whoami`: the session information astroquery's `Observations.login(token=...)` checks a
  MAST API token with (the `mast_token` cookie). Files in exclusive access download only with a
  token of their programme's team: 401 without one (or with an unknown one), 403 with another
  user's. `TEAM_TOKEN` and `OUTSIDER_TOKEN` are the two tokens it knows.

Content: the demo products of `webbscope.demo.write_demo_data` (real FITS files, written into
`data_dir` when its manifest is missing) as JWST observations with their JPEG previews, each
level-3 image with the source catalogue (`_cat.ecsv`) and segmentation map (`_segm.fits`) the
real archive recommends beside it (made once into `data_dir/derived/`), a level-3 observation
listing its level-2 members' products, an observation in exclusive access (programme 4446, public
in 2035), plus metadata-only observations so searches page. Admin API (not part of the
archive's protocol):

- `GET /_health`;
- `GET /_faults`, `POST /_faults` (add one rule, see `FaultRule`), `PUT /_faults`
  (`{"rules": [...]}` replaces all), `DELETE /_faults` (clear), `DELETE /_faults/{id}`;
- `GET /_stats` (requests per path and service, per-file GETs/HEADs/bytes/ranges),
  `DELETE /_stats` (reset);
- `POST /_products` (`{"obsid", "rows": [...], "files": {name: base64}}`: add product rows, and
  the bytes behind them, to an observation — odd or hostile archive answers for tests),
  `DELETE /_products` (remove every added one).

Run it with `python -m webbscope.devstack.mast_server --port 8003 --data-dir data/mast-archive`,
`serve(...)`, or from tests with `start_mast_server(...)`.
"""

from __future__ import annotations

import argparse
import base64
import json
import logging
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import httpx
from starlette.applications import Starlette

from webbscope.demo import MANIFEST_NAME, write_demo_data
from webbscope.devstack.mast_archive._access import OUTSIDER_TOKEN, TEAM_TOKEN
from webbscope.devstack.mast_archive._app import create_app as _create_app
from webbscope.devstack.mast_archive._catalog import build_archive
from webbscope.devstack.mast_archive._faults import FaultRule
from webbscope.devstack.mast_archive._files import DroppedConnection
from webbscope.devstack.process import ManagedProcess, free_port

__all__ = [
    "DEFAULT_PORT",
    "OUTSIDER_TOKEN",
    "TEAM_TOKEN",
    "FaultRule",
    "MastServer",
    "create_app",
    "ensure_demo_data",
    "main",
    "serve",
    "start_mast_server",
]

DEFAULT_PORT = 8003
FaultSpec = FaultRule | Mapping[str, Any]


def ensure_demo_data(data_dir: Path, seed: int = 0, size: int = 512) -> Path:
    """Write the demo products into `data_dir` unless its manifest is already there."""
    data_dir = Path(data_dir)
    if not (data_dir / MANIFEST_NAME).is_file():
        write_demo_data(data_dir, seed=seed, size=size)
    return data_dir


def _rules(faults: Sequence[FaultSpec] | None) -> list[FaultRule]:
    return [f if isinstance(f, FaultRule) else FaultRule.model_validate(f) for f in faults or ()]


def create_app(
    data_dir: Path,
    *,
    seed: int = 0,
    size: int = 512,
    faults: Sequence[FaultSpec] | None = None,
    previews: bool = True,
) -> Starlette:
    """The ASGI app over `data_dir` (demo data is written there first if missing)."""
    ensure_demo_data(data_dir, seed, size)
    return _create_app(build_archive(data_dir, seed, previews=previews), _rules(faults))


class _QuietDrops(logging.Filter):
    """Injected connection drops are expected; keep their tracebacks out of the log."""

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        while exc is not None:
            if isinstance(exc, DroppedConnection):
                return False
            if isinstance(exc, BaseExceptionGroup) and exc.exceptions:
                exc = exc.exceptions[0]
            else:
                exc = exc.__cause__ or exc.__context__
        return True


def serve(
    host: str = "127.0.0.1",
    port: int = DEFAULT_PORT,
    data_dir: Path = Path("data/mast-archive"),
    *,
    seed: int = 0,
    size: int = 512,
    faults: Sequence[FaultSpec] | None = None,
    log_level: str = "info",
    access_log: bool = False,
) -> None:
    """Run the server in this process until interrupted (for `webbscope mast-test-server`)."""
    import uvicorn

    app = create_app(Path(data_dir), seed=seed, size=size, faults=faults)
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        log_level=log_level,
        access_log=access_log,
        timeout_graceful_shutdown=2,
    )
    server = uvicorn.Server(config)
    logging.getLogger("uvicorn.error").addFilter(_QuietDrops())
    server.run()


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="mast-test-server", description="A local MAST-protocol archive server"
    )
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=DEFAULT_PORT)
    p.add_argument("--data-dir", type=Path, default=Path("data/mast-archive"))
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--size", type=int, default=512, help="demo image width (pixels)")
    p.add_argument(
        "--fault",
        action="append",
        default=[],
        metavar="JSON",
        help='a fault rule, e.g. \'{"paths": ["/api/v0/invoke"], "latency_ms": 500}\'',
    )
    p.add_argument("--log-level", default="info")
    p.add_argument("--access-log", action="store_true")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    faults = [json.loads(f) for f in args.fault]
    serve(
        args.host,
        args.port,
        args.data_dir,
        seed=args.seed,
        size=args.size,
        faults=faults,
        log_level=args.log_level,
        access_log=args.access_log,
    )
    return 0


class MastServer(ManagedProcess):
    """A running server (child process); `url` is what `MAST_SERVER_URL` should be set to."""

    def __init__(
        self,
        data_dir: Path,
        *,
        host: str = "127.0.0.1",
        port: int | None = None,
        seed: int = 0,
        size: int = 512,
        faults: Sequence[FaultSpec] | None = None,
        log_path: Path | None = None,
    ) -> None:
        self.host = host
        self.port = port or free_port(host)
        self.data_dir = Path(data_dir)
        argv = [
            sys.executable,
            "-m",
            "webbscope.devstack.mast_server",
            "--host",
            host,
            "--port",
            str(self.port),
            "--data-dir",
            str(self.data_dir),
            "--seed",
            str(seed),
            "--size",
            str(size),
            "--log-level",
            "warning",
        ]
        for rule in _rules(faults):
            argv += ["--fault", rule.model_dump_json(exclude_defaults=True)]
        super().__init__(
            "mast-server", argv, log_path=log_path or self.data_dir / "logs" / "mast-server.log"
        )

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def answers(self) -> bool:
        return httpx.get(f"{self.url}/_health", timeout=1.0).status_code == 200

    def _admin(self, method: str, path: str, body: Any = None) -> Any:
        response = httpx.request(method, f"{self.url}{path}", json=body, timeout=10.0)
        response.raise_for_status()
        return response.json()

    def add_fault(self, rule: FaultSpec) -> int:
        """Add one rule; returns its id (for `remove_fault`)."""
        body = _rules([rule])[0].model_dump(exclude_defaults=True)
        return int(self._admin("POST", "/_faults", body)["id"])

    def set_faults(self, rules: Sequence[FaultSpec]) -> None:
        body = {"rules": [r.model_dump(exclude_defaults=True) for r in _rules(rules)]}
        self._admin("PUT", "/_faults", body)

    def remove_fault(self, rule_id: int) -> None:
        httpx.delete(f"{self.url}/_faults/{rule_id}", timeout=10.0)

    def clear_faults(self) -> None:
        self._admin("DELETE", "/_faults")

    def faults(self) -> list[dict[str, Any]]:
        rules: list[dict[str, Any]] = self._admin("GET", "/_faults")["rules"]
        return rules

    def stats(self) -> dict[str, Any]:
        stats: dict[str, Any] = self._admin("GET", "/_stats")
        return stats

    def reset_stats(self) -> None:
        self._admin("DELETE", "/_stats")

    def add_products(
        self,
        obsid: str,
        rows: Sequence[Mapping[str, Any]],
        files: Mapping[str, bytes] | None = None,
    ) -> list[str]:
        """Add product rows (and their files' bytes) to an observation; see `/_products`."""
        body = {
            "obsid": obsid,
            "rows": list(rows),
            "files": {k: base64.b64encode(v).decode() for k, v in (files or {}).items()},
        }
        added: list[str] = self._admin("POST", "/_products", body)["added"]
        return added

    def clear_products(self) -> None:
        self._admin("DELETE", "/_products")


def start_mast_server(
    data_dir: Path,
    host: str = "127.0.0.1",
    port: int | None = None,
    *,
    seed: int = 0,
    size: int = 512,
    faults: Sequence[FaultSpec] | None = None,
    log_path: Path | None = None,
    timeout: float = 60.0,
) -> MastServer:
    """Write the demo data into `data_dir` if missing, start the server, wait until it answers.

    Raises `ProcessStartError` (with the log tail) when it does not start.
    """
    ensure_demo_data(Path(data_dir), seed, size)
    server = MastServer(
        Path(data_dir), host=host, port=port, seed=seed, size=size, faults=faults, log_path=log_path
    )
    server.wait_ready(server.answers, timeout=timeout)
    return server


if __name__ == "__main__":
    raise SystemExit(main())
