"""Progress bars for long commands and a clean stop on Ctrl-C.

Bars (tqdm) are drawn on a terminal's stderr only: in CI logs and pipes they stay silent. `StopFlag`
turns the first Ctrl-C (or SIGTERM) into a request the long loop checks between units of work (a
simulated day, a page of blocks), so what was finished can be written; a second Ctrl-C stops at once.
"""

from __future__ import annotations

import signal
import sys
from contextlib import contextmanager

from tqdm import tqdm


def bar(total: int | None, label: str, unit: str = "it", *, enabled: bool = True):
    """A progress bar on stderr, drawn only when `enabled` and stderr is a terminal."""
    return tqdm(
        total=total,
        desc=label,
        unit=unit,
        file=sys.stderr,
        disable=not enabled or not sys.stderr.isatty(),
        dynamic_ncols=True,
        leave=False,
    )


class StopFlag:
    """Set by the first Ctrl-C or SIGTERM; long loops look at it between units of work."""

    def __init__(self):
        self.requested = False

    def __bool__(self) -> bool:
        return self.requested

    @contextmanager
    def catching(self, message: str = "stopping after the current step (Ctrl-C again stops at once)"):
        """While inside: the first Ctrl-C/SIGTERM sets the flag (and says `message`), the second
        raises KeyboardInterrupt. The previous handlers come back afterwards."""

        def handler(number, _frame):
            if self.requested:
                raise KeyboardInterrupt
            self.requested = True
            print(f"\n{message}", file=sys.stderr, flush=True)

        previous = {n: signal.signal(n, handler) for n in (signal.SIGINT, signal.SIGTERM)}
        try:
            yield self
        finally:
            for number, old in previous.items():
                signal.signal(number, old)
