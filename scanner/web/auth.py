"""Accounts: argon2 password hashes, the password policy, lockout, TOTP, sessions, API tokens.

Everything here is a plain function over a SQLAlchemy session, so the pages, the JSON API,
the CLI (``cloudgov serve --demo`` making the first administrator) and the tests share it.
A session cookie or an API token is a random 256-bit value; the database keeps only its
SHA-256, so a copy of the database lets no one sign in.
"""

from __future__ import annotations

import hashlib
import secrets
import string
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import overload

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from scanner.errors import InputError
from scanner.web.access import MFA_REQUIRED_ROLES, ROLES, permissions_of
from scanner.web.models import ApiToken, User, WebSession

__all__ = [
    "Policy",
    "PasswordRejected",
    "LoginRefused",
    "hash_password",
    "check_password_policy",
    "create_user",
    "authenticate",
    "set_password",
    "new_totp_secret",
    "verify_totp",
    "open_session",
    "session_user",
    "close_session",
    "issue_token",
    "token_user",
    "revoke_token",
    "generate_password",
    "digest",
    "now",
]

TOKEN_PREFIX = "cgt_"


@dataclass(frozen=True)
class Policy:
    min_length: int = 12
    classes: int = 3  # of lower, upper, digit, symbol
    max_failures: int = 5
    lockout_minutes: int = 15
    idle_minutes: int = 30
    absolute_hours: int = 12


DEFAULT_POLICY = Policy()


class PasswordRejected(InputError):
    """The password does not meet the policy."""


