"""The `import` job: download an observation's products into the shared archive store and make
each completed file a record of the importing user's library.

Files download several at a time with HTTP range requests: an interrupted file resumes where
it stopped (its partial file survives a dropped connection, a cancel and a retry), archive
errors are retried with backoff, sizes (and checksums when the archive sends them) are
checked. A file another user already imported is not downloaded again: storage is shared,
records are per user. A job that fails removes its partial files and records nothing
incomplete.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import hashlib
import logging
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from webbscope.db.users import UsersRepo
from webbscope.domain.records import Source
from webbscope.errors import BadRequest, UpstreamError, WebbscopeError
from webbscope.fits import FitsLimits
from webbscope.jobs.queue import JobQueue
from webbscope.jobs.worker import JobContext
from webbscope.library.ingest import add_file
from webbscope.mast import ArchiveClient, ArchiveProduct, DownloadInterrupted
from webbscope.services.common.metrics import IMPORT_BYTES
from webbscope.services.mast.cache import ArchiveFiles, evict
from webbscope.storage import MAST_PREFIX

log = logging.getLogger("webbscope.import")


def partial_dir(ctx: JobContext) -> Path:
    return ctx.settings.data_dir / ".partial" / "mast"


@dataclass
class Transfer:
    """Progress of the whole import, summed over its files."""

    ctx: JobContext
    total_bytes: int
    files: int
    done_bytes: dict[str, int] = field(default_factory=dict)
    files_done: int = 0

    async def report(self, name: str, have: int, stage: str = "downloading") -> None:
        self.done_bytes[name] = have
        done = sum(self.done_bytes.values())
        await self.ctx.progress(
            stage=stage,
            bytes_done=done,
            bytes_total=self.total_bytes,
            items_done=self.files_done,
            items_total=self.files,
            fraction=min(0.99, done / self.total_bytes) if self.total_bytes else 0.0,
            message=f"{self.files_done} of {self.files} files",
        )


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(4 * 1024 * 1024):
            h.update(chunk)
    return h.hexdigest()


def _disk_full(exc: OSError, name: str) -> WebbscopeError:
    return WebbscopeError(
        f"the disk is full while downloading {name}: free space or lower MAST_CACHE_MAX_BYTES",
        code="disk_full",
        status=507,
    )


async def _download(
    client: ArchiveClient,
    product: ArchiveProduct,
    part: Path,
    transfer: Transfer,
    retries: int,
) -> int:
    """Bring `part` to the full file, resuming from its current size; return the size."""
    remote = await client.ahead(product.download_url)
    size = remote.size
    if product.size is not None and product.size != size:
        log.warning(
            "%s: the product list says %d bytes, the file has %d",
            product.filename,
            product.size,
            size,
        )
    part.parent.mkdir(parents=True, exist_ok=True)
    have = part.stat().st_size if part.exists() else 0
    if have > size:
        part.unlink()
        have = 0
    failures = 0
    while have < size:
        try:
            with open(part, "ab") as out:
                async for chunk in client.adownload_range(product.download_url, have, None):
                    out.write(chunk)
                    have += len(chunk)
                    IMPORT_BYTES.inc(len(chunk))
                    await transfer.report(product.filename, have)  # throttled by the context
        except OSError as exc:
            if exc.errno in (errno.ENOSPC, errno.EDQUOT):
                raise _disk_full(exc, product.filename) from exc
            raise
        except (DownloadInterrupted, UpstreamError) as exc:
            have = part.stat().st_size
            failures += 1
            retryable = isinstance(exc, DownloadInterrupted) or bool(
                (exc.details or {}).get("retryable", True)
            )
            if not retryable or failures > retries:
                raise WebbscopeError(
                    f"downloading {product.filename} failed {failures} times: {exc.message}",
                    code="archive_download_failed",
                    status=502,
                ) from exc
            delay = min(30.0, 0.5 * 2 ** (failures - 1))
            log.info(
                "%s: %s; resuming at byte %d in %.1f s", product.filename, exc.code, have, delay
            )
            await asyncio.sleep(delay)
    if have != size:
        part.unlink(missing_ok=True)
        raise WebbscopeError(
            f"{product.filename}: received {have} bytes, the archive announced {size}",
            code="archive_size_mismatch",
            status=502,
        )
    if remote.checksum and remote.checksum.startswith("sha256:"):
        digest = await asyncio.to_thread(_sha256, part)
        if digest != remote.checksum.removeprefix("sha256:"):
            part.unlink(missing_ok=True)
            raise WebbscopeError(
                f"{product.filename}: the checksum does not match the archive's",
                code="archive_checksum_mismatch",
                status=502,
            )
    return size


def _select(products: list[ArchiveProduct], wanted: list[str] | None) -> list[ArchiveProduct]:
    fits = [
        p
        for p in products
        if p.product_type.upper() == "SCIENCE" and p.filename.lower().endswith(".fits")
    ]
    if wanted:
        by_name = {p.filename: p for p in fits}
        missing = [w for w in wanted if w not in by_name]
        if missing:
            raise BadRequest(
                f"not among the observations' FITS products: {', '.join(missing[:5])}",
                code="unknown_products",
            )
        fits = [by_name[w] for w in dict.fromkeys(wanted)]
    unique = {p.filename: p for p in fits}
    # Members (level-2 inputs) first, so level-3 records can name them as their sources.
    return sorted(unique.values(), key=lambda p: (not p.is_member, p.calib_level or 0, p.filename))


async def import_job(ctx: JobContext) -> dict[str, Any]:
    params = ctx.job.params
    obsids = [str(o) for o in params.get("obsids", [])]
    if not obsids:
        raise BadRequest("an import needs observation ids (obsids)", code="no_observations")
    owner = await UsersRepo(ctx.db).require(ctx.job.owner_id)
    limits = FitsLimits.from_settings(ctx.settings)
    client = ArchiveClient(ctx.settings.mast_server_url, ctx.settings.mast_timeout_s)
    files = ArchiveFiles(ctx.db)
    try:
        await ctx.progress(stage="listing products", fraction=0.0)
        listed = await asyncio.to_thread(
            client.list_products,
            obsids,
            recommended_only=bool(params.get("recommended_only", True)),
        )
        products = _select(listed, params.get("products"))
        if not products:
            raise BadRequest(
                "these observations have no FITS products to import", code="nothing_to_import"
            )
        transfer = Transfer(ctx, sum(p.size or 0 for p in products), len(products))
        semaphore = asyncio.Semaphore(ctx.settings.mast_download_concurrency)
        staging = partial_dir(ctx) / ctx.job.id
        reused: set[str] = set()

        async def fetch(p: ArchiveProduct) -> Path:
            key = f"{MAST_PREFIX}{p.obs_id}/{p.filename}"
            async with semaphore:
                known = await files.get(key)
                if known is not None and await asyncio.to_thread(ctx.storage.exists, key):
                    reused.add(p.filename)
                    await files.used(key)
                    transfer.done_bytes[p.filename] = known["size"]
                    return Path()
                part = staging / p.obs_id / (p.filename + ".part")
                await _download(client, p, part, transfer, ctx.settings.mast_download_retries)
                return part

        tasks = [asyncio.create_task(fetch(p)) for p in products]
        try:
            parts = await asyncio.gather(*tasks)
        except WebbscopeError:
            for t in tasks:
                t.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            shutil.rmtree(staging, ignore_errors=True)  # a failed job leaves nothing partial
            raise
        await ctx.progress(stage="adding to the library", fraction=0.99)
        results = await _record_all(ctx, owner, products, parts, files, limits)
        shutil.rmtree(staging, ignore_errors=True)
        await evict(ctx.db, ctx.storage, ctx.settings.mast_cache_max_bytes)
        downloaded = sum(p.size or 0 for p in products if p.filename not in reused)
        return {
            "imported": results,
            "files": len(products),
            "reused_from_store": len(reused),
            "downloaded_bytes": downloaded,
        }
    finally:
        await client.aclose()
        client.close()


async def _record_all(
    ctx: JobContext,
    owner: Any,
    products: list[ArchiveProduct],
    parts: list[Path],
    files: ArchiveFiles,
    limits: FitsLimits,
) -> list[dict[str, Any]]:
    member_records: dict[str, list[str]] = {}
    results: list[dict[str, Any]] = []
    for product, part in zip(products, parts, strict=True):
        key = f"{MAST_PREFIX}{product.obs_id}/{product.filename}"
        async with _local_copy(ctx, key, part) as (path, size, sha):
            derived = [] if product.is_member else member_records.get(product.obsid, [])
            note = (
                f"level-2 member of MAST observation {product.parent_obsid}"
                if product.is_member
                else f"imported from MAST observation {product.obs_id} (obsid {product.obsid})"
            )
            added = await add_file(
                ctx.db,
                ctx.storage,
                owner=owner,
                path=path,
                file_name=product.filename,
                size=size,
                sha256=sha,
                key=key,
                source=Source.mast,
                limits=limits,
                move=part != Path(),
                derived_from=derived,
                lineage_note=note,
            )
        await files.remember(key, size, sha, product.obs_id)
        if added.created:  # a thumbnail, as for an upload
            await JobQueue(ctx.db, ctx.settings.job_limits).enqueue(
                "thumbnail",
                owner.id,
                {"record_id": added.record.id},
                compute=True,
                check_limits=False,
            )
        if product.is_member and product.parent_obsid:
            member_records.setdefault(product.parent_obsid, []).append(added.record.id)
        results.append(
            {"file": product.filename, "record_id": added.record.id, "created": added.created}
        )
        ctx_done = len(results)
        await ctx.progress(items_done=ctx_done, message=f"{ctx_done} of {len(products)} added")
    return results


@contextlib.asynccontextmanager
async def _local_copy(ctx: JobContext, key: str, part: Path):  # type: ignore[no-untyped-def]
    """(path, size, sha256) of the file to record: the fresh download, or the stored one."""
    if part != Path():
        size = part.stat().st_size
        sha = await asyncio.to_thread(_sha256, part)
        yield part, size, sha
        return
    known = await ArchiveFiles(ctx.db).get(key)
    assert known is not None
    local = await asyncio.to_thread(ctx.storage.local_path, key)
    if local is not None:
        yield local, known["size"], known["sha256"]
        return
    with tempfile.TemporaryDirectory(prefix="import-") as tmp:
        path = await asyncio.to_thread(ctx.storage.download_to, key, Path(tmp) / "f.fits")
        yield path, known["size"], known["sha256"]
