"""API keys from the environment, their roles, and what each role may do in which store."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

KEYS_VARIABLE = "MULTISTORE_API_KEYS"
MIN_SECRET_LENGTH = 16
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


class Role(StrEnum):
    HQ_ADMIN = "hq_admin"
    STORE_MANAGER = "store_manager"
    STOREFRONT = "storefront"
    AUDITOR = "auditor"


class Permission(StrEnum):
    READ_CHAIN = "read the store list and catalog"
    MANAGE_CHAIN = "register and change stores and SKUs, and grant points"
    READ_STOCK = "read stock"
    READ_AVAILABILITY = "read a SKU's stock across stores"
    MANAGE_STOCK = "receive and adjust stock"
    READ_ORDERS = "read orders"
    PLACE_ORDERS = "place, pay, cancel and return orders"
    FULFIL_ORDERS = "fulfil and complete orders"
    READ_TRANSFERS = "read transfers"
    MANAGE_TRANSFERS = "request, cancel, ship and receive transfers"
    APPROVE_TRANSFERS = "approve and reject transfers"
    READ_MEMBERS = "read members' points"
    ENROL_MEMBERS = "enrol members"
    READ_DASHBOARD = "read the dashboard and alerts"
    READ_EVENTS = "read the event feed"
    MANAGE_WEBHOOKS = "manage webhook subscriptions"


P = Permission
GRANTS: dict[Role, frozenset[Permission]] = {
    Role.HQ_ADMIN: frozenset(Permission),
    Role.AUDITOR: frozenset(
        {P.READ_CHAIN, P.READ_STOCK, P.READ_ORDERS, P.READ_TRANSFERS, P.READ_MEMBERS}
        | {P.READ_AVAILABILITY, P.READ_DASHBOARD, P.READ_EVENTS}
    ),
    Role.STORE_MANAGER: frozenset(
        {P.READ_CHAIN, P.READ_STOCK, P.MANAGE_STOCK, P.READ_ORDERS, P.PLACE_ORDERS}
        | {P.FULFIL_ORDERS, P.READ_TRANSFERS, P.MANAGE_TRANSFERS, P.READ_DASHBOARD}
        | {P.READ_EVENTS}
    ),
    Role.STOREFRONT: frozenset(
        {P.READ_CHAIN, P.READ_STOCK, P.READ_ORDERS, P.PLACE_ORDERS, P.READ_MEMBERS}
        | {P.READ_AVAILABILITY, P.ENROL_MEMBERS, P.READ_EVENTS}
    ),
}


class Unauthenticated(Exception):
    """No API key, or one that is not configured."""


class Forbidden(Exception):
    """A known caller asking for something outside its role or store."""


@dataclass(frozen=True)
class ApiKey:
    """A configured key: its name is the actor recorded on every event it causes."""

    name: str
    role: Role
    store: str | None = None

    def allows(self, permission: Permission) -> bool:
        return permission in GRANTS[self.role]

    def sees_store(self, store: str) -> bool:
        return self.store is None or self.store == store

    def scope(self, store: str | None) -> str | None:
        """The store a listing covers: a scoped key's own store, whatever was asked."""
        if self.store is None:
            return store
        if store is not None and store != self.store:
            raise Forbidden(f"the key {self.name!r} is limited to store {self.store!r}")
        return self.store

    def require(self, permission: Permission, store: str | None = None) -> None:
        """Raise Forbidden unless this key has ``permission`` (in ``store``, when given)."""
        if not self.allows(permission):
            raise Forbidden(f"the {self.role} key {self.name!r} may not {permission}")
        if store is not None and not self.sees_store(store):
            raise Forbidden(f"the key {self.name!r} is limited to store {self.store!r}")


class KeyRing:
    """The configured keys, looked up by a hash of the secret in constant time per key."""

    def __init__(self, keys: Iterable[tuple[str, ApiKey]] = ()) -> None:
        self._keys: list[tuple[bytes, ApiKey]] = []
        names: set[str] = set()
        for secret, key in keys:
            if len(secret) < MIN_SECRET_LENGTH:
                raise ValueError(
                    f"{KEYS_VARIABLE}: the secret of {key.name!r} is shorter than "
                    f"{MIN_SECRET_LENGTH} characters"
                )
            if key.name in names:
                raise ValueError(f"{KEYS_VARIABLE}: the key name {key.name!r} appears twice")
            names.add(key.name)
            self._keys.append((_digest(secret), key))

    def __len__(self) -> int:
        return len(self._keys)

    def find(self, secret: str | None) -> ApiKey:
        """The key with this secret; Unauthenticated when there is none."""
        if not secret:
            raise Unauthenticated("give an API key: Authorization: Bearer <key>")
        digest = _digest(secret)
        found = None
        for known, key in self._keys:
            if hmac.compare_digest(known, digest):
                found = key
        if found is None:
            raise Unauthenticated("the API key is not valid")
        return found

    @classmethod
    def from_environment(cls, environ: dict[str, str] | None = None) -> KeyRing:
        return cls.parse((environ if environ is not None else os.environ).get(KEYS_VARIABLE, ""))

    @classmethod
    def parse(cls, text: str) -> KeyRing:
        """Read keys as JSON or as a compact list; see docs/api.md for both formats."""
        text = text.strip()
        if text.startswith("["):
            return cls(_from_json(text))
        return cls(_from_compact(text))


def make_key(name: str, role: str, store: str | None) -> ApiKey:
    """Check a key's name, role and store scope and build it."""
    if not _NAME.match(name):
        raise ValueError(f"{KEYS_VARIABLE}: {name!r} is not a valid key name")
    try:
        parsed = Role(role)
    except ValueError:
        roles = ", ".join(r.value for r in Role)
        raise ValueError(f"{KEYS_VARIABLE}: {name!r} has unknown role {role!r} ({roles})") from None
    if (parsed is Role.STORE_MANAGER) != bool(store):
        raise ValueError(f"{KEYS_VARIABLE}: {name!r}: only a store_manager key names a store")
    return ApiKey(name, parsed, store or None)


def _from_json(text: str) -> list[tuple[str, ApiKey]]:
    try:
        entries = json.loads(text)
        return [
            (str(e["secret"]), make_key(str(e["name"]), str(e["role"]), e.get("store")))
            for e in entries
        ]
    except (json.JSONDecodeError, KeyError, TypeError) as error:
        raise ValueError(
            f'{KEYS_VARIABLE}: expected [{{"name", "secret", "role", "store"?}}, ...]: {error}'
        ) from None


def _from_compact(text: str) -> list[tuple[str, ApiKey]]:
    keys = []
    for entry in text.replace(",", " ").split():
        parts = entry.split(":")
        if len(parts) not in (3, 4):
            raise ValueError(f"{KEYS_VARIABLE}: expected name:secret:role[:store], got {entry!r}")
        name, secret, role, *store = parts
        keys.append((secret, make_key(name, role, store[0] if store else None)))
    return keys


def _digest(secret: str) -> bytes:
    return hashlib.sha256(secret.encode()).digest()
