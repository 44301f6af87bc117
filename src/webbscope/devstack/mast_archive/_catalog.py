"""The archive's content: CAOM observation rows, their products, the files behind them and the
names the resolver knows — built from a demo-data directory (`webbscope.demo`).

Every product the archive lists can be downloaded and is a real file: the demo FITS products,
JPEG previews rendered from them and, for each level-3 image, the source catalogue (`_cat.ecsv`)
and segmentation map (`_segm.fits`) the real archive lists beside it in the Minimum Recommended
Products (see `_sources`). One observation (programme 4446) is in exclusive access: its files
download only with a MAST API token of its team (see `_access`). Metadata-only observations
(see `_synthetic`) have no products, so searches page without pretending there is data behind
every row.
"""

from __future__ import annotations

import hashlib
import re
import zlib
from collections import defaultdict
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from webbscope.demo import TARGETS, load_demo_manifest
from webbscope.devstack.mast_archive._access import (
    EXCLUSIVE_ACCESS,
    EXCLUSIVE_PROGRAM,
    EXCLUSIVE_RELEASE_MJD,
    PUBLIC,
)
from webbscope.devstack.mast_archive._previews import render_preview
from webbscope.devstack.mast_archive._sources import (
    DERIVED_DIR,
    relabelled_image,
    sha256_of,
    source_products,
)
from webbscope.devstack.mast_archive._synthetic import SyntheticField, synthetic_observations

MRP = "Minimum Recommended Products"
URI_PREFIX = "mast:JWST/product/"
CAL_VERSION = "1.14.0"
#: The demo image the exclusive-access observation is a relabelled copy of.
EXCLUSIVE_SOURCE = "jw02732-o002_t101_nircam_clear-f200w_i2d.fits"

_MODES = {"NIRCAM": "IMAGE", "MIRI": "IMAGE", "NIRISS": "IMAGE", "NIRSPEC": "IFU"}
_CLASSIFICATION = {
    "carina": "ISM;Star formation;HII region",
    "stephans-quintet": "Galaxy;Interacting galaxies;Compact group",
}
_DESCRIPTIONS = {
    "i2d": "Level-3 resampled and combined image (i2d)",
    "s3d": "Level-3 IFU spectral cube (s3d)",
    "x1d": "Level-3 extracted 1-D spectrum (x1d)",
    "cal": "Level-2b calibrated exposure (cal)",
    "cat": "Level-3 source catalog (cat)",
    "segm": "Level-3 segmentation map (segm)",
}
_CONTENT_TYPES = {".fits": "application/fits", ".ecsv": "text/plain", ".jpg": "image/jpeg"}


@dataclass(frozen=True)
class StoredFile:
    """One downloadable file: on disk (`path`) or in memory (`data`)."""

    filename: str
    size: int
    sha256: str
    content_type: str
    path: Path | None = None
    data: bytes | None = None


@dataclass(frozen=True)
class NameEntry:
    canonical: str
    ra: float
    dec: float
    object_type: str


@dataclass
class ObservationRecord:
    row: dict[str, Any]
    products: list[dict[str, Any]] = field(default_factory=list)
    """Its own products; `parent_obsid` and `productGroupDescription` are set per request."""
    members: list[str] = field(default_factory=list)
    """obsids of the lower-level observations this one was combined from."""


