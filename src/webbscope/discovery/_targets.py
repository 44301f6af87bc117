"""Featured targets: well-known objects JWST has observed, each with its position, a category
and a short description written for Webbscope. Positions are J2000 degrees (rounded); the two
demo targets use the demo data's positions so the local archive answers for them."""

from __future__ import annotations

import re
from dataclasses import dataclass, field


@dataclass(frozen=True)
class FeaturedTarget:
    key: str
    name: str
    ra: float
    dec: float
    category: str
    description: str
    aliases: tuple[str, ...] = field(default_factory=tuple)
    radius_deg: float = 0.1
    """How far around the position the archive is searched."""

    def names(self) -> tuple[str, ...]:
        return (self.name, *self.aliases)

    def note(self) -> str:
        """How the record text introduces the target."""
        also = f" (also {', '.join(self.aliases)})" if self.aliases else ""
        return f"{self.name}{also}, a {self.category}: {self.description}"


def _t(
    key: str,
    name: str,
    ra: float,
    dec: float,
    category: str,
    description: str,
    *aliases: str,
    radius: float = 0.1,
) -> FeaturedTarget:
    return FeaturedTarget(key, name, ra, dec, category, description, aliases, radius)


FEATURED: tuple[FeaturedTarget, ...] = (
    _t(
        "cosmic-cliffs",
        "Cosmic Cliffs",
        159.2,
        -58.6,
        "star-forming region",
        "the glowing wall of gas and dust at the edge of a cavity carved into NGC 3324 by hot "
        "young stars, with hundreds of newborn stars hidden in the dust",
        "NGC 3324",
        "Carina Nebula",
    ),
    _t(
        "stephans-quintet",
        "Stephan's Quintet",
        339.0,
        33.96,
        "galaxy group",
        "five galaxies in close company, four of them colliding, with shock waves lighting up "
        "the gas between them",
        "HCG 92",
        "Hickson Compact Group 92",
    ),
    _t(
        "southern-ring",
        "Southern Ring Nebula",
        151.7573,
        -40.4365,
        "planetary nebula",
        "the expanding shells thrown off by a dying star in a binary, with a dusty companion at "
        "the centre",
        "NGC 3132",
        "Eight-Burst Nebula",
    ),
    _t(
        "smacs-0723",
        "SMACS 0723",
        110.8375,
        -73.455,
        "galaxy cluster",
        "a massive cluster whose gravity bends the light of far older galaxies behind it into "
        "arcs: Webb's first deep field",
        "SMACS J0723.3-7327",
        "Webb's First Deep Field",
        radius=0.05,
    ),
    _t(
        "pillars-of-creation",
        "Pillars of Creation",
        274.7,
        -13.8167,
        "star-forming region",
        "towering columns of cold gas in the Eagle Nebula where new stars are forming",
        "Eagle Nebula",
        "M16",
        "Messier 16",
    ),
    _t(
        "ring-nebula",
        "Ring Nebula",
        283.3962,
        33.0292,
        "planetary nebula",
        "a bright ring of gas around a white dwarf, with faint outer arcs and knots",
        "M57",
        "Messier 57",
        "NGC 6720",
    ),
    _t(
        "crab-nebula",
        "Crab Nebula",
        83.6331,
        22.0145,
        "supernova remnant",
        "the wreck of a star seen exploding in 1054, with a pulsar powering the glowing filaments",
        "M1",
        "Messier 1",
    ),
    _t(
        "cassiopeia-a",
        "Cassiopeia A",
        350.85,
        58.815,
        "supernova remnant",
        "the youngest known remnant of a collapsed star in our galaxy, an expanding shell of "
        "debris and dust",
        "Cas A",
    ),
    _t(
        "orion-bar",
        "Orion Bar",
        83.8375,
        -5.4183,
        "photodissociation region",
        "the ridge in the Orion Nebula where ultraviolet light from massive stars eats into "
        "the molecular cloud",
        "Orion Nebula",
        "M42",
        "Messier 42",
    ),
    _t(
        "rho-ophiuchi",
        "Rho Ophiuchi",
        246.79,
        -24.45,
        "star-forming region",
        "the closest stellar nursery to the Sun, with jets from young stars and shadows of "
        "protoplanetary disks",
        "Rho Oph cloud complex",
    ),
    _t(
        "westerlund-1",
        "Westerlund 1",
        251.7667,
        -45.8517,
        "star cluster",
        "the most massive young star cluster known in the Milky Way, packed with supergiants",
        "Wd1",
    ),
    _t(
        "wr-124",
        "WR 124",
        287.9367,
        16.8597,
        "Wolf-Rayet nebula",
        "a massive star shedding its outer layers into a clumpy halo of gas and dust",
        "Wolf-Rayet 124",
    ),
    _t(
        "cartwheel",
        "Cartwheel Galaxy",
        9.4213,
        -33.7161,
        "ring galaxy",
        "a galaxy reshaped by a high-speed collision into a bright inner ring and a colourful "
        "outer wheel",
        "ESO 350-40",
    ),
    _t(
        "phantom-galaxy",
        "Phantom Galaxy",
        24.174,
        15.7836,
        "spiral galaxy",
        "a face-on grand-design spiral whose dusty arms glow in the mid-infrared",
        "M74",
        "Messier 74",
        "NGC 628",
    ),
    _t(
        "pandoras-cluster",
        "Pandora's Cluster",
        3.5863,
        -30.3972,
        "galaxy cluster",
        "several clusters merging into one megacluster that magnifies distant galaxies",
        "Abell 2744",
    ),
    _t(
        "el-gordo",
        "El Gordo",
        15.72,
        -49.25,
        "galaxy cluster",
        "a huge colliding cluster in the early universe that lenses background galaxies into arcs",
        "ACT-CL J0102-4915",
    ),
    _t(
        "hh-211",
        "HH 211",
        55.9875,
        32.0306,
        "protostellar outflow",
        "a young star's twin jets ploughing into the surrounding gas",
        "Herbig-Haro 211",
    ),
    _t(
        "hh-46-47",
        "HH 46/47",
        126.4313,
        -51.0139,
        "protostellar outflow",
        "a pair of actively forming stars blowing lopsided lobes of gas",
        "Herbig-Haro 46/47",
    ),
    _t(
        "l1527",
        "L1527",
        69.9738,
        26.0528,
        "protostar",
        "an hourglass of glowing gas around a protostar still gathering its mass",
        "IRAS 04368+2557",
    ),
    _t(
        "ngc-346",
        "NGC 346",
        14.7704,
        -72.1778,
        "star-forming region",
        "the brightest star-forming region of the Small Magellanic Cloud, rich in young "
        "low-mass stars",
    ),
    _t(
        "tarantula",
        "Tarantula Nebula",
        84.6767,
        -69.1008,
        "star-forming region",
        "the largest and brightest stellar nursery in the Local Group, in the Large Magellanic "
        "Cloud",
        "30 Doradus",
        "30 Dor",
        radius=0.15,
    ),
    _t(
        "ngc-1365",
        "NGC 1365",
        53.4016,
        -36.1404,
        "barred spiral galaxy",
        "a great barred spiral with dust lanes feeding an active centre",
        "Great Barred Spiral",
    ),
    _t(
        "ngc-7469",
        "NGC 7469",
        345.8151,
        8.874,
        "active galaxy",
        "a spiral with a ring of star formation around an active galactic nucleus",
    ),
    _t(
        "arp-220",
        "Arp 220",
        233.7379,
        23.5036,
        "merging galaxies",
        "two galaxies merging in a burst of star formation, the nearest ultraluminous infrared "
        "galaxy",
    ),
    _t(
        "ii-zw-96",
        "II ZW 96",
        314.3517,
        17.13,
        "merging galaxies",
        "a pair of merging galaxies whose tidal arms glow with dust and young stars",
    ),
    _t(
        "sombrero",
        "Sombrero Galaxy",
        189.9976,
        -11.6231,
        "spiral galaxy",
        "an edge-on galaxy with a smooth ring of dust around a bright bulge",
        "M104",
        "Messier 104",
    ),
    _t(
        "m82",
        "Messier 82",
        148.9685,
        69.6797,
        "starburst galaxy",
        "a galaxy forming stars so fast that superwinds of dust and gas stream out of it",
        "M82",
        "Cigar Galaxy",
    ),
    _t(
        "ngc-602",
        "NGC 602",
        19.8917,
        -73.5556,
        "star cluster",
        "a young cluster in the Small Magellanic Cloud's wing, carving a cavity into its cloud",
    ),
    _t(
        "trappist-1",
        "TRAPPIST-1",
        346.6223,
        -5.0414,
        "exoplanet system",
        "a cool red dwarf with seven Earth-sized planets, several in the temperate zone",
        radius=0.02,
    ),
    _t(
        "fomalhaut",
        "Fomalhaut",
        344.4127,
        -29.6222,
        "debris disk",
        "a nearby star encircled by nested belts of dust and rock",
        "Alpha Piscis Austrini",
        radius=0.03,
    ),
    _t(
        "beta-pictoris",
        "Beta Pictoris",
        86.8212,
        -51.0665,
        "debris disk",
        "a young star with an edge-on disk of dust and a warped inner belt",
        radius=0.03,
    ),
    _t(
        "serpens-main",
        "Serpens Main",
        277.4583,
        1.25,
        "star-forming region",
        "a nursery where the outflows of young stars line up in the same direction",
    ),
    _t(
        "hudf",
        "Hubble Ultra Deep Field",
        53.16,
        -27.78,
        "deep field",
        "the patch of sky in Fornax studied most deeply, full of galaxies from the early universe",
        "HUDF",
        "GOODS-South",
        "JADES",
        radius=0.1,
    ),
    _t(
        "egs",
        "Extended Groth Strip",
        214.86,
        52.88,
        "deep field",
        "a survey strip in Boötes where Webb found some of the earliest galaxies",
        "EGS",
        "CEERS",
        radius=0.15,
    ),
    _t(
        "whirlpool",
        "Whirlpool Galaxy",
        202.4696,
        47.1952,
        "spiral galaxy",
        "a face-on spiral pulled into shape by its small companion",
        "M51",
        "Messier 51",
    ),
)

