"""Uploading a 2 GB FITS file through the backend, against copying the same file on the same
disk (`shutil.copyfile`, the ceiling for any upload path); memory: the backend's resident
size before and during the upload. (Moved from `library_bench`, which now measures lists.)"""

from __future__ import annotations

import shutil
import tempfile
import threading
import time
from pathlib import Path

import psutil

from tests.support.api import register
from tests.support.stack import RunningStack, start_stack, stop_stack
from webbscope.demo import write_large_image


def upload(stack: RunningStack, work: Path) -> dict[str, float]:
    big = work / "big_i2d.fits"
    write_large_image(big, (23_170, 23_170))  # 2.1 GB of float32
    size = big.stat().st_size
    start = time.perf_counter()
    shutil.copyfile(big, work / "copy.fits")
    copy_s = time.perf_counter() - start
    (work / "copy.fits").unlink()
    user = register(stack.url("backend"), "uploader")
    backend = next(
        p
        for p in psutil.Process(stack.proc.pid).children(recursive=True)
        if "serve" in p.cmdline() and "backend" in p.cmdline()
    )
    before = backend.memory_info().rss
    peak = [before]
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            peak[0] = max(peak[0], backend.memory_info().rss)
            time.sleep(0.02)

    sampler = threading.Thread(target=sample)
    sampler.start()

    def body():  # type: ignore[no-untyped-def]
        yield (
            b'--b\r\nContent-Disposition: form-data; name="files"; filename="big_i2d.fits"\r\n\r\n'
        )
        with open(big, "rb") as f:
            while chunk := f.read(1024 * 1024):
                yield chunk
        yield b"\r\n--b--\r\n"

    start = time.perf_counter()
    r = user.client.post(
        "/api/records",
        content=body(),
        timeout=600,
        headers={**user.auth, "Content-Type": "multipart/form-data; boundary=b"},
    )
    upload_s = time.perf_counter() - start
    done.set()
    sampler.join()
    assert r.status_code == 201, r.text[:500]
    return {
        "size": size,
        "copy_s": copy_s,
        "upload_s": upload_s,
        "rss_before": before,
        "rss_peak": peak[0],
    }


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="upload-bench-") as tmp:
        stack = start_stack(Path(tmp) / "stack", env={"AUTH_RATE_LIMIT_PER_MINUTE": "10000"})
        try:
            up = upload(stack, Path(tmp))
            mb = up["size"] / 1e6
            print(
                f"upload of {mb:.0f} MB: {mb / up['upload_s']:.0f} MB/s "
                f"(disk copy baseline {mb / up['copy_s']:.0f} MB/s, "
                f"x{up['copy_s'] / up['upload_s']:.2f}); backend RSS "
                f"{up['rss_before'] / 1e6:.0f} MB -> peak {up['rss_peak'] / 1e6:.0f} MB "
                f"(+{(up['rss_peak'] - up['rss_before']) / 1e6:.0f} MB)"
            )
        finally:
            stop_stack(stack)


if __name__ == "__main__":
    main()
