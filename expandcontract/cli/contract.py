"""ec contract NAME: remove the old shape, once the pre-contract evidence allows it."""

from __future__ import annotations

import click

from ..errors import InputError
from ..execution.phases import ContractOptions, Outcome, contract
from ..execution.precontract import GateOptions
from ._exec import DURATION, Reports, exec_options, make_options, run_command
from .common import dsn_option, format_option, get_dsn


@click.command("contract")
@click.argument("name")
@dsn_option()
@click.option("--wait", type=DURATION, default="0s", show_default=True,
              help="Keep re-checking a blocked gate this long before giving up (exit 3).")
@click.option("--poll", type=DURATION, default="5s", show_default=True,
              help="Interval between checks while waiting.")
@click.option("--force", is_flag=True, help="Contract despite blocking evidence (needs --reason).")
@click.option("--reason", default=None, metavar="TEXT", help="Why --force: recorded in the audit log.")
@click.option("--allow-unknown", is_flag=True,
              help="Do not block on connections tagged with a version unknown to the registry.")
@click.option("--ttl", type=DURATION, default=None,
              help="Heartbeat TTL of app instances (default: 3 x each instance's interval).")
@exec_options
@format_option("text", "json")
def contract_command(name: str, dsn: str | None, wait: float, poll: float, force: bool,
                     reason: str | None, allow_unknown: bool, ttl: float | None,
                     lock_timeout: float, statement_timeout: float, retry_deadline: float,
                     fmt: str) -> None:
    """Contract NAME: drop what the old app version needed, after the pre-contract check.

    Blocked (exit 3, schema stays expanded) while expand is incomplete, a backfill is not done,
    or a live app version still needs the old shape.
    """

    def run(reports: Reports) -> Outcome:
        if poll <= 0:
            raise InputError("--poll must be greater than 0")
        options = make_options(lock_timeout, statement_timeout, retry_deadline)
        gate = ContractOptions(
            gate=GateOptions(allow_unknown=allow_unknown, ttl_seconds=ttl),
            wait=wait, poll=poll, force=force, reason=reason,
        )
        return contract(get_dsn(dsn) or "", name, options, gate, reports.step, reports.evidence)

    run_command(fmt, "contract", name, dsn, run)


COMMANDS = [contract_command]
