"""IAM role trust policies: who can assume a role, whether people can, and whether the
policy makes them present MFA (ETG 8.2.3). Pure functions over the policy document.

Who counts as a person (``human``):

* ``AWS: "*"``, an account (``123456789012`` / ``arn:aws:iam::123456789012:root``) — any
  principal of that account its own IAM policies allow, people included: ``True``;
* an IAM user: ``True`` (whether that user is a person is the user's own finding);
* an IAM role: ``None`` here — people stand behind it only if people can assume *that* role,
  which the policy resolves through the inventory (``mfa.privileged_roles``);
* ``Federated`` SAML providers (IAM Identity Center, ADFS, Entra ID, Okta …) and web-identity
  / OIDC issuers (Cognito, Google, Amazon, Facebook, a firm's own IdP): ``True`` — except the
  issuers of workload tokens (CI systems, Kubernetes service accounts), ``False``;
* ``Service`` principals: ``False``.

What makes MFA required (``mfa``), statement by statement:

* an Allow with ``Bool {aws:MultiFactorAuthPresent: true}``, ``NumericLessThan[Equals]
  {aws:MultiFactorAuthAge: N}`` or ``Null {aws:MultiFactorAuthAge: false}`` — the ``...IfExists``
  forms do not count (a request without MFA has no such key, so it passes);
* or a Deny of the same principals with ``BoolIfExists {aws:MultiFactorAuthPresent: false}``.

A federated sign-in carries no MFA keys to AWS (the identity provider authenticates the
person), so for SAML and OIDC ``mfa`` is ``None``: the IdP decides, out of AWS's sight.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from scanner.connectors.aws.common import as_list, statements

__all__ = ["trust_principals", "human_from_principals"]

#: Issuers of workload identity tokens (no person signs in): GitHub Actions, EKS service
#: accounts (IRSA), GitLab CI, Terraform Cloud, CircleCI, Bitbucket Pipelines.
_WORKLOAD_ISSUERS = re.compile(
    r"^(token\.actions\.githubusercontent\.com|oidc\.eks\.[a-z0-9-]+\.amazonaws\.com/id/|gitlab\.com|app\.terraform\.io"
    r"|oidc\.circleci\.com/org/|api\.bitbucket\.org/2\.0/workspaces/)"
)
_ACCOUNT = re.compile(r"^(\d{12}|arn:aws[a-z-]*:iam::\d{12}:root)$")


def _issuer(federated: str) -> str:
    """``arn:aws:iam::1:oidc-provider/token.actions.githubusercontent.com`` → the issuer."""
    return federated.split(":oidc-provider/", 1)[1] if ":oidc-provider/" in federated else federated


def classify(ptype: str, principal: str) -> tuple[str, bool | None]:
    """(kind of principal, whether a person can be behind it)."""
    if ptype == "Service":
        return "service", False
    if ptype == "Federated":
        if ":saml-provider/" in principal:
            return "saml", True
        issuer = _issuer(principal)
        if _WORKLOAD_ISSUERS.match(issuer):
            return "workload", False
        return "oidc", True
    if ptype == "AWS":
        if principal == "*":
            return "anyone", True
        if _ACCOUNT.match(principal):
            return "account", True
        if ":user/" in principal:
            return "user", True
        if ":role/" in principal or ":assumed-role/" in principal:
            return "role", None
        return "aws", True
    return ptype.lower(), False  # CanonicalUser: S3's, never a person signing in


def _mfa_condition(cond: Any) -> bool:
    if not isinstance(cond, Mapping):
        return False
    for op, body in cond.items():
        if not isinstance(body, Mapping):
            continue
        o = str(op).lower()
        for key, value in body.items():
            k = str(key).lower()
            vals = [str(v).lower() for v in as_list(value)]
            if k == "aws:multifactorauthpresent" and o == "bool" and vals == ["true"]:
                return True
            if k == "aws:multifactorauthage" and o in ("numericlessthan", "numericlessthanequals"):
                return True
            if k == "aws:multifactorauthage" and o == "null" and vals == ["false"]:
                return True
    return False


def _denies_without_mfa(cond: Any) -> bool:
    if not isinstance(cond, Mapping):
        return False
    for op, body in cond.items():
        if str(op).lower() == "boolifexists" and isinstance(body, Mapping):
            for key, value in body.items():
                if str(key).lower() == "aws:multifactorauthpresent" and [str(v).lower() for v in as_list(value)] == ["false"]:
                    return True
    return False


def _assumes(st: Mapping[str, Any]) -> bool:
    acts = [str(a).lower() for a in as_list(st.get("Action"))]
    return any(a in ("*", "sts:*") or a.startswith("sts:assumerole") for a in acts) or "NotAction" in st


def _principal_pairs(p: Any) -> list[tuple[str, str]]:
    if p == "*":
        return [("AWS", "*")]
    if not isinstance(p, Mapping):
        return []
    return [(str(t), str(v)) for t, values in p.items() for v in as_list(values)]


def trust_principals(doc: Mapping[str, Any] | None) -> list[dict[str, Any]] | None:
    """Every principal an Allow statement lets assume the role, with ``kind``, ``human``
    and ``mfa`` (True: this statement requires MFA; False: it does not; None: federated,
    the identity provider decides). None when the policy could not be read."""
    if doc is None:
        return None
    denied_without_mfa: set[str] = set()
    for st in statements(doc):
        if st.get("Effect") == "Deny" and _assumes(st) and _denies_without_mfa(st.get("Condition")):
            denied_without_mfa.update(v for _, v in _principal_pairs(st.get("Principal")))
    out: dict[tuple[str, str], dict[str, Any]] = {}
    for st in statements(doc):
        if st.get("Effect") != "Allow" or not _assumes(st):
            continue
        mfa = _mfa_condition(st.get("Condition"))
        for ptype, principal in _principal_pairs(st.get("Principal")):
            kind, human = classify(ptype, principal)
            if kind in ("saml", "oidc"):
                required: bool | None = None
            else:
                required = mfa or "*" in denied_without_mfa or principal in denied_without_mfa
            entry = out.get((ptype, principal))
            if entry is None:
                out[(ptype, principal)] = {"type": ptype, "kind": kind, "principal": principal, "human": human, "mfa": required}
            elif entry["mfa"] is True and required is not True:
                entry["mfa"] = required  # another statement lets the same principal in without MFA
    return list(out.values())


def human_from_principals(principals: list[dict[str, Any]] | None) -> bool | None:
    """True: a person can assume the role; False: only services and workloads; None: unknown
    (unreadable policy, or only other roles, whose people the policy resolves)."""
    if principals is None:
        return None
    humans = [p["human"] for p in principals]
    if any(h is True for h in humans):
        return True
    if humans and all(h is False for h in humans):
        return False
    return None
