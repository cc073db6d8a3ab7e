"""What a policy predicate may consult besides the resource itself.

The engine builds one Context per evaluation; predicates (``policies/``) read it. It lives
in ``scanner`` so that the engine does not depend on the policy package for its own types.
"""

from __future__ import annotations

import bisect
import fnmatch
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from scanner.model import RelType, Resource

if TYPE_CHECKING:
    from scanner.config import Config
    from scanner.inventory import Inventory
    from scanner.materiality import Materiality, Scope

__all__ = ["Context", "ActionMatcher"]

_WILD = re.compile(r"[*?\[]")


class ActionMatcher:
    """Whether a granted action pattern and one of the privileged action patterns overlap:
    ``fnmatchcase(p, g) or fnmatchcase(g, p)`` over lower-cased patterns (IAM's ``*`` and
    ``?``; actions are case-insensitive), decided without compiling a pattern per grant.

    * The grant names a privileged action (``fnmatchcase(g, p)``): the privileged patterns
      are compiled once into one alternation and each grant is matched against it.
    * The grant is a wildcard covering a privileged action (``fnmatchcase(p, g)``): only the
      privileged strings that start with the grant's literal head (the text before its first
      ``*``, ``?`` or ``[``) can match, found by bisection in their sorted list; a grant
      with no candidate (``s3:get*`` against a list of ``iam:`` actions) costs one lookup,
      and the few candidates are checked with fnmatch itself.
    """

    def __init__(self, patterns: Iterable[str]) -> None:
        self._sorted = sorted({p.lower() for p in patterns})
        self._names = (
            re.compile("|".join(f"(?:{fnmatch.translate(p)})" for p in self._sorted)).match if self._sorted else None
        )
        self._cache: dict[str, bool] = {}

    def __call__(self, granted: str) -> bool:
        hit = self._cache.get(granted)
        if hit is None:
            hit = self._cache[granted] = self._uncached(granted.lower())
        return hit

    def _uncached(self, g: str) -> bool:
        if self._names is None:
            return False
        if self._names(g) is not None:
            return True
        m = _WILD.search(g)
        if m is None:
            return False  # a literal grant covers only itself, matched above
        head = g[: m.start()]
        ps = self._sorted
        i = bisect.bisect_left(ps, head)
        while i < len(ps) and ps[i].startswith(head):
            if fnmatch.fnmatchcase(ps[i], g):
                return True
            i += 1
        return False

    def first(self, granted: Sequence[str]) -> str | None:
        """The first grant that overlaps a privileged action, or None."""
        for g in granted:
            if self(g):
                return g
        return None


