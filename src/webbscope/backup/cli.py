"""`webbscope backup create|restore` against the database and storage the settings name."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from pathlib import Path

from webbscope.backup._run import create_backup, prune_backups, restore_backup
from webbscope.db import Database
from webbscope.errors import WebbscopeError
from webbscope.settings import load_settings
from webbscope.storage import make_storage


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("backup", help="back up or restore the database and stored files")
    cmds = p.add_subparsers(dest="backup_command", required=True)
    c = cmds.add_parser("create", help="write a new backup directory (prints its path)")
    c.add_argument("--out", default="./backups", help="directory to write it in")
    c.add_argument("--keep", type=int, default=0, help="then keep only the N newest backups")
    r = cmds.add_parser("restore", help="restore a backup (stop the services first)")
    r.add_argument("path", help="the backup directory (webbscope-backup-...)")
    r.add_argument("--replace", action="store_true", help="overwrite a database that is not empty")
    p.set_defaults(func=run)


async def _run(args: argparse.Namespace) -> str:
    settings = load_settings()
    db = Database(settings.mongodb_uri, settings.mongodb_db, timeout_ms=settings.mongodb_timeout_ms)
    try:
        await db.ping()
        storage = make_storage(settings)
        if args.backup_command == "create":
            out = Path(args.out)
            result = await create_backup(db, storage, out)
            for old in prune_backups(out, args.keep) if args.keep else []:
                print(f"removed old backup {old}", file=sys.stderr)
            m = result.manifest
            docs = sum(c.count for c in m.collections)
            objects = m.storage.count if m.storage else 0
            print(
                f"{len(m.collections)} collections ({docs} documents), {objects} stored "
                f"objects; consistency: {m.consistency}",
                file=sys.stderr,
            )
            return str(result.path)
        restored = await restore_backup(db, storage, Path(args.path), replace=args.replace)
        return (
            f"restored {restored.collections} collections ({restored.documents} documents); "
            f"stored objects: {restored.objects_restored} restored, "
            f"{restored.objects_unchanged} already in place"
        )
    finally:
        await db.close()


def run(args: argparse.Namespace) -> int:
    logging.basicConfig(level=logging.INFO, format="backup: %(message)s", stream=sys.stderr)
    try:
        print(asyncio.run(_run(args)))
    except WebbscopeError as exc:
        print(f"webbscope backup: {exc.message}", file=sys.stderr)
        return 1
    return 0
