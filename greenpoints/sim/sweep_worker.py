"""What the sweep's own Dask worker processes need besides the runs (`greenpoints.sim.sweep`); a
module apart so that importing the sweep does not import Dask."""

from __future__ import annotations

import signal

from distributed import WorkerPlugin


class IgnoreCtrlC(WorkerPlugin):
    """A Dask worker plugin for the sweep's own worker processes: Ctrl-C stays ignored in them.

    They start ignoring it (`Sweep._client`), but importing Ape, which the first run does, installs
    Ape's handler (exit with 130) in its place. A terminal's Ctrl-C reaches every process of the
    command, so a worker exited wherever the signal found it, and when that was inside one of
    Dask's network tasks the worker printed that task's traceback ("Task exception was never
    retrieved ... SystemExit: 130") under the sweep's clean stop. `setup` runs in each worker's main
    thread when the plugin is registered: it imports Ape first, then ignores Ctrl-C again; the
    sweep's own handler stops the sweep and closing the cluster ends the workers.
    """

    name = "greenpoints-ignore-ctrl-c"

    def setup(self, worker) -> None:
        import ape  # noqa: F401  (its import installs the handler this replaces)

        signal.signal(signal.SIGINT, signal.SIG_IGN)
