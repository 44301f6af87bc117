"""Uploads of real odd files through the real stack: the corpus of real files (never a 500),
compressed uploads (.fits.gz, .fz) and their bombs, ICRS positions, degenerate axes, refused
uploads that the client sends whole, header size limits and partial records."""

from __future__ import annotations

import asyncio
import gzip
import hashlib
import socket
import warnings
from pathlib import Path

import httpx
import numpy as np
import pytest
from astropy import units as u
from astropy.coordinates import SkyCoord
from astropy.io import fits
from astropy.wcs import WCS

from tests.support.api import ApiUser
from tests.support.corpus import REFUSED, compressed_corpus, corpus_files
from tests.support.fits_files import write_tile_bomb
from tests.support.stack import RunningStack
from tests.support.wait import eventually
from webbscope.db import Database

pytestmark = pytest.mark.integration


def err(r: httpx.Response) -> dict[str, object]:
    body = r.json()
    assert set(body["error"]) == {"code", "message", "details"}, body
    return body["error"]  # type: ignore[no-any-return]


def leftovers(stack: RunningStack, user: ApiUser) -> list[Path]:
    found = list((stack.data_dir / "uploads" / user.id).rglob("*"))
    found += list((stack.data_dir / ".staging").glob("*"))
    return [p for p in found if p.is_file()]


def my_records(user: ApiUser) -> list[dict[str, object]]:
    r = user.get("/api/records", params={"owner": "me", "archived": "any", "limit": 200})
    assert r.status_code == 200, r.text
    return r.json()["items"]  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    return corpus_files(tmp_path_factory.mktemp("corpus"))


# -- item 2: real odd files -----------------------------------------------------------------


def test_every_corpus_file_uploads_with_a_2xx_or_a_clear_4xx(
    alice: ApiUser, api_stack: RunningStack, corpus: list[Path]
) -> None:
    outcomes = {}
    for path in [*corpus, *compressed_corpus()]:
        r = alice.upload(path)
        assert r.status_code < 500, (path.name, r.text)
        if path.name in REFUSED:
            assert 400 <= r.status_code < 500, (path.name, r.text)
            assert err(r)["message"]
        else:
            assert r.status_code in (200, 201), (path.name, r.text)
        outcomes[path.name] = r.status_code
    assert not [p for p in (api_stack.data_dir / ".staging").glob("*") if p.is_file()]
    # The plate solution's unparsable card is fixed, and the record says so.
    dss = next(r for r in my_records(alice) if r["file_name"] == "dss_plate_solution.fits")
    got = alice.get(f"/api/records/{dss['id']}").json()
    assert any("SKEW" in w for w in got["metadata"]["warnings"]), got["metadata"]
    assert got["metadata"]["telescope"] == "UK 48-inch Schmidt"


# -- item 5: compressed uploads -------------------------------------------------------------


def test_a_gzip_compressed_upload_is_stored_decompressed(
    alice: ApiUser, corpus: list[Path]
) -> None:
    (gz,) = compressed_corpus()
    inside = gzip.decompress(gz.read_bytes())
    r = alice.upload(gz)
    assert r.status_code == 201, r.text
    rec = r.json()["items"][0]["record"]
    assert rec["file_name"] == "dss_plate_solution.fits"
    assert rec["size"] == len(inside)
    assert rec["sha256"] == hashlib.sha256(inside).hexdigest()
    assert alice.get(f"/api/records/{rec['id']}/download").content == inside
    # The same FITS file sent uncompressed is the same record.
    plain = next(p for p in corpus if p.name == "dss_plate_solution.fits")
    again = alice.upload(plain)
    assert again.status_code == 200 and again.json()["items"][0]["record"]["id"] == rec["id"]


def test_multi_member_gzip_and_tile_compressed_files(
    alice: ApiUser, corpus: list[Path], tmp_path: Path
) -> None:
    plain = next(p for p in corpus if p.name == "cadc_fk5.fits").read_bytes()
    half = len(plain) // 2
    members = tmp_path / "two_members.fits.gz"
    members.write_bytes(gzip.compress(plain[:half]) + gzip.compress(plain[half:]))
    r = alice.upload(members)
    assert r.status_code == 201, r.text
    assert r.json()["items"][0]["record"]["sha256"] == hashlib.sha256(plain).hexdigest()
    fz = tmp_path / "m13.fits.fz"
    fz.write_bytes(next(p for p in corpus if p.name == "m13_rice.fits").read_bytes())
    r = alice.upload(fz)
    assert r.status_code == 201, r.text
    rec = r.json()["items"][0]["record"]
    assert rec["file_name"] == "m13.fits.fz" and rec["metadata"]["hdus"][1]["type"] == (
        "compressed_image"
    )
    info = alice.get(f"/api/records/{rec['id']}/image-info", params={"ext": "1"})
    assert info.status_code == 200 and info.json()["shape"] == [300, 300]


