"""ec contract NAME: remove the old shape, once the pre-contract evidence allows it."""

from __future__ import annotations

import click
from rich.console import Console
from rich.markup import escape

from ..execution.phases import ContractOptions, EvidenceReport, contract
from ..execution.precontract import Evidence, GateOptions
from ._exec import DURATION, exec_options, make_options, step_printer
from .common import dsn_option, get_dsn, stdout_console


def evidence_printer(console: Console) -> EvidenceReport:
    shown: list[str] = []

    def show(evidence: list[Evidence], final: bool) -> None:
        lines = [
            f"{'[green]pass[/]' if e.ok else '[red]block[/]'} {escape(e.source)}: {escape(e.summary)}"
            for e in evidence
        ]
        key = "\n".join(lines)
        if shown and shown[-1] == key and not final:
            return  # while waiting, print the evidence only when it changes
        shown.append(key)
        for line in lines:
            console.print(line)
        for e in evidence:
            for caveat in e.caveats:
                console.print(f"  [dim]note ({escape(e.source)}): {escape(caveat)}[/]")

    return show


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
def contract_command(name: str, dsn: str | None, wait: float, poll: float, force: bool,
                     reason: str | None, allow_unknown: bool, ttl: float | None,
                     lock_timeout: float, statement_timeout: float, retry_deadline: float) -> None:
    """Contract NAME: drop what the old app version needed, after the pre-contract check.

    Blocked (exit 3, schema stays expanded) while expand is incomplete, a backfill is not done,
    or a live app version still needs the old shape.
    """
    from ..errors import InputError

    if poll <= 0:
        raise InputError("--poll must be greater than 0")
    options = make_options(lock_timeout, statement_timeout, retry_deadline)
    gate = ContractOptions(
        gate=GateOptions(allow_unknown=allow_unknown, ttl_seconds=ttl),
        wait=wait, poll=poll, force=force, reason=reason,
    )
    console = stdout_console()
    outcome = contract(get_dsn(dsn) or "", name, options, gate, step_printer(console),
                       evidence_printer(console))
    console.print(outcome.message)


COMMANDS = [contract_command]