TARGETS: dict[str, FeaturedTarget] = {t.key: t for t in FEATURED}


def _norm(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", text.lower()).strip()


def find_target(name: str) -> FeaturedTarget | None:
    """The featured target known by `name` (any of its names, case and punctuation blind)."""
    wanted = _norm(name)
    for t in FEATURED:
        if any(_norm(n) == wanted for n in t.names()):
            return t
    return None


def mentioned_targets(text: str) -> list[tuple[FeaturedTarget, str]]:
    """Featured targets whose names appear in `text`, each with the name as found; a name
    of one word (Carina, Orion) counts as a whole word."""
    norm = f" {_norm(text)} "
    found: list[tuple[FeaturedTarget, str]] = []
    for t in FEATURED:
        for n in sorted(t.names(), key=len, reverse=True):
            words = _norm(n)
            short = _GENERIC.sub("", words).strip()
            if (len(words) > 2 and f" {words} " in norm) or (" " in short and f" {short} " in norm):
                found.append((t, n))
                break
        else:
            # A single distinctive word of a name ("Carina" of "Carina Nebula").
            for n in t.names():
                head = _norm(n).split(" ")[0]
                if len(head) >= 5 and head not in _COMMON and f" {head} " in norm:
                    found.append((t, n))
                    break
    return found


_GENERIC = re.compile(r" (nebula|galaxy|cluster|field|strip)$")

#: First words of names too common to stand for a target on their own.
_COMMON = frozenset(
    {
        "cosmic",
        "southern",
        "great",
        "extended",
        "pillars",
        "hubble",
        "messier",
        "webb",
        "alpha",
        "herbig",
        "phantom",
        "cigar",
        "eight",
        "wolf",
    }
)


def resolve_place(text: str) -> list[tuple[str, float, float, float, str]]:
    """Places named in `text` for query hints: (label, ra, dec, radius, the name as found);
    the radius is generous (a search "near" a target)."""
    return [
        (n, t.ra, t.dec, round(max(0.5, 5 * t.radius_deg), 3), n)
        for t, n in mentioned_targets(text)
    ]
