"""Never outlive the parent: a killed LabForge must not leave a trainer holding the GPU.

Linux: ``prctl(PR_SET_PDEATHSIG, SIGTERM)`` asks the kernel to send SIGTERM when the parent dies
(kept across ``execve``, so torchrun started by ``launch --exec`` has it too). Elsewhere a
daemon thread polls the parent pid. Either way the result is the same as a cancel: the loop
writes a checkpoint at the next step boundary, then exits. Stdin EOF (the parent's end of the
pipe closed) is handled by ``events.CancelFlag``. No torch import here.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from collections.abc import Callable

PR_SET_PDEATHSIG = 1


def set_parent_death_signal(sig: int = signal.SIGTERM) -> bool:
    """Linux only: the kernel sends ``sig`` when the parent thread exits. Returns success."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(PR_SET_PDEATHSIG, int(sig), 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def watch_parent(on_orphaned: Callable[[], None], interval_s: float = 1.0) -> threading.Thread:
    """Call ``on_orphaned`` once when the parent pid changes (the parent died; we were re-parented)."""
    parent = os.getppid()

    def poll() -> None:
        while True:
            time.sleep(interval_s)
            if os.getppid() != parent:
                on_orphaned()
                return

    t = threading.Thread(target=poll, name="parent-watch", daemon=True)
    t.start()
    return t


def die_with_parent(on_orphaned: Callable[[], None] | None = None) -> None:
    """Arrange to be told (SIGTERM, or ``on_orphaned``) when the parent process dies."""
    if os.getppid() == 1:  # already orphaned (or started by init): nothing to watch
        return
    if not set_parent_death_signal():
        watch_parent(on_orphaned or (lambda: os.kill(os.getpid(), signal.SIGTERM)))
    elif os.getppid() == 1:  # the parent died between the check and prctl
        os.kill(os.getpid(), signal.SIGTERM)
