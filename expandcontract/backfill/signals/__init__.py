"""Throttle signals, one module each; every one answers ok, throttle(reason) or unknown(reason).

An unknown answer (a replica that cannot be reached, a query that fails) throttles too: the
backfill never writes on the assumption that a signal it cannot read would have said yes.
"""

from .base import Signal, Status, Verdict

__all__ = ["Signal", "Status", "Verdict"]