@dataclass
class Archive:
    rows: list[dict[str, Any]]
    """Every observation row, sorted by obs_id."""
    observations: dict[str, ObservationRecord]
    """By obsid."""
    files: dict[str, StoredFile]
    """By lower-cased file name."""
    names: dict[str, NameEntry]
    """By normalised name (see `name_key`)."""
    rights: dict[str, str] = field(default_factory=dict)
    """Exclusive-access files (lower-cased name) and the programme whose team may read them."""
    extra: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    """Product rows added at runtime through `/_products` (tests), by obsid."""
    extra_files: set[str] = field(default_factory=set)

    def add_products(
        self, obsid: str, rows: list[dict[str, Any]], files: dict[str, bytes]
    ) -> list[str]:
        """Add product rows (and the files behind them) to an observation: for tests of odd
        archive answers. Missing columns are filled in from the observation."""
        record = self.observations.get(obsid)
        if record is None:
            raise KeyError(obsid)
        names = []
        for row in rows:
            filename = str(row.get("productFilename", ""))
            full = {
                "obsID": obsid,
                "obs_collection": "JWST",
                "obs_id": record.row["obs_id"],
                "dataproduct_type": record.row.get("dataproduct_type"),
                "description": "added by a test",
                "type": "S",
                "dataURI": URI_PREFIX + filename,
                "productType": "SCIENCE",
                "productSubGroupDescription": None,
                "project": "CALJWST",
                "prvversion": CAL_VERSION,
                "proposal_id": record.row.get("proposal_id"),
                "size": len(files.get(filename, b"")),
                "dataRights": PUBLIC,
                "calib_level": record.row.get("calib_level"),
                "filters": record.row.get("filters"),
                **row,
            }
            self.extra.setdefault(obsid, []).append(full)
            names.append(filename)
        for name, data in files.items():
            self.files[name.lower()] = StoredFile(
                name, len(data), hashlib.sha256(data).hexdigest(), _content_type(name), data=data
            )
            self.extra_files.add(name.lower())
        return names

    def clear_extra(self) -> None:
        self.extra.clear()
        for name in self.extra_files:
            self.files.pop(name, None)
        self.extra_files.clear()

    def products(self, obsid: str) -> list[dict[str, Any]]:
        """The product rows the archive lists for one observation: its own products (science
        ones are the Minimum Recommended Products), then the science products of its members,
        each with `parent_obsid` = the observation asked for."""
        record = self.observations.get(obsid)
        if record is None:
            return []
        out = [
            {
                **p,
                "parent_obsid": obsid,
                "productGroupDescription": MRP if p["productType"] == "SCIENCE" else None,
            }
            for p in record.products
        ]
        for member in record.members:
            for p in self.observations[member].products:
                if p["productType"] == "SCIENCE":
                    out.append({**p, "parent_obsid": obsid, "productGroupDescription": None})
        for p in self.extra.get(obsid, []):
            default = MRP if p["productType"] == "SCIENCE" else None
            out.append({"parent_obsid": obsid, "productGroupDescription": default, **p})
        return out

    def resolve(self, name: str) -> NameEntry | None:
        return self.names.get(name_key(name))


def name_key(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "", name.lower())


def _obsid(obs_id: str, taken: set[str]) -> str:
    value = 80_000_000 + zlib.crc32(obs_id.encode()) % 10_000_000
    while str(value) in taken:
        value += 1
    taken.add(str(value))
    return str(value)


def _filters(entry: dict[str, Any]) -> str:
    if entry.get("grating"):
        return f"{entry['filter']};{entry['grating']}"
    pupil = entry.get("pupil")
    if pupil and pupil != "CLEAR":
        return f"{pupil};{entry['filter']}"
    return str(entry["filter"])


def _instrument_name(entry: dict[str, Any]) -> str:
    instrument = str(entry["instrument"])
    return f"{instrument}/{_MODES.get(instrument, 'IMAGE')}"


def _primary(entries: list[dict[str, Any]]) -> dict[str, Any]:
    order = {"i2d": 0, "s3d": 1, "cal": 2, "x1d": 3}
    return min(entries, key=lambda e: (order.get(e["product_type"], 9), e["file_name"]))


def _content_type(name: str) -> str:
    return _CONTENT_TYPES.get(Path(name).suffix.lower(), "application/octet-stream")


def _product_row(
    entry: dict[str, Any],
    obsid: str,
    filters: str,
    *,
    filename: str,
    size: int,
    kind: str,
    suffix: str | None = None,
) -> dict[str, Any]:
    suffix = suffix or str(entry["product_type"])
    subgroup = suffix.upper()
    return {
        "obsID": obsid,
        "obs_collection": "JWST",
        "dataproduct_type": entry["dataproduct_type"],
        "obs_id": entry["obs_id"],
        "description": (
            _DESCRIPTIONS.get(suffix, subgroup)
            if kind == "SCIENCE"
            else f"Preview image of {entry['file_name']}"
        ),
        "type": "S",
        "dataURI": URI_PREFIX + filename,
        "productType": kind,
        "productSubGroupDescription": subgroup,
        "productDocumentationURL": "",
        "project": "CALJWST",
        "prvversion": CAL_VERSION,
        "proposal_id": str(int(entry["program"])),
        "productFilename": filename,
        "size": size,
        "dataRights": entry.get("data_rights", PUBLIC),
        "calib_level": int(entry["calib_level"]),
        "filters": filters,
    }


