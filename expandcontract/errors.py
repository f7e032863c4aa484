"""Errors that reach the user as one line and a distinct exit code."""

from __future__ import annotations

# Exit codes, documented in docs/cli.md.
EXIT_OK = 0
EXIT_FINDINGS = 1  # lint: an error-level finding exists
EXIT_BAD_INPUT = 2
EXIT_BLOCKED = 3
EXIT_FAILED = 4
EXIT_INTERRUPTED = 130


class ECError(Exception):
    """Base class: a message meant for the user and the exit code that goes with it."""

    exit_code = EXIT_FAILED

    def __init__(self, message: str, *, where: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.where = where

    def one_line(self) -> str:
        text = f"{self.where}: {self.message}" if self.where else self.message
        return " ".join(text.split())


class InputError(ECError):
    """Bad input: a malformed file, an unknown object, a wrong option."""

    exit_code = EXIT_BAD_INPUT


class BlockedError(ECError):
    """The work may not run now (gate blocked, another run holds the lock)."""

    exit_code = EXIT_BLOCKED


class ExecutionError(ECError):
    """Something failed while running against the database."""

    exit_code = EXIT_FAILED
