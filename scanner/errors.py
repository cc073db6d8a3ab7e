"""Errors a user can cause. The CLI turns them into one sentence and exit code 2."""

from __future__ import annotations

__all__ = ["CloudgovError", "InputError", "ConfigError", "UsageError"]


class CloudgovError(Exception):
    """Base class: a problem the user can fix; its message is one clear sentence."""

    exit_code = 2


class InputError(CloudgovError):
    """A file or data given to cloudgov cannot be used (missing, malformed, wrong version)."""


class ConfigError(CloudgovError):
    """The configuration or a waiver file is invalid."""


class UsageError(CloudgovError):
    """The command line is inconsistent."""
