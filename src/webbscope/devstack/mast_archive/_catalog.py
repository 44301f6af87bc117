"""The archive's content: CAOM observation rows, their products, the files behind them and the
names the resolver knows — built from a demo-data directory (`webbscope.demo`).

Every product the archive lists can be downloaded and is a real file: the demo FITS products
and JPEG previews rendered from them. Metadata-only observations (see `_synthetic`) have no
products, so searches page without pretending there is data behind every row.
"""

from __future__ import annotations

import hashlib
import re
import zlib
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from webbscope.demo import TARGETS, load_demo_manifest
from webbscope.devstack.mast_archive._previews import render_preview
from webbscope.devstack.mast_archive._synthetic import SyntheticField, synthetic_observations

MRP = "Minimum Recommended Products"
URI_PREFIX = "mast:JWST/product/"
CAL_VERSION = "1.14.0"
PUBLIC = "PUBLIC"

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
}


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


def _product_row(
    entry: dict[str, Any], obsid: str, filters: str, *, filename: str, size: int, kind: str
) -> dict[str, Any]:
    subgroup = str(entry["product_type"]).upper()
    return {
        "obsID": obsid,
        "obs_collection": "JWST",
        "dataproduct_type": entry["dataproduct_type"],
        "obs_id": entry["obs_id"],
        "description": (
            _DESCRIPTIONS.get(entry["product_type"], subgroup)
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
        "dataRights": PUBLIC,
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
        "t_obs_release": round(max(float(e["t_max"]) for e in entries) + 1.0, 5),
        "s_region": main["s_region"],
        "jpegURL": URI_PREFIX + preview if preview else None,
        "dataURL": URI_PREFIX + str(main["file_name"]),
        "dataRights": PUBLIC,
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


def build_archive(data_dir: Path, seed: int = 0, *, previews: bool = True) -> Archive:
    """The archive for a demo-data directory (it must hold `demo_manifest.json`)."""
    data_dir = Path(data_dir)
    manifest = load_demo_manifest(data_dir)
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for entry in manifest:
        groups[str(entry["obs_id"])].append(entry)

    taken: set[str] = set()
    records: dict[str, ObservationRecord] = {}
    files: dict[str, StoredFile] = {}
    obsid_of: dict[str, str] = {}
    for obs_id in sorted(groups):
        entries = groups[obs_id]
        obsid = obsid_of[obs_id] = _obsid(obs_id, taken)
        main = _primary(entries)
        preview_name: str | None = None
        products: list[dict[str, Any]] = []
        for entry in sorted(entries, key=lambda e: str(e["file_name"])):
            name = str(entry["file_name"])
            files[name.lower()] = StoredFile(
                name,
                int(entry["size_bytes"]),
                str(entry["sha256"]),
                "application/fits",
                path=data_dir / name,
            )
            products.append(
                _product_row(
                    entry,
                    obsid,
                    _filters(entry),
                    filename=name,
                    size=int(entry["size_bytes"]),
                    kind="SCIENCE",
                )
            )
        if previews and main["dataproduct_type"] in ("image", "cube"):
            jpeg = render_preview(data_dir / str(main["file_name"]))
            if jpeg is not None:
                preview_name = str(main["file_name"]).removesuffix(".fits") + ".jpg"
                files[preview_name.lower()] = StoredFile(
                    preview_name,
                    len(jpeg),
                    hashlib.sha256(jpeg).hexdigest(),
                    "image/jpeg",
                    data=jpeg,
                )
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
    return Archive(all_rows, records, files, _resolver_names(fields))
