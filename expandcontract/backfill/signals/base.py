"""The shape every throttle signal shares."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Protocol

import psycopg


class Status(str, Enum):
    OK = "ok"
    THROTTLE = "throttle"
    UNKNOWN = "unknown"  # could not be read: throttles (fail safe)


@dataclass(frozen=True)
class Verdict:
    status: Status
    reason: str = ""
    lag_seconds: float | None = None  # for the progress line (replica lag signals)

    @property
    def ok(self) -> bool:
        return self.status is Status.OK


def ok(lag_seconds: float | None = None) -> Verdict:
    return Verdict(Status.OK, "", lag_seconds)


def throttle(reason: str, lag_seconds: float | None = None) -> Verdict:
    return Verdict(Status.THROTTLE, reason, lag_seconds)


def unknown(reason: str) -> Verdict:
    return Verdict(Status.UNKNOWN, reason)


class Signal(Protocol):
    """One throttle input. ``check`` gets an autocommit connection to the primary."""

    name: str

    def check(self, primary: psycopg.Connection) -> Verdict: ...

    def close(self) -> None: ...


def one_line(exc: BaseException) -> str:
    from ...dsn import redact

    return redact(" ".join(str(exc).split()))[:200]
