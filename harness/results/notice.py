"""One-line notices on stderr from readers of the results store.

A reader that skips a damaged run, skips unusable journal lines or rebuilds a missing journal
says so in one line: the commands that call these readers (`bench history`, `bench query`,
`bench check`, grading) print their results on stdout and need not know about damage, while
the user still learns what was left out and how to fix it. The results layer sits below the
CLI, so it writes to stderr itself instead of through the CLI's console.
"""

from __future__ import annotations

import sys


def notice(message: str) -> None:
    """Print one line on stderr (newlines in `message` are folded so it stays one line)."""
    print(" ".join(message.split()), file=sys.stderr, flush=True)


def skipped_run(run_id: str, reason: str) -> None:
    """Name a run a store-wide reader left out, and why (the reason names the fix)."""
    notice(f"skipped run {run_id}: {reason}")


__all__ = ["notice", "skipped_run"]