def test_a_gzip_bomb_is_413_and_leaves_nothing(
    alice: ApiUser, api_stack: RunningStack, tmp_path: Path
) -> None:
    """60 MB of FITS in 60 kB of gzip: over the stack's 50 MB upload limit once decompressed."""
    header = fits.Header([("SIMPLE", True), ("BITPIX", 8), ("NAXIS", 1), ("NAXIS1", 60_000_000)])
    bomb = tmp_path / "bomb.fits.gz"
    with gzip.open(bomb, "wb", compresslevel=9) as out:
        out.write(header.tostring().encode())
        for _ in range(60):
            out.write(b"\0" * 1_000_000)
    assert bomb.stat().st_size < 200_000
    r = alice.upload(bomb)
    assert r.status_code == 413, r.text
    assert err(r)["code"] == "file_too_large" and err(r)["details"]["decompressed"] is True  # type: ignore[index]
    assert leftovers(api_stack, alice) == [] and my_records(alice) == []


@pytest.mark.parametrize(
    ("name", "payload", "status", "code"),
    [
        ("cut.fits.gz", lambda fits_bytes: gzip.compress(fits_bytes)[:-100], 422, "bad_gzip"),
        ("junk.fits.gz", lambda fits_bytes: b"\x1f\x8b" + b"junk" * 100, 422, "bad_gzip"),
        (
            "png.fits.gz",
            lambda fits_bytes: gzip.compress(b"\x89PNG\r\n\x1a\n" + b"x" * 200),
            422,
            "not_fits",
        ),
        ("archive.fits.bz2", lambda fits_bytes: fits_bytes, 422, "invalid_file_name"),
        ("notes.txt.gz", lambda fits_bytes: gzip.compress(fits_bytes), 422, "invalid_file_name"),
    ],
)
def test_bad_compressed_uploads_are_clear_4xx(
    alice: ApiUser,
    api_stack: RunningStack,
    corpus: list[Path],
    tmp_path: Path,
    name: str,
    payload,  # type: ignore[no-untyped-def]
    status: int,
    code: str,
) -> None:
    plain = next(p for p in corpus if p.name == "cadc_fk5.fits").read_bytes()
    path = tmp_path / name
    path.write_bytes(payload(plain))
    r = alice.upload(path)
    assert r.status_code == status, r.text
    assert err(r)["code"] == code
    assert leftovers(api_stack, alice) == []


def test_a_tile_compression_bomb_is_refused_at_upload(
    alice: ApiUser, api_stack: RunningStack, tmp_path: Path
) -> None:
    """Issue 12: a few-kB file holding one 30,000 x 30,000 compression tile (1.8 GB to
    decompress for any pixel) is refused from its header, before anything is decompressed."""
    bomb = write_tile_bomb(tmp_path / "tile_bomb.fits.fz")
    r = alice.upload(bomb)
    assert r.status_code == 413, r.text
    assert err(r)["code"] == "fits_tile_too_large"
    assert leftovers(api_stack, alice) == [] and my_records(alice) == []


# -- item 3: ICRS positions -----------------------------------------------------------------