class LoginRefused(Exception):
    """Wrong name or password, locked, or inactive (the message never says which)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason  # for the change log, never for the person at the form


def now() -> datetime:
    return datetime.now(UTC)


@overload
def _aware(value: datetime) -> datetime: ...


@overload
def _aware(value: None) -> None: ...


def _aware(value: datetime | None) -> datetime | None:
    """A naive datetime (SQLite keeps no zone) as UTC."""
    return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _hasher():
    from argon2 import PasswordHasher

    return PasswordHasher()


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def check_password_policy(password: str, username: str = "", policy: Policy = DEFAULT_POLICY) -> None:
    problems = []
    if len(password) < policy.min_length:
        problems.append(f"at least {policy.min_length} characters")
    classes = sum(
        any(c in group for c in password)
        for group in (string.ascii_lowercase, string.ascii_uppercase, string.digits)
    ) + any(not c.isalnum() for c in password)
    if classes < policy.classes:
        problems.append(f"characters of at least {policy.classes} kinds (lower case, upper case, digits, symbols)")
    if username and username.lower() in password.lower():
        problems.append("not containing the account name")
    if problems:
        raise PasswordRejected("the password needs " + "; ".join(problems))


def generate_password() -> str:
    """A random password that meets the policy (for ``--demo`` and administrators' resets)."""
    while True:
        pw = secrets.token_urlsafe(15) + "-" + secrets.choice(string.digits)
        try:
            check_password_policy(pw)
            return pw
        except PasswordRejected:
            continue


def create_user(
    session: Session, username: str, password: str | None, roles: list[str], *, display_name: str = "",
    must_change_password: bool = False,
) -> User:
    username = username.strip()
    if not username or len(username) > 200 or any(c.isspace() for c in username):
        raise InputError("an account name is 1 to 200 characters without spaces")
    unknown = [r for r in roles if r not in ROLES]
    if unknown:
        raise InputError(f"unknown role(s) {', '.join(unknown)} (known: {', '.join(ROLES)})")
    if session.scalar(select(User).where(User.username == username)) is not None:
        raise InputError(f"an account named {username!r} exists already")
    if password is not None:
        check_password_policy(password, username)
    user = User(
        username=username, display_name=display_name or username,
        password_hash=hash_password(password) if password is not None else None,
        roles=sorted(set(roles)), active=True, must_change_password=must_change_password,
        totp_enabled=False, failed_logins=0, created_at=now(),
    )
    session.add(user)
    session.flush()
    return user


def authenticate(session: Session, username: str, password: str, policy: Policy = DEFAULT_POLICY) -> User:
    """The user, or LoginRefused. Failures count towards a lockout; a locked account stays
    refused, right password or not, until the lockout ends."""
    from argon2.exceptions import InvalidHashError, VerificationError

    user = session.scalar(select(User).where(User.username == username.strip()))
    t = now()
    if user is None:
        _hasher().hash(password)  # the same work as for a real account: no timing oracle
        raise LoginRefused("unknown account")
    if not user.active:
        raise LoginRefused("inactive account")
    locked = _aware(user.locked_until)
    if locked is not None and locked > t:
        raise LoginRefused("locked")
    try:
        ok = user.password_hash is not None and _hasher().verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        ok = False
    if not ok:
        user.failed_logins = (user.failed_logins or 0) + 1
        if user.failed_logins >= policy.max_failures:
            user.locked_until = t + timedelta(minutes=policy.lockout_minutes)
            user.failed_logins = 0
            raise LoginRefused("wrong password; now locked")
        raise LoginRefused("wrong password")
    user.failed_logins = 0
    user.locked_until = None
    if _hasher().check_needs_rehash(user.password_hash or ""):
        user.password_hash = hash_password(password)
    return user


def set_password(user: User, password: str) -> None:
    check_password_policy(password, user.username)
    user.password_hash = hash_password(password)
    user.must_change_password = False


def new_totp_secret() -> str:
    import pyotp

    return pyotp.random_base32()


def totp_uri(user: User, secret: str) -> str:
    import pyotp

    return pyotp.TOTP(secret).provisioning_uri(name=user.username, issuer_name="cloudgov")


def verify_totp(user: User, code: str, secret: str | None = None, at: datetime | None = None) -> bool:
    """A six-digit code for now (±30 s), each time step accepted once (no replay)."""
    import pyotp

    secret = secret or user.totp_secret
    code = (code or "").strip().replace(" ", "")
    if not secret or not code.isdigit():
        return False
    totp = pyotp.TOTP(secret)
    moment = at or now()
    step_now = int(moment.timestamp()) // totp.interval
    for step in (step_now - 1, step_now, step_now + 1):
        if secrets.compare_digest(totp.generate_otp(step), code):
            if user.totp_last_step is not None and step <= user.totp_last_step:
                return False
            user.totp_last_step = step
            return True
    return False


def needs_mfa_enrolment(user: User) -> bool:
    return not user.totp_enabled and bool(MFA_REQUIRED_ROLES & set(user.roles))


# --- sessions -----------------------------------------------------------------------------


def open_session(session: Session, user: User, *, mfa_passed: bool, via: str = "password") -> str:
    """A new session (a fresh token every time: no session fixation); returns the token.
    ``via="oidc"`` with ``mfa_passed``: the identity provider vouched for a second factor."""
    token = secrets.token_urlsafe(32)
    t = now()
    session.add(WebSession(token_hash=digest(token), user_id=user.id, created_at=t, last_seen=t, mfa_passed=mfa_passed,
                           via=via))
    return token


def session_user(session: Session, token: str | None, policy: Policy = DEFAULT_POLICY) -> WebSession | None:
    """The live session for a cookie's token; an idle or too old one is deleted."""
    if not token:
        return None
    row = session.get(WebSession, digest(token))
    if row is None:
        return None
    t = now()
    if (t - _aware(row.last_seen)) > timedelta(minutes=policy.idle_minutes) or (
        t - _aware(row.created_at)
    ) > timedelta(hours=policy.absolute_hours) or not row.user.active:
        session.delete(row)
        return None
    if (t - _aware(row.last_seen)) > timedelta(seconds=30):  # one write a half-minute, not per request
        row.last_seen = t
    return row


def close_session(session: Session, token: str | None) -> None:
    if token:
        session.execute(delete(WebSession).where(WebSession.token_hash == digest(token)))


def close_all_sessions(session: Session, user: User) -> None:
    session.execute(delete(WebSession).where(WebSession.user_id == user.id))


# --- API tokens ---------------------------------------------------------------------------


def issue_token(session: Session, user: User, name: str, scopes: list[str]) -> tuple[ApiToken, str]:
    """A token limited to ``scopes`` (each a permission the user holds); the secret is shown once."""
    mine = permissions_of(user.roles)
    bad = [s for s in scopes if s not in mine]
    if bad or not scopes:
        raise InputError(
            f"a token's scopes must be permissions you hold ({', '.join(sorted(mine))}); refused: {', '.join(bad) or 'none given'}"
        )
    if not name.strip():
        raise InputError("give the token a name")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(user_id=user.id, name=name.strip()[:200], prefix=secret[:10], token_hash=digest(secret),
                   scopes=sorted(set(scopes)), created_at=now())
    session.add(row)
    session.flush()
    return row, secret


def token_user(session: Session, secret: str) -> ApiToken | None:
    row = session.scalar(select(ApiToken).where(ApiToken.token_hash == digest(secret)))
    if row is None or row.revoked_at is not None or not row.user.active:
        return None
    t = now()
    if row.last_used_at is None or (t - _aware(row.last_used_at)) > timedelta(minutes=1):
        row.last_used_at = t
    return row


def revoke_token(session: Session, user: User, token_id: int) -> ApiToken:
    row = session.get(ApiToken, token_id)
    if row is None or row.user_id != user.id:
        raise InputError(f"no token {token_id} of yours")
    if row.revoked_at is None:
        row.revoked_at = now()
    return row