def _observation_row(
    entries: list[dict[str, Any]], obsid: str, preview: str | None
) -> dict[str, Any]:
    main = _primary(entries)
    target = TARGETS.get(str(main["target_key"]))
    return {
        "intentType": "science",
        "obs_collection": "JWST",
        "dataproduct_type": main["dataproduct_type"],
        "instrument_name": _instrument_name(main),
        "project": "JWST",
        "filters": _filters(main),
        "wavelength_region": "INFRARED",
        "target_name": main["target_name"],
        "target_classification": _CLASSIFICATION.get(str(main["target_key"]), ""),
        "obs_id": main["obs_id"],
        "s_ra": main["ra"],
        "s_dec": main["dec"],
        "proposal_id": str(int(main["program"])),
        "proposal_pi": "Webbscope Demo",
        "calib_level": max(int(e["calib_level"]) for e in entries),
        "t_min": min(float(e["t_min"]) for e in entries),
        "t_max": max(float(e["t_max"]) for e in entries),
        "t_exptime": main["exposure_time"],
        "em_min": round(float(main["wavelength_min_um"]) * 1000.0, 3),
        "em_max": round(float(main["wavelength_max_um"]) * 1000.0, 3),
        "obs_title": target.title if target else str(main["target"]),
        "t_obs_release": main.get(
            "release_mjd", round(max(float(e["t_max"]) for e in entries) + 1.0, 5)
        ),
        "s_region": main["s_region"],
        "jpegURL": URI_PREFIX + preview if preview else None,
        "dataURL": URI_PREFIX + str(main["file_name"]),
        "dataRights": main.get("data_rights", PUBLIC),
        "mtFlag": False,
        "srcDen": None,
        "obsid": obsid,
        "objID": str(int(obsid) + 1_000_000_000),
    }


def _is_member(member: dict[str, Any], parent: dict[str, Any]) -> bool:
    """A lower-level exposure of the same program, observation and optical elements."""
    return (
        int(member["calib_level"]) < int(parent["calib_level"])
        and member["program"] == parent["program"]
        and member["observation"] == parent["observation"]
        and _filters(member) == _filters(parent)
        and member["instrument"] == parent["instrument"]
    )


def _resolver_names(fields: list[SyntheticField]) -> dict[str, NameEntry]:
    names: dict[str, NameEntry] = {}
    for target in TARGETS.values():
        entry = NameEntry(target.targname, target.ra, target.dec, "demo target")
        aliases = {target.targname, target.targprop, target.label, target.key}
        if target.key == "carina":
            aliases |= {"Cosmic Cliffs", "NGC 3324", "Carina Cosmic Cliffs"}
        if target.key == "stephans-quintet":
            aliases |= {"Stephan's Quintet", "HCG 92", "Stephans Quintet"}
        for alias in aliases:
            names[name_key(alias)] = entry
    for f in fields:
        names[name_key(f.name)] = NameEntry(f.name, f.ra, f.dec, "synthetic field")
    return names