def test_a_galactic_image_is_found_at_its_icrs_position(alice: ApiUser, corpus: list[Path]) -> None:
    path = next(p for p in corpus if p.name == "galactic_car.fits")
    rec = alice.upload(path).json()["items"][0]["record"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        header = fits.getheader(path)
        l_deg, b_deg = WCS(header).all_pix2world([[21.0, 21.0]], 0)[0]  # the 43 x 43 centre
    icrs = SkyCoord(l_deg * u.deg, b_deg * u.deg, frame="galactic").icrs
    found = alice.get(
        "/api/records", params={"owner": "me", "ra": icrs.ra.deg, "dec": icrs.dec.deg}
    )
    assert [i["id"] for i in found.json()["items"]] == [rec["id"]]
    native = alice.get(
        "/api/records",
        params={"owner": "me", "ra": l_deg % 360, "dec": b_deg, "radius": 0.5},
    )
    assert native.json()["items"] == []
    info = alice.get(f"/api/records/{rec['id']}/image-info").json()
    assert info["frame"] == "galactic"  # the readout stays galactic, and says so
    pixel = alice.get(f"/api/records/{rec['id']}/pixel", params={"x": 21, "y": 21}).json()
    assert pixel["frame"] == "galactic"
    assert pixel["ra"] == pytest.approx(l_deg % 360, abs=1e-6)


# -- item 4: degenerate axes ----------------------------------------------------------------


def test_a_radio_image_with_length_one_axes_is_viewable(
    alice: ApiUser, api_stack: RunningStack, tmp_path: Path
) -> None:
    header = fits.Header()
    for i, (ctype, crval, cdelt) in enumerate(
        [
            ("RA---SIN", 150.0, -0.001),
            ("DEC--SIN", 2.0, 0.001),
            ("FREQ", 1.4e9, 1e6),
            ("STOKES", 1, 1),
        ],
        start=1,
    ):
        header[f"CTYPE{i}"], header[f"CRVAL{i}"], header[f"CDELT{i}"] = ctype, crval, cdelt
        header[f"CRPIX{i}"] = 1.0
    header["BUNIT"] = "JY/BEAM"
    y, x = np.mgrid[0:30, 0:40]
    data = (x + 100 * y).astype(np.float32).reshape(1, 1, 30, 40)
    path = tmp_path / "radio.fits"
    fits.PrimaryHDU(data, header).writeto(path)
    rec = alice.upload(path).json()["items"][0]["record"]
    info = alice.get(f"/api/records/{rec['id']}/image-info")
    assert info.status_code == 200, info.text
    assert info.json()["shape"] == [30, 40]
    pixel = alice.get(f"/api/records/{rec['id']}/pixel", params={"x": 5, "y": 7}).json()
    assert pixel["value"] == 705
    tile = alice.get(f"/api/records/{rec['id']}/tiles/0/0/0.png")
    assert tile.status_code == 200 and tile.content.startswith(b"\x89PNG")
    histogram = alice.get(f"/api/records/{rec['id']}/histogram", params={"bins": 8})
    assert histogram.status_code == 200 and histogram.json()["total"] == 1200
    done = eventually(
        lambda: alice.get(f"/api/records/{rec['id']}/thumbnail"),
        lambda r: r.status_code == 200,
        timeout=60,
    )
    assert done.content.startswith(b"\xff\xd8")


# -- item 7: refused uploads read the body first --------------------------------------------


def _raw_upload(stack: RunningStack, user: ApiUser, name: str, content: bytes) -> bytes:
    """Send a whole multipart upload before reading anything, as simple clients do, and return
    the raw answer."""
    head = (
        f'--b\r\nContent-Disposition: form-data; name="files"; filename="{name}"\r\n\r\n'
    ).encode()
    body = head + content + b"\r\n--b--\r\n"
    request = (
        "POST /api/records HTTP/1.1\r\n"
        f"Host: 127.0.0.1:{stack.ports['backend']}\r\n"
        f"Authorization: Bearer {user.token}\r\n"
        f"X-Forwarded-For: {user.client.headers['X-Forwarded-For']}\r\n"
        "Content-Type: multipart/form-data; boundary=b\r\n"
        f"Content-Length: {len(body)}\r\n"
        "Connection: close\r\n\r\n"
    ).encode()
    with socket.create_connection(("127.0.0.1", stack.ports["backend"]), timeout=60) as sock:
        sock.sendall(request + body)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    return answer


@pytest.mark.parametrize(
    ("name", "first", "code"),
    [
        ("picture.png", b"\x89PNG\r\n\x1a\n", b"invalid_file_name"),
        ("picture.fits", b"\x89PNG\r\n\x1a\n", b"not_fits"),
    ],
    ids=["by-name", "by-first-bytes"],
)
def test_a_refused_upload_sent_whole_gets_its_error_not_a_reset(
    alice: ApiUser, api_stack: RunningStack, name: str, first: bytes, code: bytes
) -> None:
    content = first + b"\0" * 24_000_000  # far more than the socket buffers hold
    answer = _raw_upload(api_stack, alice, name, content)
    assert answer.startswith(b"HTTP/1.1 422"), answer[:200]
    assert code in answer
    assert leftovers(api_stack, alice) == []


# -- item 13: headers and partial records ---------------------------------------------------


def _many_cards(path: Path, hdus: int, cards: int) -> Path:
    """A FITS file whose HDUs carry `cards` header cards each (about 24 MB for 3 x 99,000)."""
    with path.open("wb") as out:
        for index in range(hdus):
            first = "SIMPLE  =                    T" if index == 0 else "XTENSION= 'IMAGE   '"
            lines = [first, "BITPIX  =                    8", "NAXIS   =                    0"]
            if index == 0:
                lines.append("EXTEND  =                    T")
            else:
                lines += ["PCOUNT  =                    0", "GCOUNT  =                    1"]
            lines += [f"K{n:07d}= {n:20d} / {'a comment of some length':<25}" for n in range(cards)]
            text = "".join(line.ljust(80) for line in lines) + "END".ljust(80)
            data = text.encode()
            out.write(data + b" " * (-len(data) % 2880))
    return path


def test_headers_over_the_limit_are_413_and_leave_no_record(
    alice: ApiUser, api_stack: RunningStack, tmp_path: Path
) -> None:
    """Three HDUs of 99,000 cards: more than the database takes in one document. Before, the
    record was written first and stayed behind when its headers failed, and dedup found it."""
    path = _many_cards(tmp_path / "many_cards.fits", 3, 99_000)
    for _ in range(2):  # again: no orphan answers "already in your library"
        r = alice.upload(path)
        assert r.status_code == 413, r.text
        assert err(r)["code"] == "fits_headers_too_large"
        assert leftovers(api_stack, alice) == [] and my_records(alice) == []

    async def orphans() -> tuple[int, int]:
        db = Database(api_stack.mongodb_uri, "webbscope")
        try:
            found = await db.collection("records").count_documents({"owner_id": alice.id})
            ids = [d["_id"] async for d in db.collection("records").find({}, {"_id": 1})]
            headers = await db.collection("record_headers").count_documents({"_id": {"$nin": ids}})
        finally:
            await db.close()
        return found, headers

    assert asyncio.run(orphans()) == (0, 0)


# -- item 8: the staging sweep --------------------------------------------------------------


def test_stale_staging_files_are_swept_but_not_one_in_use(
    alice: ApiUser, api_stack: RunningStack, corpus: list[Path]
) -> None:
    """The test stack sweeps every half second (STAGING_SWEEP_INTERVAL_S); files older than
    STAGING_MAX_AGE_S go, unless an upload still writes them."""
    import os
    import threading
    import time

    staging = api_stack.data_dir / ".staging"
    staging.mkdir(exist_ok=True)
    old = time.time() - 7 * 3600
    fresh = staging / "fresh.part"
    fresh.write_bytes(b"x")
    content = next(p for p in corpus if p.name == "cadc_fk5.fits").read_bytes()
    release = threading.Event()

    def slow_body():  # type: ignore[no-untyped-def]
        yield b'--b\r\nContent-Disposition: form-data; name="files"; filename="slow.fits"\r\n\r\n'
        yield content[:2880]
        release.wait(60)
        yield content[2880:]
        yield b"\r\n--b--\r\n"

    result: dict[str, httpx.Response] = {}

    def upload() -> None:
        result["r"] = alice.post(
            "/api/records",
            content=slow_body(),
            headers={"Content-Type": "multipart/form-data; boundary=b"},
        )

    thread = threading.Thread(target=upload)
    thread.start()
    try:
        in_use = eventually(
            lambda: [p for p in staging.glob("*.part") if p.name != "fresh.part"],
            lambda found: len(found) == 1,
        )[0]
        os.utime(in_use, (old, old))  # looks abandoned, but its upload is running
        stale = staging / "abandoned.part"
        stale.write_bytes(b"y" * 1000)
        os.utime(stale, (old, old))
        eventually(lambda: stale.exists(), lambda exists: not exists)  # a sweep has run
        eventually(lambda: stale.exists(), lambda exists: not exists)
        assert in_use.exists() and fresh.exists()
    finally:
        release.set()
        thread.join(60)
    assert result["r"].status_code == 201, result["r"].text
    fresh.unlink()


# -- item 8: extension names and int64 values -----------------------------------------------


def test_any_extension_name_or_index_is_chosen_and_int64_values_are_exact(
    alice: ApiUser, tmp_path: Path
) -> None:
    big = 2**62 + 12345
    data = np.arange(20, dtype=np.int64).reshape(4, 5)
    data[1, 2] = big
    hdus = fits.HDUList([fits.PrimaryHDU(), fits.ImageHDU(data, name="raw/sci [chip 1]")])
    path = tmp_path / "int64.fits"
    hdus.writeto(path)
    rec = alice.upload(path).json()["items"][0]["record"]
    for ext in ("raw/sci [chip 1]", "1"):
        info = alice.get(f"/api/records/{rec['id']}/image-info", params={"ext": ext})
        assert info.status_code == 200, info.text
        assert info.json()["index"] == 1 and info.json()["dtype"] == "int64"
        pixel = alice.get(f"/api/records/{rec['id']}/pixel", params={"ext": ext, "x": 2, "y": 1})
        assert pixel.status_code == 200, pixel.text
        assert pixel.json()["value"] == big  # exact: a float would answer 2**62 + 12288
    missing = alice.get(f"/api/records/{rec['id']}/image-info", params={"ext": "nope/x"})
    assert missing.status_code == 404 and err(missing)["details"]["indexes"] == [1]  # type: ignore[index]
