"""What an import of a register document changed, for its one-line summary."""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["ImportReport"]


@dataclass
class ImportReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    subject: str = "the register"  # what the file is compared with, for the summary

    def summary(self) -> str:
        if not self.created and not self.updated:
            return f"no changes (the file matches {self.subject})"
        return f"{len(self.created)} created, {len(self.updated)} updated"