class Context:
    """Everything a predicate may consult besides the resource itself."""

    def __init__(
        self,
        inventory: Inventory,
        config: Config,
        now: datetime,
        is_waived: Callable[[str, Resource], bool] | None = None,
        materiality: Materiality | None = None,
    ) -> None:
        from scanner.materiality import Materiality

        self.inventory = inventory
        #: the register's account → service → materiality link (unknown for every account
        #: when no register was given)
        self.materiality = materiality if materiality is not None else Materiality.unknown()
        self.config = config
        self.now = now
        self.params: Mapping[str, Any] = {}
        self._is_waived = is_waived
        self._privileged_cache: dict[str, tuple[bool | None, str]] = {}
        priv = config.privileged
        self._priv_roles = {p: {r.lower() for r in roles} for p, roles in priv.roles.items()}
        self._priv_actions = {p: ActionMatcher(acts) for p, acts in priv.actions.items()}
        self._no_actions = ActionMatcher(())
        #: identities with the same grants (users of one policy, roles of one managed policy)
        #: share one verdict: keyed by provider and the grant list as a tuple
        self._grants_cache: dict[tuple[str, tuple[str, ...]], str | None] = {}
        self._key_manager_of: Resource | None = None
        self._key_manager: tuple[str | None, str] = (None, "")

    # --- materiality (重大性) ------------------------------------------------------------
    def scope_of(self, r: Resource) -> Scope:
        """The register's view of the account ``r`` lives in."""
        return self.materiality.of(r.provider, r.account)

    # --- waivers --------------------------------------------------------------------
    def is_waived(self, policy_id: str, resource: Resource) -> bool:
        return bool(self._is_waived and self._is_waived(policy_id, resource))

    # --- jurisdiction -----------------------------------------------------------------
    def countries(self, provider: str, location: str | None) -> frozenset[str] | None:
        return self.config.jurisdictions.countries(provider, location)

    def location_allowed(self, provider: str, location: str | None) -> tuple[bool | None, str]:
        """(allowed?, explanation). None when the location cannot be placed."""
        return self.config.location_allowed(provider, location)

    # --- keys -------------------------------------------------------------------------------
    def key_manager(self, r: Resource) -> tuple[str | None, str]:
        """(customer|provider|none|None, how we know) for a data-bearing resource."""
        # the engine evaluates one resource's policies in a row, and two or three of them ask
        if r is self._key_manager_of:
            return self._key_manager
        hit = self._key_manager_of, self._key_manager = r, self._key_manager_uncached(r)
        return hit[1]

    def _key_manager_uncached(self, r: Resource) -> tuple[str | None, str]:
        props = r.properties
        km = props.get("encryption.key_manager")
        if km:
            return km, "encryption.key_manager"
        if props.get("encryption.enabled") is False:
            return "none", "encryption.enabled=false"
        for rel in self.inventory.outgoing(r.id, RelType.ENCRYPTED_BY):
            key = self.inventory.get(rel.target)
            if key is not None and key.prop("key_manager"):
                return key.prop("key_manager"), f"key {key.id}"
            return None, f"key {rel.target} is not in the inventory"
        return None, "no encryption information"

    # --- privilege ----------------------------------------------------------------------------
    def privileged(self, r: Resource) -> tuple[bool | None, str]:
        """Whether an identity is privileged, and why (configured roles / actions, groups)."""
        hit = self._privileged_cache.get(r.id)
        if hit is None:
            hit = self._privileged_uncached(r, depth=0)
            self._privileged_cache[r.id] = hit
        return hit

    def _first_privileged_action(self, provider: str, actions: Sequence[str]) -> str | None:
        """The first grant overlapping a privileged action (the grant covers one, or is one)."""
        key = (provider, tuple(actions))
        try:
            return self._grants_cache[key]
        except KeyError:
            hit = self._grants_cache[key] = self._priv_actions.get(provider, self._no_actions).first(actions)
            return hit

    def _privileged_uncached(self, r: Resource, depth: int) -> tuple[bool | None, str]:
        explicit = r.prop("privileged")
        if explicit is not None:
            reason = r.prop("privileged_reason") or ("set by the connector" if explicit else "")
            if explicit:
                return True, reason
        roles = r.prop("roles")
        actions = r.prop("actions")
        known = roles is not None or actions is not None
        priv_roles = self._priv_roles.get(r.provider, set())
        for role in roles or ():
            if role.lower() in priv_roles:
                # AWS grants through policies (managed or inline); Azure and GCP through roles
                return True, f"{'policy' if r.provider == 'aws' else 'role'} {role}"
        if actions:
            granted = self._first_privileged_action(r.provider, actions)
            if granted is not None:
                return True, f"action {granted}"
        unknown_group = False
        if depth < 3:
            for rel in self.inventory.outgoing(r.id, RelType.MEMBER_OF):
                group = self.inventory.get(rel.target)
                if group is None:
                    unknown_group = True
                    continue
                g_priv, why = self._privileged_uncached(group, depth + 1)
                if g_priv:
                    return True, f"{why} via group {group.name or group.id}"
                if g_priv is None:
                    unknown_group = True
            # a group whose members could not be read: privilege is unknown only if the
            # group is (or may be) privileged; a harmless group changes nothing
            for rel in self.inventory.outgoing(r.id, RelType.MAY_BE_MEMBER_OF):
                group = self.inventory.get(rel.target)
                if group is None or self._privileged_uncached(group, depth + 1)[0] is not False:
                    unknown_group = True
        if explicit is False and not unknown_group:
            return False, "set by the connector"
        if not known or unknown_group:
            return None, "permissions unknown" if not known else "a group's permissions are unknown"
        return False, "no privileged role or action"
