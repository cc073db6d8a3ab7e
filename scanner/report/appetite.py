"""Risk appetite (風險胃納): thresholds with a tolerance band, and the one judgement of a metric.

``band`` is the only place a figure is compared with its appetite, so a metric reads the
same — within / near / outside — on page 1, in the tables, on the charts and in the appendix.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from scanner.docfile import yaml_load
from scanner.errors import ConfigError, InputError

__all__ = ["APPETITE_PATH", "BANDS", "load_appetite", "band", "judge"]

APPETITE_PATH = Path(__file__).resolve().parent / "appetite.yaml"
BANDS = ("within", "near", "outside")
Band = Literal["within", "near", "outside"]


def _merge(base: dict, over: dict, where: str = "") -> dict:
    out = dict(base)
    for k, v in over.items():
        if k not in base:
            raise ConfigError(f"risk appetite: unknown key {where}{k!r}")
        out[k] = _merge(base[k], v, f"{where}{k}.") if isinstance(v, dict) and isinstance(base[k], dict) else v
    return out


def load_appetite(path: Path | None = None, configured: dict[str, Any] | None = None) -> dict[str, Any]:
    """Defaults, then cloudgov.yaml's ``report.appetite``, then the ``--appetite`` file."""
    from policies.registry import load_areas

    base = yaml_load(APPETITE_PATH.read_text(encoding="utf-8"))
    # each area's default appetite is declared by its policy file; appetite.yaml names no area
    tolerance = float(base.get("pass_rate_tolerance") or 0.0)
    base["areas"] = {a.name: {"tolerance": tolerance, **dict(a.appetite)} for a in load_areas()}
    if configured:
        base = _merge(base, configured)
    if path is None:
        return _checked(base, "cloudgov.yaml report.appetite" if configured else str(APPETITE_PATH))
    from scanner.docfile import read_structured

    try:
        over = read_structured(path, what="a risk-appetite file") or {}
    except InputError as e:
        raise ConfigError(str(e)) from None
    if not isinstance(over, dict):
        raise ConfigError(f"--appetite: {path}: expected a mapping of thresholds")
    return _checked(_merge(base, over), str(path))


def _checked(appetite: dict[str, Any], source: str) -> dict[str, Any]:
    """Shares and rates 0…1, counts positive whole numbers (``true`` is not 1, NaN no share)."""
    from scanner.schemas import Appetite, validate

    try:
        validate(Appetite, appetite, f"risk appetite ({source})")
    except InputError as e:
        raise ConfigError(str(e)) from None
    return appetite


def band(value: float | None, limit: float | None, tolerance: float = 0.0, *, higher_is_better: bool = True) -> Band | None:
    """within / near / outside the appetite; None when the figure or the limit is unknown."""
    if value is None or limit is None:
        return None
    miss = (limit - value) if higher_is_better else (value - limit)
    eps = 1e-9
    if miss <= eps:
        return "within"
    return "near" if miss <= tolerance + eps else "outside"


def judge(value: float | None, spec: dict[str, Any] | None, key: str) -> dict[str, Any]:
    """``{value, limit, tolerance, direction, band}`` for ``spec[key]`` (min_* or max_*)."""
    spec = spec or {}
    limit = spec.get(key)
    higher = not key.startswith("max_")
    tol = float(spec.get("tolerance") or 0.0)
    return {"value": value, "limit": limit, "tolerance": tol, "direction": "min" if higher else "max",
            "band": band(value, limit, tol, higher_is_better=higher)}
