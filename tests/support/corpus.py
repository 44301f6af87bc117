"""The corpus of real, odd FITS files (`tests/fixtures/fits-corpus`, see its README).

`corpus_files(out)` returns every corpus file as a FITS file on disk: the real files as they
are (gzip-compressed ones also decompressed), and each real header made into a small FITS file
whose cards are kept byte for byte. `mutations(data)` gives deterministic damaged variants of a
file for fuzz-like tests.
"""

from __future__ import annotations

import gzip
import math
import random
import re
from collections.abc import Iterator
from pathlib import Path

import numpy as np

CORPUS = Path(__file__).resolve().parents[1] / "fixtures" / "fits-corpus"
BLOCK = 2880
MAX_SIDE = 64

#: Files a correct reader must refuse (with a 4xx); every other corpus file must be accepted.
REFUSED = {"random_groups.fits", "simple_false_header_with_time.fits"}

_STRUCTURAL = re.compile(r"^(SIMPLE|XTENSION|BITPIX|NAXIS\d*|EXTEND|PCOUNT|GCOUNT|GROUPS|END)$")
_DTYPES = {8: ">u1", 16: ">i2", 32: ">i4", 64: ">i8", -32: ">f4", -64: ">f8"}


def header_cards(path: Path) -> list[str]:
    """The 80-character card images of a header file, up to (not including) END."""
    raw = path.read_bytes().decode("ascii", "replace")
    if "\n" in raw:
        lines = [line.rstrip("\r") for line in raw.split("\n")]
    else:
        lines = [raw[i : i + 80] for i in range(0, len(raw), 80)]
    cards = []
    for line in lines:
        card = line[:80].ljust(80)
        if card[:8].rstrip() == "END":
            break
        if line.strip() or cards:
            cards.append(card)
    while cards and not cards[-1].strip():
        cards.pop()
    return cards


def _value(cards: list[str], key: str) -> str | None:
    for card in cards:
        if card[:8].rstrip() == key and card[8:10] == "= ":
            return card[10:].split("/", 1)[0].strip()
    return None


def _int(cards: list[str], key: str) -> int | None:
    text = _value(cards, key)
    try:
        return int(text) if text is not None else None
    except ValueError:
        return None


def _card(key: str, value: object) -> str:
    text = "T" if value is True else "F" if value is False else str(value)
    if isinstance(value, str) and not isinstance(value, bool):
        text = f"'{value:<8}'"
    return f"{key:<8}= {text:>20}".ljust(80)


def _padded(text: str, fill: str = " ") -> bytes:
    data = text.encode("ascii", "replace")
    return data + fill.encode() * (-len(data) % BLOCK)


def fits_from_header(path: Path, out: Path) -> Path:
    """A FITS file holding the header of `path` (structural cards written anew, axes cut to
    at most `MAX_SIDE` pixels) and a small data array."""
    cards = header_cards(path)
    bitpix = _int(cards, "BITPIX") or -32
    naxis = _int(cards, "NAXIS")
    if naxis is None:
        naxis = _int(cards, "WCSAXES") or sum(1 for c in cards if re.match(r"CTYPE\d", c))
        naxis = naxis or 2
    axes = [min(MAX_SIDE, _int(cards, f"NAXIS{i}") or 32) for i in range(1, naxis + 1)]
    is_extension = bool(cards) and cards[0].startswith("XTENSION")
    body = [c for c in cards if not _STRUCTURAL.match(c[:8].rstrip())]
    head = [_card("XTENSION", "IMAGE") if is_extension else _card("SIMPLE", True)]
    head += [_card("BITPIX", bitpix), _card("NAXIS", len(axes))]
    head += [_card(f"NAXIS{i}", n) for i, n in enumerate(axes, start=1)]
    head += [_card("PCOUNT", 0), _card("GCOUNT", 1)] if is_extension else [_card("EXTEND", True)]
    text = "".join(head + body) + "END".ljust(80)
    count = math.prod(axes) if axes else 0
    values = (np.arange(count) % 97).astype(_DTYPES[bitpix])
    data = values.tobytes()
    data += b"\0" * (-len(data) % BLOCK)
    with out.open("wb") as f:
        if is_extension:
            primary = _card("SIMPLE", True) + _card("BITPIX", 8) + _card("NAXIS", 0)
            f.write(_padded(primary + _card("EXTEND", True) + "END".ljust(80)))
        f.write(_padded(text))
        f.write(data)
    return out


def corpus_files(out: Path) -> list[Path]:
    """Every corpus file as a FITS file under `out` (built once per directory)."""
    out.mkdir(parents=True, exist_ok=True)
    found: list[Path] = []
    for src in sorted((CORPUS / "files").iterdir()):
        if src.name.endswith(".gz"):
            target = out / src.name[: -len(".gz")]
            if not target.exists():
                target.write_bytes(gzip.decompress(src.read_bytes()))
            found.append(target)
        else:
            found.append(src)
    for src in sorted((CORPUS / "headers").glob("*.hdr")):
        target = out / f"{src.stem}.fits"
        if not target.exists():
            fits_from_header(src, target)
        found.append(target)
    return found


def compressed_corpus() -> list[Path]:
    """The corpus files stored compressed (`.fits.gz`), as they are."""
    return sorted((CORPUS / "files").glob("*.gz"))


def mutations(data: bytes, seed: int, count: int = 6) -> Iterator[tuple[str, bytes]]:
    """Deterministic damaged variants of a FITS file: cut short, bytes changed in the header,
    a card's value replaced with junk, a card duplicated, END removed."""
    rng = random.Random(seed)
    header_end = data.find(b"END" + b" " * 77)
    header_end = header_end if header_end > 0 else min(len(data), BLOCK)
    yield "truncated", data[: rng.randrange(1, max(2, len(data)))]
    for n in range(count):
        buf = bytearray(data)
        at = rng.randrange(0, max(1, header_end))
        buf[at] = rng.choice(b"=' /-0123456789.EDTF\x00\xff")
        yield f"byte-{n}", bytes(buf)
    cards = header_end // 80
    if cards > 1:
        buf = bytearray(data)
        at = rng.randrange(1, cards) * 80 + 10
        buf[at : at + 20] = b"1.2.3 4,5 'x  =junk "
        yield "junk-value", bytes(buf)
        buf = bytearray(data)
        src = rng.randrange(1, cards) * 80
        dst = rng.randrange(1, cards) * 80
        buf[dst : dst + 80] = data[src : src + 80]
        yield "duplicated-card", bytes(buf)
    yield "no-end", data.replace(b"END" + b" " * 77, b" " * 80, 1)
