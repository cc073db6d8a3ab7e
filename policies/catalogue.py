"""The control catalogue: one YAML per regulation in policies/catalogue/.

Each control has a stable id (``ETG:8.2.3``), the article's zh-TW text, an English summary,
the regulation's version date and its evidence source (automated, vendor_dd, exit_plan,
manual). Ids are validated here; policies' control references are validated against them.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from scanner.docfile import yaml_load
from scanner.errors import ConfigError
from scanner.model import ControlRef

__all__ = ["Control", "Regulation", "Catalogue", "load_catalogue", "EVIDENCE_SOURCES", "FORCES", "SCOPES"]

CATALOGUE_DIR = Path(__file__).resolve().parent / "catalogue"
EVIDENCE_SOURCES = ("automated", "planned", "vendor_dd", "exit_plan", "manual")
#: 應 / 須 / 不得 (shall), 宜 (should consider), or none (a heading or a definition).
FORCES = ("shall", "should", "none")
#: Whom the article binds: all cloud use, material outsourcing (涉及重大性之雲端委外作業), or
#: material natural-person customer systems (重大性自然人客戶業務資訊系統). Broader first.
SCOPES = ("all", "material", "material_natural_person")


@dataclass(frozen=True)
class Control:
    id: str
    regulation: str
    parent: str | None
    title_en: str
    text_zh: str
    summary_en: str
    evidence: str
    topics: tuple[str, ...]
    force: str = "none"
    scope: str = "all"
    #: for evidence "planned": what the automated check would read
    planned: str = ""


@dataclass(frozen=True)
class Regulation:
    code: str
    title_zh: str
    title_en: str
    issuer: str
    version_date: str
    source_file: str
    version_note: str = ""


class Catalogue:
    def __init__(self, regulations: dict[str, Regulation], controls: dict[str, Control]) -> None:
        self.regulations = regulations
        self.controls = controls

    def __contains__(self, control_id: str) -> bool:
        return control_id in self.controls

    def __iter__(self):
        return iter(self.controls.values())

    def get(self, control_id: str) -> Control | None:
        return self.controls.get(control_id)

    def children(self, control_id: str) -> list[Control]:
        return [c for c in self.controls.values() if c.parent == control_id]

    def requirement_items(self, regulation: str = "ETG", articles: tuple[int, ...] = (4, 5, 6, 7, 8, 9)) -> list[Control]:
        """The items that bind (shall / should) in ``articles``, without the sentences that only
        introduce a list ("…下列／以下…：", whose children are the items). ETG Art. 4–9: 62."""
        arts = {str(a) for a in articles}
        return [c for c in self.controls.values()
                if c.regulation == regulation and c.id.split(":", 1)[1].split(".")[0] in arts
                and c.force != "none" and not (self.children(c.id) and c.text_zh.rstrip().endswith("："))]

    def versions(self) -> dict[str, str]:
        """Regulation code → the version date its texts were verified against."""
        return {code: r.version_date for code, r in self.regulations.items()}

    def cite(self, control_id: str) -> str:
        """``CSM:CC-18000.4.c (CSM 2020-12-11)``: a citation with the version it was checked against."""
        code = control_id.split(":", 1)[0]
        reg = self.regulations.get(code)
        return f"{control_id} ({code} {reg.version_date})" if reg else control_id


def _load_file(path: Path) -> tuple[Regulation, list[Control]]:
    try:
        doc = yaml_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as e:
        raise ConfigError(f"{path}: malformed catalogue YAML ({e})") from None
    code = doc["regulation"]
    reg = Regulation(
        code=code,
        title_zh=doc["title_zh"],
        title_en=doc["title_en"],
        issuer=doc.get("issuer", ""),
        version_date=str(doc["version_date"]),
        source_file=doc.get("source_file", ""),
        version_note=doc.get("version_note", ""),
    )
    controls = []
    for c in doc["controls"]:
        ref = ControlRef.parse(c["id"])
        if ref.regulation != code:
            raise ConfigError(f"{path}: control {c['id']} does not belong to {code}")
        evidence = c.get("evidence", "manual")
        if evidence not in EVIDENCE_SOURCES:
            raise ConfigError(f"{path}: control {c['id']} has unknown evidence source {evidence!r}")
        planned = c.get("planned", "")
        if (evidence == "planned") != bool(planned):
            raise ConfigError(f"{path}: control {c['id']}: evidence 'planned' and a 'planned' text go together")
        force = c.get("force")
        if force not in FORCES:
            raise ConfigError(f"{path}: control {c['id']} needs a force ({', '.join(FORCES)}), not {force!r}")
        scope = c.get("scope", "all")
        if scope not in SCOPES:
            raise ConfigError(f"{path}: control {c['id']} has unknown scope {scope!r}; use one of {', '.join(SCOPES)}")
        controls.append(
            Control(
                id=c["id"],
                regulation=code,
                parent=c.get("parent"),
                title_en=c.get("title_en", ""),
                text_zh=c.get("text_zh", ""),
                summary_en=c.get("summary_en", ""),
                evidence=evidence,
                topics=tuple(c.get("topics") or ()),
                force=force,
                scope=scope,
                planned=planned,
            )
        )
    return reg, controls


#: A directory of catalogue files (``csm.yaml`` …) that replace the bundled ones of the same
#: name: how a firm loads a newer text of a regulation (e.g. CSM as TWSE amended it) without
#: a code change. Policies citing an id the newer text no longer has fail at load, by name.
CATALOGUE_ENV = "CLOUDGOV_CATALOGUE_DIR"


def catalogue_files(override: str | None = None) -> list[Path]:
    files = {p.name: p for p in CATALOGUE_DIR.glob("*.yaml")}
    if override:
        extra = Path(override)
        if not extra.is_dir():
            raise ConfigError(f"{CATALOGUE_ENV}={override}: not a directory of catalogue files")
        for p in extra.glob("*.yaml"):
            files[p.name] = p
    return [files[name] for name in sorted(files)]


def load_catalogue() -> Catalogue:
    return _load_catalogue(os.environ.get(CATALOGUE_ENV) or None)


@lru_cache(maxsize=4)
def _load_catalogue(override: str | None) -> Catalogue:
    regulations: dict[str, Regulation] = {}
    controls: dict[str, Control] = {}
    for path in catalogue_files(override):
        reg, items = _load_file(path)
        if reg.code in regulations:
            raise ConfigError(f"{path}: regulation {reg.code} is defined twice")
        regulations[reg.code] = reg
        for c in items:
            if c.id in controls:
                raise ConfigError(f"{path}: duplicate control id {c.id}")
            controls[c.id] = c
    for c in controls.values():
        if c.parent and c.parent not in controls:
            raise ConfigError(f"control {c.id} names unknown parent {c.parent}")
    return Catalogue(regulations, controls)
