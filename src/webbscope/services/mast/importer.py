"""The `import` job: download an observation's products into the shared archive store and make
each completed file a record of the importing user's library.

1. The products are listed and checked (`plan`: the same rules the Products panel shows) before
   any byte is downloaded or any path is built from an archive-supplied name. The owner's
   storage quota (`webbscope.library.quota`) is checked by the listed sizes before any download,
   and again by the sizes that arrived before any record is made.
2. Files download several at a time with HTTP range requests: an interrupted file resumes where
   it stopped (its partial file survives a dropped connection, a cancel and a retry), archive
   errors are retried with backoff, sizes (and checksums when the archive sends them) are
   checked, and a file over its size limit is refused before its download starts. A file
   another user already imported is not downloaded again: storage is shared, records are per
   user. While the job runs it holds the stored files it reuses, so eviction leaves them alone.
3. Every downloaded file is checked (FITS, or an ECSV catalogue), then each becomes a record:
   level-2 members first, then images, then the catalogues and segmentation maps made from them
   (their lineage names the image).
4. Level-3 images of one observation, instrument and filter that tile a field get a mosaic
   job per patch of overlapping tiles (`webbscope.library.auto_mosaics`, from
   AUTO_MOSAIC_MIN_TILES of them).

A failure anywhere cancels every download still running and removes the partial files; nothing
incomplete is recorded. A cancel keeps the partial files for a retry. Exclusive-access files
download with the user's MAST API token, if they stored one; without one the import is refused
at once, saying until when the data are exclusive.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import logging
import shutil
import tempfile
from collections.abc import AsyncIterator, Awaitable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from webbscope.db.mast_tokens import MastTokensRepo
from webbscope.db.records import RecordsRepo
from webbscope.db.users import UsersRepo
from webbscope.domain.records import Record, Source
from webbscope.domain.users import User
from webbscope.errors import (
    BadRequest,
    Forbidden,
    PayloadTooLarge,
    UpstreamError,
    WebbscopeError,
)
from webbscope.fits import FitsLimits
from webbscope.fits._format import human_bytes
from webbscope.hashing import file_sha256
from webbscope.jobs.queue import JobQueue
from webbscope.jobs.worker import JobContext
from webbscope.library.auto_mosaics import queue_auto_mosaics
from webbscope.library.catalogues import inspect_catalogue, with_image
from webbscope.library.derived import ensure_derived, queue_pyramid
from webbscope.library.ingest import Inspected, add_file, inspect_file
from webbscope.library.quota import check_user_quota
from webbscope.mast import (
    ArchiveAccessDenied,
    ArchiveClient,
    ArchiveProduct,
    DownloadInterrupted,
    file_format,
    release_text,
)
from webbscope.services.common.metrics import IMPORT_BYTES
from webbscope.services.mast.cache import ArchiveFiles, evict
from webbscope.services.mast.plan import (
    FROM_IMAGE_SUFFIXES,
    IMAGE_SUFFIX,
    plan,
    storage_key,
    suffix,
)
from webbscope.services.mast.products import import_rules, release_dates
from webbscope.services.mast.sweep import partial_root, sweep_partials
from webbscope.settings import Settings
from webbscope.storage import MAST_PREFIX
from webbscope.storage.space import check_reserve

log = logging.getLogger("webbscope.import")
T = TypeVar("T")
REUSED = Path()  # the stored copy is used: nothing was downloaded


@dataclass
class Transfer:
    """Progress of the whole import, summed over its files."""

    ctx: JobContext
    total_bytes: int
    files: int
    done_bytes: dict[str, int] = field(default_factory=dict)
    resumed_bytes: dict[str, int] = field(default_factory=dict)
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

    def fetched(self, names: Iterable[str]) -> int:
        """Bytes this attempt downloaded of these files (not those an earlier attempt left)."""
        return sum(self.done_bytes.get(n, 0) - self.resumed_bytes.get(n, 0) for n in names)


def _disk_full(exc: OSError, name: str) -> WebbscopeError:
    return WebbscopeError(
        f"the disk is full while downloading {name}: free space or lower MAST_CACHE_MAX_BYTES",
        code="storage_full",  # one code for a full disk, as uploads and the API answer it
        status=507,
    )


def size_limit(settings: Settings, filename: str) -> int:
    return settings.max_table_bytes if file_format(filename) == "ecsv" else settings.max_fits_bytes


async def _download(
    client: ArchiveClient,
    product: ArchiveProduct,
    part: Path,
    transfer: Transfer,
    retries: int,
    max_bytes: int | None = None,
) -> int:
    """Bring `part` to the full file, resuming from its current size; return the size. A file
    the archive says is over `max_bytes` is refused before its download starts."""
    try:
        remote = await client.ahead(product.download_url)
    except UpstreamError as exc:
        if (exc.details or {}).get("retryable", True):
            raise  # the archive is briefly away: the job is tried again
        raise WebbscopeError(
            f"the archive cannot give {product.filename}: {exc.message}",
            code="archive_download_failed",
            status=502,
        ) from exc
    size = remote.size
    if product.size is not None and product.size != size:
        log.warning(
            "%s: the product list says %d bytes, the file has %d",
            product.filename,
            product.size,
            size,
        )
    if max_bytes is not None and size > max_bytes:
        raise PayloadTooLarge(
            f"{product.filename} is {human_bytes(size)}, over the {human_bytes(max_bytes)} "
            "limit: it was not downloaded",
            code="file_too_large",
            details={"file": product.filename, "size": size, "limit": max_bytes},
        )
    part.parent.mkdir(parents=True, exist_ok=True)
    have = part.stat().st_size if part.exists() else 0
    if have > size:
        part.unlink()
        have = 0
    transfer.resumed_bytes[product.filename] = have
    transfer.done_bytes[product.filename] = have
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
        digest = await asyncio.to_thread(file_sha256, part)
        if digest != remote.checksum.removeprefix("sha256:"):
            part.unlink(missing_ok=True)
            raise WebbscopeError(
                f"{product.filename}: the checksum does not match the archive's",
                code="archive_checksum_mismatch",
                status=502,
            )
    return size


async def run_together(jobs: Iterable[Awaitable[T]]) -> list[T]:
    """Run awaitables concurrently; when one fails (or this is cancelled) every other is
    cancelled and waited for before the error goes on — nothing keeps running behind it."""
    tasks = [asyncio.ensure_future(j) for j in jobs]
    try:
        return list(await asyncio.gather(*tasks))
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


def _access_refused(
    client: ArchiveClient, product: ArchiveProduct, exc: ArchiveAccessDenied, token_set: bool
) -> Forbidden:
    """What to say when the archive refuses a file (asks it when the data become public)."""
    when = release_text(release_dates(client, [product.obsid]).get(product.obsid))
    status = (exc.details or {}).get("http_status")
    if token_set:
        message = (
            f"the archive refused your MAST API token for {product.filename} (HTTP {status}): "
            f"{product.obs_id} is in exclusive access {when}, and the token does not give "
            f"access to it (it may have expired, or be of someone outside the programme's team)"
        )
    else:
        message = (
            f"{product.filename} is in exclusive access {when}: only the programme's team may "
            "download it; add your MAST API token if you are on it"
        )
    return Forbidden(
        message,
        code="exclusive_access",
        details={"file": product.filename, "http_status": status},
    )


@contextlib.asynccontextmanager
async def _stage_on_failure(ctx: JobContext) -> AsyncIterator[None]:
    """On failure (not on cancel), the stage says where the import failed."""
    try:
        yield
    except asyncio.CancelledError:
        raise
    except BaseException:
        stage = ctx.current.stage or "starting"
        with contextlib.suppress(Exception):
            await ctx.progress(stage=f"failed while {stage}", force=True)
        raise


async def import_job(ctx: JobContext) -> dict[str, Any]:
    params = ctx.job.params
    obsids = [str(o) for o in params.get("obsids", [])]
    settings = ctx.settings
    files = ArchiveFiles(ctx.db)
    staging = partial_root(settings) / ctx.job.id
    client: ArchiveClient | None = None
    async with _stage_on_failure(ctx):
        try:
            if not obsids:
                raise BadRequest("an import needs observation ids (obsids)", code="no_observations")
            owner = await UsersRepo(ctx.db).require(ctx.job.owner_id)
            await ctx.progress(stage="listing products", fraction=0.0)
            await sweep_partials(ctx.db, settings)
            token = await MastTokensRepo(ctx.db, settings.mast_token_secret).token(owner.id)
            client = ArchiveClient(
                settings.mast_server_url, settings.mast_timeout_s, mast_token=token
            )
            result = await _import(ctx, client, owner, obsids, token is not None, files, staging)
        except asyncio.CancelledError:
            raise  # the partial files stay for a retry
        except BaseException:
            await asyncio.to_thread(shutil.rmtree, staging, True)
            raise
        finally:
            with contextlib.suppress(Exception):
                await files.release(ctx.job.id)
            if client is not None:
                with contextlib.suppress(Exception):
                    await client.aclose()
    await asyncio.to_thread(shutil.rmtree, staging, True)
    with contextlib.suppress(Exception):
        await evict(ctx.db, ctx.storage, settings.mast_cache_max_bytes)
    return result


async def _import(
    ctx: JobContext,
    client: ArchiveClient,
    owner: User,
    obsids: list[str],
    token_set: bool,
    files: ArchiveFiles,
    staging: Path,
) -> dict[str, Any]:
    params, settings = ctx.job.params, ctx.settings
    listed = await asyncio.to_thread(
        client.list_products, obsids, recommended_only=bool(params.get("recommended_only", True))
    )
    exclusive = sorted({p.obsid for p in listed if p.exclusive_access})
    releases = (
        await asyncio.to_thread(release_dates, client, exclusive)
        if exclusive and not token_set
        else {}
    )
    chosen = plan(
        listed, params.get("products"), import_rules(settings, token_set=token_set), releases
    )
    products = chosen.products
    if not products:
        raise BadRequest(
            "these observations have no products that can be imported", code="nothing_to_import"
        )
    # Queued before the disk ran low: refused now (507 `storage_full`, a final failure
    # that names MIN_FREE_DISK_BYTES) rather than filling the reserve.
    await asyncio.to_thread(
        check_reserve, settings.data_dir, settings.min_free_disk_bytes, 0, "import"
    )
    total = sum(p.size or 0 for p in products)
    # Sizes as the archive lists them, before anything is downloaded: the import's own cap, then
    # the owner's quota (the files they already hold add nothing).
    if total > settings.max_import_bytes:
        raise PayloadTooLarge(
            f"these products total {human_bytes(total)}, over the "
            f"{human_bytes(settings.max_import_bytes)} one import may bring; import fewer",
            code="import_too_large",
            details={"total_bytes": total, "limit_bytes": settings.max_import_bytes},
        )
    owned = await RecordsRepo(ctx.db).owned_keys(owner.id, [storage_key(p) for p in products])
    new = [p for p in products if storage_key(p) not in owned]
    await check_user_quota(ctx.db, settings, owner.id, sum(p.size or 0 for p in new))
    transfer = Transfer(ctx, total, len(products))
    await ctx.progress(
        stage="downloading", items_total=len(products), bytes_total=transfer.total_bytes
    )
    semaphore = asyncio.Semaphore(settings.mast_download_concurrency)
    reused: set[str] = set()

    async def fetch(p: ArchiveProduct) -> Path:
        key = storage_key(p)
        async with semaphore:
            try:
                if p.exclusive_access:  # the archive decides, even for a file in the store
                    await client.ahead(p.download_url)
                known = await files.hold(key, ctx.job.id)
                if known is not None and await asyncio.to_thread(ctx.storage.exists, key):
                    reused.add(p.filename)
                    transfer.done_bytes[p.filename] = int(known["size"])
                    return REUSED
                part = staging / p.obs_id / (p.filename + ".part")
                await _download(
                    client,
                    p,
                    part,
                    transfer,
                    settings.mast_download_retries,
                    size_limit(settings, p.filename),
                )
            except ArchiveAccessDenied as exc:
                raise await asyncio.to_thread(_access_refused, client, p, exc, token_set) from exc
            return part

    parts = await run_together(fetch(p) for p in products)
    # Again with the sizes that arrived (a product list may understate them, or give none) and
    # the usage now (the account's other uploads and imports may have landed meanwhile), before
    # the first record is made or any file leaves the staging directory.
    await check_user_quota(
        ctx.db, settings, owner.id, sum(transfer.done_bytes.get(p.filename, 0) for p in new)
    )
    await ctx.progress(stage="checking files", fraction=0.99)
    checked = await _inspect_all(settings, products, parts)
    await ctx.progress(stage="adding to the library", fraction=0.99)
    results = await _record_all(ctx, owner, products, parts, checked, files)
    downloaded = [p.filename for p in products if p.filename not in reused]
    mosaics = await _auto_mosaics(ctx, owner, products)
    return {
        "imported": results,
        "auto_mosaic_jobs": mosaics,
        "files": len(products),
        "skipped": chosen.skipped,
        "reused_from_store": len(reused),
        "downloaded_bytes": transfer.fetched(downloaded),
        "resumed_bytes": sum(transfer.resumed_bytes.get(n, 0) for n in downloaded),
    }


async def _auto_mosaics(ctx: JobContext, owner: User, products: list[ArchiveProduct]) -> list[str]:
    """Mosaic jobs for the observations' tiles (`queue_auto_mosaics`); the import stands
    whatever happens here."""
    obs_ids = sorted({p.obs_id for p in products if suffix(p) == IMAGE_SUFFIX})
    try:
        return await queue_auto_mosaics(ctx.db, ctx.settings, owner.id, obs_ids)
    except Exception:
        log.exception("queueing the automatic mosaics of %s failed", ", ".join(obs_ids))
        return []


def _inspect(settings: Settings, product: ArchiveProduct, path: Path) -> Inspected:
    size = path.stat().st_size
    if file_format(product.filename) == "ecsv":
        return inspect_catalogue(path, product.filename, size, settings.max_table_bytes)
    return inspect_file(path, product.filename, FitsLimits.from_settings(settings))


async def _inspect_all(
    settings: Settings, products: list[ArchiveProduct], parts: list[Path]
) -> dict[str, Inspected]:
    """Every downloaded file read and checked before any is recorded: a bad file fails the
    import with nothing recorded."""
    checked: dict[str, Inspected] = {}
    for product, part in zip(products, parts, strict=True):
        if part != REUSED:
            checked[product.filename] = await asyncio.to_thread(_inspect, settings, product, part)
    return checked


async def _image_of(
    ctx: JobContext, owner: User, product: ArchiveProduct, made: dict[str, Record]
) -> Record | None:
    """The image a catalogue or segmentation map was made from: recorded by this import, or
    already in the owner's library."""
    name = f"{product.obs_id}_{IMAGE_SUFFIX}.fits"
    if name in made:
        return made[name]
    key = f"{MAST_PREFIX}{product.obs_id}/{name}"
    return await RecordsRepo(ctx.db).find_owned_key(owner.id, key)


