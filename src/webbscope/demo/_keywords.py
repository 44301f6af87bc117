"""JWST-style header keywords for the demo products (no wall-clock time anywhere)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from webbscope.demo._sky import Cards
from webbscope.demo._targets import Band, Target

#: The fixed "processing date" written into every demo file, so output is reproducible.
PROCESSING_DATE = "2024-07-12T00:00:00.000"
CAL_VER = "1.14.0"
_MJD_EPOCH = datetime(1858, 11, 17, tzinfo=UTC)


def mjd_iso(mjd: float) -> str:
    moment = _MJD_EPOCH + timedelta(days=mjd)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}"


@dataclass(frozen=True)
class Exposure:
    """What a product's primary header says about how it was observed."""

    file_name: str
    target: Target
    band: Band
    observation: str
    visit: str
    expstart: float
    datamodel: str
    filetype: str
    detector: str
    template: str
    extra: Cards = field(default_factory=list)

    @property
    def duration(self) -> float:
        return round(self.band.exptime * 1.12, 3)

    @property
    def expend(self) -> float:
        return self.expstart + self.duration / 86400.0


def primary_cards(e: Exposure) -> Cards:
    t, b = e.target, e.band
    start = mjd_iso(e.expstart)
    cards: Cards = [
        ("DATE", PROCESSING_DATE, "UTC date file created"),
        ("ORIGIN", "STSCI", "Organization responsible for creating file"),
        ("TIMESYS", "UTC", "principal time system for time-related keywords"),
        ("TIMEUNIT", "s", "Default unit applicable to all time values"),
        ("FILENAME", e.file_name, "Name of the file"),
        ("FILETYPE", e.filetype, "Type of data in the file"),
        ("DATAMODL", e.datamodel, "Type of data model"),
        ("TELESCOP", "JWST", "Telescope used to acquire the data"),
        ("CAL_VER", CAL_VER, "Calibration software version number"),
        ("CAL_VCS", "RELEASE", "Calibration software version control sys number"),
        ("CRDS_VER", "11.17.26", "Version of CRDS file selection software used"),
        ("CRDS_CTX", "jwst_1225.pmap", "CRDS context (.pmap) used to select ref files"),
        ("TITLE", t.title, "Proposal title"),
        ("PI_NAME", "Webbscope Demo", "Principal investigator name"),
        ("CATEGORY", "ERO", "Program category"),
        ("PROGRAM", t.program, "JWST program number"),
        ("OBSERVTN", e.observation, "Observation number"),
        ("VISIT", e.visit, "Visit number"),
        ("VISITGRP", "02", "Visit group identifier"),
        ("SEQ_ID", "1", "Parallel sequence identifier"),
        ("ACT_ID", "01", "Activity identifier"),
        ("TEMPLATE", e.template, "Observation template used"),
        ("VISITYPE", "PRIME_TARGETED_FIXED", "Visit type"),
        ("TARGPROP", t.targprop, "Proposer's name for the target"),
        ("TARGNAME", t.targname, "Standard astronomical catalog name for target"),
        ("TARGTYPE", "FIXED", "Type of target (fixed, moving, generic)"),
        ("TARG_RA", t.ra, "Target RA at mid time of exposure"),
        ("TARG_DEC", t.dec, "Target Dec at mid time of exposure"),
        ("PROP_RA", t.ra, "Proposer specified RA for the target"),
        ("PROP_DEC", t.dec, "Proposer specified Dec for the target"),
        ("PROPEPOC", "2000", "Proposer specified epoch for RA and Dec"),
        ("TARGDESC", t.description, "Target description"),
        ("INSTRUME", b.instrument, "Instrument used to acquire the data"),
        ("DETECTOR", e.detector, "Name of detector used to acquire the data"),
    ]
    if b.channel:
        cards.append(("CHANNEL", b.channel, "Instrument channel"))
    cards.append(("FILTER", b.filter, "Name of the filter element used"))
    if b.pupil:
        cards.append(("PUPIL", b.pupil, "Name of the pupil element used"))
    if b.grating:
        cards.append(("GRATING", b.grating, "Name of the grating element used"))
    cards += [
        ("EXP_TYPE", b.exp_type, "Type of data in the exposure"),
        ("EXPSTART", round(e.expstart, 8), "UTC exposure start time (MJD)"),
        ("EXPMID", round((e.expstart + e.expend) / 2, 8), "UTC exposure mid time (MJD)"),
        ("EXPEND", round(e.expend, 8), "UTC exposure end time (MJD)"),
        ("DATE-OBS", start[:10], "UTC date at start of exposure"),
        ("TIME-OBS", start[11:], "UTC time at start of exposure"),
        ("DATE-BEG", start, "Date-time start of exposure"),
        ("DATE-END", mjd_iso(e.expend), "Date-time end of exposure"),
        ("EFFEXPTM", b.exptime, "[s] Effective exposure time"),
        ("DURATION", e.duration, "[s] Total duration of exposure"),
        ("SUBARRAY", "FULL", "Subarray used"),
    ]
    cards += list(e.extra)
    return cards


#: Appended after the primary cards of every demo file.
SYNTHETIC_NOTE = (
    "Synthetic data made by webbscope.demo for tests and demonstrations. "
    "Not a real JWST observation."
)
