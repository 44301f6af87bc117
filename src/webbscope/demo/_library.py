"""A demo library: record documents (as the records collection stores them) for the semantic
search evaluation and benchmarks. It holds the demo products (`write_demo_data`) and archive-
style products of featured targets — several instruments, filters and levels, notes and tags
in people's own words, and colour composites made from them — all deterministic. No FITS
files are written: search reads only what a record says."""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from webbscope.discovery import TARGETS, FeaturedTarget
from webbscope.domain.records import Visibility
from webbscope.records.fields import keyword_text, readers_of

OWNER = "000000000000000000000001"
_EPOCH = datetime(2022, 6, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Spec:
    key: str
    target: str
    instrument: str
    filter: str | None
    level: str
    product: str
    program: str
    description: str = ""
    tags: tuple[str, ...] = ()
    targname: str | None = None
    grating: str | None = None
    derived_from: tuple[str, ...] = ()
    title: str | None = None
    exposure: float = 1000.0

    @property
    def source(self) -> str:
        return "derived" if self.derived_from else "mast"


def _n(*specs: Spec) -> list[Spec]:
    return list(specs)


def _img(key: str, target: str, instrument: str, filt: str, program: str, **kw: Any) -> Spec:
    level = kw.pop("level", "3")
    product = kw.pop("product", "i2d" if level == "3" else "cal")
    return Spec(key, target, instrument, filt, level, product, program, **kw)


SPECS: list[Spec] = _n(
    # The demo products (webbscope.demo.write_demo_data): Cosmic Cliffs and Stephan's Quintet.
    _img("cc-f090w", "cosmic-cliffs", "NIRCAM", "F090W", "02731", targname="NGC 3324"),
    _img("cc-f200w", "cosmic-cliffs", "NIRCAM", "F200W", "02731", targname="NGC 3324"),
    _img(
        "cc-f444w",
        "cosmic-cliffs",
        "NIRCAM",
        "F444W",
        "02731",
        targname="NGC 3324",
        tags=("outreach",),
        description="Hot dust and molecular hydrogen light up the cliff edge",
    ),
    _img("cc-f770w", "cosmic-cliffs", "MIRI", "F770W", "02731", targname="NGC 3324"),
    _img(
        "cc-f1130w",
        "cosmic-cliffs",
        "MIRI",
        "F1130W",
        "02731",
        targname="NGC 3324",
        description="PAH emission from the irradiated cloud surface",
    ),
    _img("cc-cal", "cosmic-cliffs", "NIRCAM", "F200W", "02731", targname="NGC 3324", level="2b"),
    Spec(
        "cc-s3d",
        "cosmic-cliffs",
        "NIRSPEC",
        None,
        "3",
        "s3d",
        "02731",
        targname="NGC 3324",
        grating="G395M",
        description="IFU cube of a young star at the cloud's edge",
    ),
    Spec(
        "cc-x1d",
        "cosmic-cliffs",
        "NIRSPEC",
        None,
        "3",
        "x1d",
        "02731",
        targname="NGC 3324",
        grating="G395M",
        description="Spectrum of the young star: water ice and CO absorption",
    ),
    _img("sq-f200w-1", "stephans-quintet", "NIRCAM", "F200W", "02732", targname="STEPHANS QUINTET"),
    _img("sq-f200w-2", "stephans-quintet", "NIRCAM", "F200W", "02732", targname="STEPHANS QUINTET"),
    _img(
        "sq-f200w-3",
        "stephans-quintet",
        "NIRCAM",
        "F200W",
        "02732",
        targname="STEPHANS QUINTET",
        tags=("mosaic-input",),
    ),
    _img(
        "sq-f770w",
        "stephans-quintet",
        "MIRI",
        "F770W",
        "02732",
        targname="STEPHANS QUINTET",
        description="Shocked gas between the colliding galaxies",
    ),
    # Southern Ring: NIRCam and MIRI.
    _img(
        "sr-f187n",
        "southern-ring",
        "NIRCAM",
        "F187N",
        "02733",
        targname="NGC-3132",
        description="Paschen alpha from the ionised inner shell",
    ),
    _img(
        "sr-f212n",
        "southern-ring",
        "NIRCAM",
        "F212N",
        "02733",
        targname="NGC-3132",
        description="Molecular hydrogen in the outer rings",
    ),
    _img("sr-f356w", "southern-ring", "NIRCAM", "F356W", "02733", targname="NGC-3132"),
    _img(
        "sr-f1130w", "southern-ring", "MIRI", "F1130W", "02733", targname="NGC-3132", tags=("dust",)
    ),
    _img(
        "sr-f1800w",
        "southern-ring",
        "MIRI",
        "F1800W",
        "02733",
        targname="NGC-3132",
        description="The dusty companion star glows at the centre",
    ),
    # Ring Nebula.
    _img("rn-f162m", "ring-nebula", "NIRCAM", "F162M", "01558", targname="NGC6720"),
    _img(
        "rn-f335m",
        "ring-nebula",
        "NIRCAM",
        "F335M",
        "01558",
        targname="NGC6720",
        description="Aromatic emission in the knots of the main ring",
    ),
    _img("rn-f770w", "ring-nebula", "MIRI", "F770W", "01558", targname="NGC6720"),
    # SMACS 0723.
    _img(
        "sm-f090w",
        "smacs-0723",
        "NIRCAM",
        "F090W",
        "02736",
        targname="SMACS-0723",
        tags=("deep field",),
    ),
    _img("sm-f150w", "smacs-0723", "NIRCAM", "F150W", "02736", targname="SMACS-0723"),
    _img(
        "sm-f444w",
        "smacs-0723",
        "NIRCAM",
        "F444W",
        "02736",
        targname="SMACS-0723",
        description="Lensed arcs of background galaxies around the cluster core",
    ),
    _img("sm-f770w", "smacs-0723", "MIRI", "F770W", "02736", targname="SMACS-0723"),
    _img("sm-f1800w", "smacs-0723", "MIRI", "F1800W", "02736", targname="SMACS-0723"),
    # Pillars of Creation.
    _img("pc-f090w", "pillars-of-creation", "NIRCAM", "F090W", "02739", targname="M-16"),
    _img("pc-f187n", "pillars-of-creation", "NIRCAM", "F187N", "02739", targname="M-16"),
    _img(
        "pc-f470n",
        "pillars-of-creation",
        "NIRCAM",
        "F470N",
        "02739",
        targname="M-16",
        description="Molecular hydrogen at the tips of the columns",
    ),
    _img(
        "pc-f770w",
        "pillars-of-creation",
        "MIRI",
        "F770W",
        "02739",
        targname="M-16",
        tags=("outreach",),
    ),
    _img("pc-f1500w", "pillars-of-creation", "MIRI", "F1500W", "02739", targname="M-16"),
    # Cartwheel and Arp 220, II ZW 96: galaxies in collision.
    _img("cw-f090w", "cartwheel", "NIRCAM", "F090W", "02727", targname="CARTWHEEL"),
    _img("cw-f200w", "cartwheel", "NIRCAM", "F200W", "02727", targname="CARTWHEEL"),
    _img(
        "cw-f1000w",
        "cartwheel",
        "MIRI",
        "F1000W",
        "02727",
        targname="CARTWHEEL",
        description="Hot dust in the outer ring where stars form after the collision",
    ),
    _img("ar-f150w", "arp-220", "NIRCAM", "F150W", "01717", targname="ARP220"),
    _img(
        "ar-f560w",
        "arp-220",
        "MIRI",
        "F560W",
        "01717",
        targname="ARP220",
        description="Two nuclei of a merger buried in dust",
    ),
    _img("iz-f200w", "ii-zw-96", "NIRCAM", "F200W", "01328", targname="II-ZW-96"),
    _img("iz-f770w", "ii-zw-96", "MIRI", "F770W", "01328", targname="II-ZW-96"),
    # Supernova remnants.
    _img("cr-f162m", "crab-nebula", "NIRCAM", "F162M", "01714", targname="CRAB-NEBULA"),
    _img(
        "cr-f480m",
        "crab-nebula",
        "NIRCAM",
        "F480M",
        "01714",
        targname="CRAB-NEBULA",
        description="Synchrotron light from the pulsar wind",
    ),
    _img("cr-f1130w", "crab-nebula", "MIRI", "F1130W", "01714", targname="CRAB-NEBULA"),
    _img("ca-f356w", "cassiopeia-a", "NIRCAM", "F356W", "01947", targname="CAS-A"),
    _img(
        "ca-f1280w",
        "cassiopeia-a",
        "MIRI",
        "F1280W",
        "01947",
        targname="CAS-A",
        description="The green monster: a curtain of ejecta glowing behind the shell",
    ),
    _img("ca-f2550w", "cassiopeia-a", "MIRI", "F2550W", "01947", targname="CAS-A"),
    # Star formation.
    _img(
        "ro-f200w",
        "rho-ophiuchi",
        "NIRCAM",
        "F200W",
        "01711",
        targname="RHO-OPH",
        description="Jets from young stars and a dark protoplanetary disk shadow",
    ),
    _img("ro-f470n", "rho-ophiuchi", "NIRCAM", "F470N", "01711", targname="RHO-OPH"),
    _img(
        "ob-f335m",
        "orion-bar",
        "NIRCAM",
        "F335M",
        "01288",
        targname="ORIBAR",
        description="Aromatic bands trace the surface of the bar",
    ),
    _img("ob-f1130w", "orion-bar", "MIRI", "F1130W", "01288", targname="ORIBAR"),
    Spec(
        "ob-x1d",
        "orion-bar",
        "NIRSPEC",
        None,
        "3",
        "x1d",
        "01288",
        targname="ORIBAR",
        grating="G395H",
        description="Spectrum across the dissociation front",
    ),
    _img("ta-f444w", "tarantula", "NIRCAM", "F444W", "02729", targname="30-DOR"),
    _img("ta-f1130w", "tarantula", "MIRI", "F1130W", "02729", targname="30-DOR"),
    _img("n3-f115w", "ngc-346", "NIRCAM", "F115W", "01227", targname="NGC-346"),
    _img("n3-f770w", "ngc-346", "MIRI", "F770W", "01227", targname="NGC-346"),
    # Outflows and protostars.
    _img(
        "hh-f212n",
        "hh-211",
        "NIRCAM",
        "F212N",
        "01257",
        targname="HH211",
        description="Shocked molecular hydrogen in a bipolar outflow",
    ),
    _img("hh-f444w", "hh-211", "NIRCAM", "F444W", "01257", targname="HH211"),
    _img(
        "l1-f444w",
        "l1527",
        "NIRCAM",
        "F444W",
        "02739",
        targname="L1527",
        description="An hourglass lit by a protostar in its dark disk",
    ),
    _img("l1-f1280w", "l1527", "MIRI", "F1280W", "02739", targname="L1527"),
    # Spiral galaxies.
    _img(
        "pg-f770w",
        "phantom-galaxy",
        "MIRI",
        "F770W",
        "02107",
        targname="NGC0628",
        tags=("phangs",),
        description="Dusty spiral arms in the mid-infrared",
    ),
    _img(
        "pg-f2100w",
        "phantom-galaxy",
        "MIRI",
        "F2100W",
        "02107",
        targname="NGC0628",
        tags=("phangs",),
    ),
    _img(
        "pg-f335m",
        "phantom-galaxy",
        "NIRCAM",
        "F335M",
        "02107",
        targname="NGC0628",
        tags=("phangs",),
    ),
    _img("n1-f1000w", "ngc-1365", "MIRI", "F1000W", "02107", targname="NGC1365", tags=("phangs",)),
    _img(
        "n1-f200w",
        "ngc-1365",
        "NIRCAM",
        "F200W",
        "02107",
        targname="NGC1365",
        tags=("phangs",),
        description="Star clusters along the bar",
    ),
    _img(
        "so-f1130w",
        "sombrero",
        "MIRI",
        "F1130W",
        "01819",
        targname="M104",
        description="The smooth dust ring of an edge-on galaxy",
    ),
    _img(
        "m8-f250m",
        "m82",
        "NIRCAM",
        "F250M",
        "01701",
        targname="M82",
        description="Starburst core with superwind filaments",
    ),
    # Clusters and deep fields.
    _img(
        "pa-f115w",
        "pandoras-cluster",
        "NIRCAM",
        "F115W",
        "02561",
        targname="ABELL2744",
        tags=("uncover", "deep field"),
    ),
    _img(
        "pa-f277w",
        "pandoras-cluster",
        "NIRCAM",
        "F277W",
        "02561",
        targname="ABELL2744",
        tags=("uncover", "deep field"),
    ),
    _img(
        "eg-f150w",
        "el-gordo",
        "NIRCAM",
        "F150W",
        "01176",
        targname="EL-GORDO",
        description="A giant arc: a lensed galaxy behind the cluster",
    ),
    _img(
        "hu-f115w",
        "hudf",
        "NIRCAM",
        "F115W",
        "01180",
        targname="GOODS-S",
        tags=("jades", "deep field"),
        description="Candidate galaxies at redshift above ten",
    ),
    _img("hu-f444w", "hudf", "NIRCAM", "F444W", "01180", targname="GOODS-S", tags=("jades",)),
    _img("eg-f356w", "egs", "NIRCAM", "F356W", "01345", targname="EGS", tags=("ceers",)),
    _img("eg-f770w", "egs", "MIRI", "F770W", "01345", targname="EGS", tags=("ceers",)),
    # Stars, disks and exoplanets.
    _img(
        "wr-f210m",
        "wr-124",
        "NIRCAM",
        "F210M",
        "01182",
        targname="WR124",
        description="Clumps of ejected material around a massive star",
    ),
    _img("wr-f1130w", "wr-124", "MIRI", "F1130W", "01182", targname="WR124"),
    _img(
        "fo-f2550w",
        "fomalhaut",
        "MIRI",
        "F2550W",
        "01193",
        targname="FOMALHAUT",
        description="Nested belts of warm dust around the star",
    ),
    _img(
        "bp-f1550c",
        "beta-pictoris",
        "MIRI",
        "F1550C",
        "01411",
        targname="BETA-PIC",
        description="Coronagraphic image of the edge-on disk and its warp",
    ),
    _img(
        "tr-f1500w",
        "trappist-1",
        "MIRI",
        "F1500W",
        "01177",
        targname="TRAPPIST-1",
        description="Secondary eclipse photometry of planet b",
        level="2b",
        product="calints",
    ),
    _img("we-f444w", "westerlund-1", "NIRCAM", "F444W", "01905", targname="WD1"),
    _img("n6-f200w", "ngc-602", "NIRCAM", "F200W", "02662", targname="NGC602"),
    # Raw and intermediate products.
    _img(
        "cc-uncal",
        "cosmic-cliffs",
        "NIRCAM",
        "F444W",
        "02731",
        targname="NGC 3324",
        level="1",
        product="uncal",
    ),
    _img(
        "sr-rate",
        "southern-ring",
        "MIRI",
        "F1130W",
        "02733",
        targname="NGC-3132",
        level="2a",
        product="rate",
    ),
    # Colour composites made in Webbscope.
    Spec(
        "cc-rgb",
        "cosmic-cliffs",
        "NIRCAM",
        None,
        "3",
        "composite",
        "02731",
        targname="NGC 3324",
        derived_from=("cc-f090w", "cc-f200w", "cc-f444w"),
        description="Three-colour view of the cliffs",
        tags=("rgb",),
    ),
    Spec(
        "sr-rgb",
        "southern-ring",
        "NIRCAM",
        None,
        "3",
        "composite",
        "02733",
        targname="NGC-3132",
        derived_from=("sr-f187n", "sr-f212n", "sr-f356w"),
        description="Narrow-band highlight of the shells",
        tags=("rgb",),
    ),
    Spec(
        "pc-rgb",
        "pillars-of-creation",
        "MIRI",
        None,
        "3",
        "composite",
        "02739",
        targname="M-16",
        derived_from=("pc-f770w", "pc-f1500w"),
        tags=("rgb",),
    ),
    Spec(
        "sm-rgb",
        "smacs-0723",
        "NIRCAM",
        None,
        "3",
        "composite",
        "02736",
        targname="SMACS-0723",
        derived_from=("sm-f090w", "sm-f150w", "sm-f444w"),
    ),
    Spec(
        "sq-mosaic",
        "stephans-quintet",
        "NIRCAM",
        "F200W",
        "3",
        "mosaic",
        "02732",
        targname="STEPHANS QUINTET",
        derived_from=("sq-f200w-1", "sq-f200w-2", "sq-f200w-3"),
        description="Three pointings stitched into one",
    ),
)


def _oid(i: int) -> str:
    return f"{0xD0000000 + i:08x}{'0' * 16}"


def _file_name(spec: Spec, target: FeaturedTarget) -> str:
    prog = spec.program.zfill(5)
    if spec.source == "derived":
        return f"{spec.key}-{spec.product}.fits"
    element = (spec.grating or spec.filter or "clear").lower()
    inst = spec.instrument.lower()
    if spec.level in ("1", "2a", "2b"):
        detector = {"NIRCAM": "nrcb1", "MIRI": "mirimage", "NIRSPEC": "nrs1"}.get(
            spec.instrument, "nis"
        )
        return f"jw{prog}001001_02101_00001_{detector}_{spec.product}.fits"
    tid = zlib.crc32(target.key.encode()) % 1000
    return f"jw{prog}-o001_t{tid:03d}_{inst}_{element}_{spec.product}.fits"


def demo_library() -> list[dict[str, Any]]:
    """The demo library's record documents, in a fixed order, each with its `key`."""
    docs: list[dict[str, Any]] = []
    ids: dict[str, str] = {}
    for i, spec in enumerate(SPECS):
        ids[spec.key] = _oid(i)
    for i, spec in enumerate(SPECS):
        target = TARGETS[spec.target]
        name = _file_name(spec, target)
        when = _EPOCH + timedelta(days=7 * i, hours=i % 5)
        meta = {
            "file_name": name,
            "obs_id": name.removesuffix(".fits").rsplit("_", 1)[0],
            "telescope": "JWST",
            "instrument": spec.instrument,
            "filter": spec.filter if not spec.grating else None,
            "grating": spec.grating,
            "pupil": "CLEAR" if spec.instrument == "NIRCAM" and spec.filter else None,
            "target_name": spec.targname or target.name.upper(),
            "target_ra": target.ra,
            "target_dec": target.dec,
            "center_ra": target.ra,
            "center_dec": target.dec,
            "program": spec.program,
            "exposure_time": spec.exposure + 37.0 * (i % 7),
            "exposure_start": when,
            "processing_level": spec.level,
            "product_type": spec.product,
            "is_cube": spec.product == "s3d",
        }
        d = 0.02
        sky = {
            "ra": target.ra,
            "dec": target.dec,
            "radius": d,
            "corners": [
                {"ra": target.ra + a, "dec": target.dec + b}
                for a, b in ((-d, -d), (d, -d), (d, d), (-d, d))
            ],
        }
        doc: dict[str, Any] = {
            "_id": ids[spec.key],
            "key": spec.key,
            "owner_id": OWNER,
            "owner_username": "demo",
            "file_name": name,
            "file_name_lower": name.lower(),
            "visibility": Visibility.public.value,
            "readers": readers_of(OWNER, Visibility.public, []),
            "source": spec.source,
            "metadata": meta,
            "processing_level": spec.level,
            "product_type": spec.product,
            "facets": {
                "instrument": spec.instrument.lower(),
                "filter": spec.filter.lower() if spec.filter and not spec.grating else None,
                "target": str(meta["target_name"]).lower(),
                "program": spec.program.lstrip("0"),
            },
            "observed_at": when,
            "sky": sky,
            "tags": sorted(spec.tags),
            "description": spec.description,
            "archived": False,
            "lineage": {
                "derived_from": [ids[k] for k in spec.derived_from],
                "derivatives": [],
                "note": None,
            },
            "created_at": when,
            "updated_at": when,
            "size": 1000 + i,
        }
        doc["search"] = keyword_text(doc)
        docs.append(doc)
    return docs