def _lineage_note(product: ArchiveProduct, image: Record | None) -> str:
    if product.is_member:
        return f"level-2 member of MAST observation {product.parent_obsid}"
    if image is not None:
        what = "source catalogue" if suffix(product) == "cat" else "segmentation map"
        return f"{what} of {image.file_name} (MAST observation {product.obs_id})"
    return f"imported from MAST observation {product.obs_id} (obsid {product.obsid})"


async def _record_all(
    ctx: JobContext,
    owner: User,
    products: list[ArchiveProduct],
    parts: list[Path],
    checked: dict[str, Inspected],
    files: ArchiveFiles,
) -> list[dict[str, Any]]:
    member_records: dict[str, list[str]] = {}
    made: dict[str, Record] = {}
    results: list[dict[str, Any]] = []
    for product, part in zip(products, parts, strict=True):
        key = storage_key(product)
        image = (
            await _image_of(ctx, owner, product, made)
            if suffix(product) in FROM_IMAGE_SUFFIXES
            else None
        )
        async with _local_copy(ctx, key, part) as (path, size, sha):
            info = checked.get(product.filename)
            if info is None:
                info = await asyncio.to_thread(_inspect, ctx.settings, product, path)
            if file_format(product.filename) == "ecsv":
                info = with_image(info, image.metadata if image is not None else None)
            if image is not None:
                derived = [image.id]
            else:
                derived = [] if product.is_member else member_records.get(product.obsid, [])
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
                limits=FitsLimits.from_settings(ctx.settings),
                move=part != REUSED,
                inspected=info,
                derived_from=derived,
                lineage_note=_lineage_note(product, image),
            )
        await files.remember(key, size, sha, product.obs_id)
        made[product.filename] = added.record
        if (
            added.created and file_format(product.filename) == "fits"
        ):  # a thumbnail and a pyramid, as for an upload
            queue = JobQueue(ctx.db, ctx.settings.job_limits)
            await queue.enqueue(
                "thumbnail",
                owner.id,
                {"record_id": added.record.id},
                compute=True,
                check_limits=False,
            )
            await queue_pyramid(queue, owner.id, added.record.id)
        elif not added.created:  # already recorded: its derived jobs may have been stranded
            await ensure_derived(ctx.db, JobQueue(ctx.db, ctx.settings.job_limits), added.record.id)
        if product.is_member and product.parent_obsid:
            member_records.setdefault(product.parent_obsid, []).append(added.record.id)
        results.append(
            {"file": product.filename, "record_id": added.record.id, "created": added.created}
        )
        await ctx.progress(
            items_done=len(results), message=f"{len(results)} of {len(products)} added"
        )
    return results


@contextlib.asynccontextmanager
async def _local_copy(ctx: JobContext, key: str, part: Path):  # type: ignore[no-untyped-def]
    """(path, size, sha256) of the file to record: the fresh download, or the stored one."""
    if part != REUSED:
        size = part.stat().st_size
        sha = await asyncio.to_thread(file_sha256, part)
        yield part, size, sha
        return
    known = await ArchiveFiles(ctx.db).get(key)
    if known is None:
        raise WebbscopeError(
            f"{key} left the archive store while the import used it", code="store_changed"
        )
    local = await asyncio.to_thread(ctx.storage.local_path, key)
    if local is not None:
        yield local, known["size"], known["sha256"]
        return
    with tempfile.TemporaryDirectory(prefix="import-") as tmp:
        name = key.rsplit("/", 1)[-1]
        path = await asyncio.to_thread(ctx.storage.download_to, key, Path(tmp) / name)
        yield path, known["size"], known["sha256"]