def _exclusive_entries(data_dir: Path, manifest: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The exclusive-access observation: a relabelled copy of a Stephan's Quintet image,
    as programme 4446 observed it (public only at `EXCLUSIVE_RELEASE_MJD`)."""
    source = next((e for e in manifest if e["file_name"] == EXCLUSIVE_SOURCE), None)
    if source is None:
        return []
    obs_id = f"jw{EXCLUSIVE_PROGRAM}-o001_t101_nircam_clear-f200w"
    name = f"{obs_id}_i2d.fits"
    path = relabelled_image(
        data_dir / EXCLUSIVE_SOURCE,
        data_dir / DERIVED_DIR / name,
        PROGRAM=EXCLUSIVE_PROGRAM,
        OBSERVTN="001",
    )
    return [
        {
            **source,
            "file_name": name,
            "obs_id": obs_id,
            "program": EXCLUSIVE_PROGRAM,
            "observation": "001",
            "size_bytes": path.stat().st_size,
            "sha256": sha256_of(path),
            "path": str(path),
            "data_rights": EXCLUSIVE_ACCESS,
            "release_mjd": EXCLUSIVE_RELEASE_MJD,
        }
    ]


def build_archive(data_dir: Path, seed: int = 0, *, previews: bool = True) -> Archive:
    """The archive for a demo-data directory (it must hold `demo_manifest.json`)."""
    data_dir = Path(data_dir)
    manifest = load_demo_manifest(data_dir)
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for entry in [*manifest, *_exclusive_entries(data_dir, manifest)]:
        groups[str(entry["obs_id"])].append(entry)

    taken: set[str] = set()
    records: dict[str, ObservationRecord] = {}
    files: dict[str, StoredFile] = {}
    rights: dict[str, str] = {}
    obsid_of: dict[str, str] = {}

    def add_file(entry: dict[str, Any], path: Path, size: int, sha256: str) -> None:
        files[path.name.lower()] = StoredFile(
            path.name, size, sha256, _content_type(path.name), path=path
        )
        if entry.get("data_rights", PUBLIC) != PUBLIC:
            rights[path.name.lower()] = str(int(entry["program"]))

    for obs_id in sorted(groups):
        entries = groups[obs_id]
        obsid = obsid_of[obs_id] = _obsid(obs_id, taken)
        main = _primary(entries)
        preview_name: str | None = None
        products: list[dict[str, Any]] = []
        for entry in sorted(entries, key=lambda e: str(e["file_name"])):
            name = str(entry["file_name"])
            path = Path(entry.get("path") or data_dir / name)
            add_file(entry, path, int(entry["size_bytes"]), str(entry["sha256"]))
            science = partial(_product_row, entry, obsid, _filters(entry), kind="SCIENCE")
            products.append(science(filename=name, size=int(entry["size_bytes"])))
            if entry["product_type"] == "i2d" and entry["dataproduct_type"] == "image":
                for made in source_products(path, data_dir / DERIVED_DIR):
                    size = made.stat().st_size
                    add_file(entry, made, size, sha256_of(made))
                    suffix = made.name.rsplit("_", 1)[-1].split(".", 1)[0]
                    products.append(science(filename=made.name, size=size, suffix=suffix))
        if previews and main["dataproduct_type"] in ("image", "cube"):
            jpeg = render_preview(Path(main.get("path") or data_dir / str(main["file_name"])))
            if jpeg is not None:
                preview_name = str(main["file_name"]).removesuffix(".fits") + ".jpg"
                files[preview_name.lower()] = StoredFile(
                    preview_name,
                    len(jpeg),
                    hashlib.sha256(jpeg).hexdigest(),
                    "image/jpeg",
                    data=jpeg,
                )
                if main.get("data_rights", PUBLIC) != PUBLIC:
                    rights[preview_name.lower()] = str(int(main["program"]))
                products.append(
                    _product_row(
                        main,
                        obsid,
                        _filters(main),
                        filename=preview_name,
                        size=len(jpeg),
                        kind="PREVIEW",
                    )
                )
        records[obsid] = ObservationRecord(
            _observation_row(entries, obsid, preview_name), products=products
        )

    # Lineage: a level-3 observation lists the lower-level observations it was made from.
    for parent_id, parent_entries in groups.items():
        parent = _primary(parent_entries)
        for member_id, member_entries in groups.items():
            if member_id != parent_id and _is_member(_primary(member_entries), parent):
                records[obsid_of[parent_id]].members.append(obsid_of[member_id])

    fields, rows = synthetic_observations(seed)
    for row in rows:
        obsid = _obsid(str(row["obs_id"]), taken)
        row["obsid"] = obsid
        row["objID"] = str(int(obsid) + 1_000_000_000)
        records[obsid] = ObservationRecord(row)

    all_rows = sorted((r.row for r in records.values()), key=lambda r: str(r["obs_id"]))
    return Archive(all_rows, records, files, _resolver_names(fields), rights)
