"""The `webbscope` command: serve a service, write demo data, bring everything up locally."""

from __future__ import annotations

import argparse
import atexit
import os
import shutil
import sys
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

from webbscope.settings import SettingsError, load_settings

SERVICES = {
    "backend": ("webbscope.services.backend.app:create_app", 5000),
    "engine": ("webbscope.services.engine.app:create_app", 8000),
    "mast": ("webbscope.services.mast.app:create_app", 8000),
}


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    settings = load_settings()  # fail fast, with every problem named, before forking workers
    target, default_port = SERVICES[args.service]
    if args.workers > 1 and not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        # The workers share /metrics through files in one directory (prometheus_client's
        # multiprocess mode), made fresh for this run and removed after it.
        shared = tempfile.mkdtemp(prefix=f"webbscope-{args.service}-metrics-")
        atexit.register(shutil.rmtree, shared, True)
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = shared
    uvicorn.run(
        target,
        factory=True,
        host=args.host,
        port=args.port or default_port,
        workers=args.workers,
        reload=args.reload,
        log_config=None,
        log_level=settings.log_level.lower(),
        proxy_headers=True,
        forwarded_allow_ips=args.forwarded_allow_ips,
        timeout_graceful_shutdown=10,
        timeout_keep_alive=settings.http_keep_alive_s,
    )
    return 0


def _demo_data(args: argparse.Namespace) -> int:
    from webbscope.demo import write_demo_data

    paths = write_demo_data(Path(args.out), seed=args.seed, size=args.size)
    for p in paths:
        print(p)
    return 0


def _up(args: argparse.Namespace) -> int:
    from webbscope.devstack.stack import run_stack

    return run_stack(
        data_dir=Path(args.data_dir),
        port_offset=args.port_offset,
        host=args.host,
        offline_archive=args.offline_archive,
    )


def _frontdoor(args: argparse.Namespace) -> int:
    import uvicorn

    from webbscope.devstack.frontdoor import create_frontdoor

    app = create_frontdoor(Path(args.dist), args.backend)
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning", ws="websockets")
    return 0


def _mast_test_server(args: argparse.Namespace) -> int:
    del args  # handled in main() before parsing (it has its own options)
    return 2


def _admin(args: argparse.Namespace) -> int:
    from webbscope import admin

    if args.admin_command == "create":
        password = admin.read_password(args.password_stdin)
        return admin.run("create", username=args.username, email=args.email, password=password)
    return admin.run(args.admin_command, username=args.username)


def _worker(args: argparse.Namespace) -> int:
    from webbscope.jobs.runner import run_worker

    types = [t.strip() for t in args.types.split(",") if t.strip()]
    return run_worker(types, args.concurrency)


def _semantic(args: argparse.Namespace) -> int:
    from webbscope.services.engine.semantic.cli import run_rebuild

    return run_rebuild(args.batch_size, reembed=not args.snapshot_only)


def _openapi(args: argparse.Namespace) -> int:
    import importlib
    import json

    module, _, factory = SERVICES[args.service][0].partition(":")
    # The document depends on no setting or secret: build it wherever the command runs (a
    # checkout without WEBBSCOPE_ENV would otherwise be refused as a production without secrets).
    app = getattr(importlib.import_module(module), factory)(load_settings(environment="test"))
    text = json.dumps(app.openapi(), indent=2, sort_keys=True) + "\n"
    if args.out:
        Path(args.out).write_text(text)
    else:
        sys.stdout.write(text)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="webbscope", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("serve", help="run one service with uvicorn")
    p.add_argument("service", choices=sorted(SERVICES))
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=None, help="default: 5000 backend, 8000 others")
    p.add_argument("--workers", type=int, default=1)
    p.add_argument("--reload", action="store_true", help="development: reload on code changes")
    p.add_argument(
        "--forwarded-allow-ips",
        default="127.0.0.1",
        help="proxies whose X-Forwarded-* headers are trusted (nginx in containers: '*')",
    )
    p.set_defaults(func=_serve)

    p = sub.add_parser("demo-data", help="write deterministic synthetic JWST products")
    p.add_argument("--out", required=True, help="output directory")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--size", type=int, default=512, help="image side in pixels")
    p.set_defaults(func=_demo_data)

    p = sub.add_parser("up", help="run the whole system locally without Docker")
    p.add_argument("--data-dir", default="./data")
    p.add_argument("--port-offset", type=int, default=0, help="added to every port")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument(
        "--offline-archive",
        action="store_true",
        help="also start the local MAST-protocol test server and point the mast service at it",
    )
    p.set_defaults(func=_up)

    p = sub.add_parser("frontdoor", help="serve the built frontend and proxy /api and /hubs")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=3000)
    p.add_argument("--backend", default="http://127.0.0.1:5001")
    p.add_argument("--dist", default="frontend/dist")
    p.set_defaults(func=_frontdoor)

    p = sub.add_parser(
        "mast-test-server",
        help="run the local MAST-protocol archive (options: see `mast-test-server -h`)",
        add_help=False,
    )
    p.add_argument("args", nargs=argparse.REMAINDER)
    p.set_defaults(func=_mast_test_server)

    p = sub.add_parser("worker", help="run a job worker as its own process")
    p.add_argument("--types", required=True, help="comma-separated job types, e.g. thumbnail")
    p.add_argument("--concurrency", type=int, default=None, help="jobs at once")
    p.set_defaults(func=_worker)

    p = sub.add_parser("semantic", help="the semantic search index")
    semantic_sub = p.add_subparsers(dest="semantic_command", required=True)
    r = semantic_sub.add_parser("rebuild", help="embed every record again and rebuild the index")
    r.add_argument("--batch-size", type=int, default=None, help="records per batch (any size)")
    r.add_argument(
        "--snapshot-only", action="store_true", help="only write a snapshot of the stored vectors"
    )
    p.set_defaults(func=_semantic)

    p = sub.add_parser("openapi", help="write a service's OpenAPI document (no server needed)")
    p.add_argument("service", choices=sorted(SERVICES))
    p.add_argument("--out", help="file to write (default: standard output)")
    p.set_defaults(func=_openapi)

    from webbscope.backup.cli import add_parser as add_backup_parser

    add_backup_parser(sub)

    p = sub.add_parser("admin", help="manage administrators")
    admin_sub = p.add_subparsers(dest="admin_command", required=True)
    a = admin_sub.add_parser("create", help="create an administrator account")
    a.add_argument("--username", required=True)
    a.add_argument("--email", required=True)
    a.add_argument(
        "--password-stdin", action="store_true", help="read the password from standard input"
    )
    for name, text in (
        ("promote", "make a user an administrator"),
        ("demote", "make an administrator a user"),
    ):
        a = admin_sub.add_parser(name, help=text)
        a.add_argument("username")
    p.set_defaults(func=_admin)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["mast-test-server"]:  # its own options, parsed by its own parser
        from webbscope.devstack import mast_server

        return mast_server.main(argv[1:])
    args = build_parser().parse_args(argv)
    func: Callable[[argparse.Namespace], int] = args.func
    try:
        return func(args)
    except SettingsError as exc:
        print(f"webbscope: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
