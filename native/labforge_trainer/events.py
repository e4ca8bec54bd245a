"""The event channel: JSON Lines on the real stdout, everything else on stderr."""

from __future__ import annotations

import json
import logging
import os
import signal
import sys
import threading
from typing import IO, Any

from .protocol import Event, Log, LogLevel

logger = logging.getLogger("labforge_trainer")


def _json_default(o: Any) -> Any:
    if hasattr(o, "item"):
        return o.item()
    raise TypeError(f"not JSON serialisable: {type(o).__name__}")


class Emitter:
    """Writes protocol events. Only the emitting rank (rank 0) writes; others are silent."""

    def __init__(self, stream: IO[str] | None, enabled: bool = True) -> None:
        self._stream = stream
        self._enabled = enabled and stream is not None
        self._lock = threading.Lock()

    def emit(self, event: Event) -> None:
        if not self._enabled or self._stream is None:
            return
        line = json.dumps(event.to_json(), default=_json_default, allow_nan=False)
        with self._lock:
            try:
                self._stream.write(line + "\n")
                self._stream.flush()
            except (BrokenPipeError, OSError, ValueError):
                # The parent is gone (its end of the pipe closed): keep going so the cancel that
                # follows still writes its checkpoint; the events have nobody to read them.
                self._enabled = False
                logger.warning("the event pipe closed: the parent process is gone")

    def log(self, level: LogLevel | str, message: str) -> None:
        lv = LogLevel(level)
        getattr(logger, {"info": "info", "warning": "warning", "error": "error"}[lv.value])(message)
        self.emit(Log(level=lv, message=message))


def take_stdout() -> IO[str]:
    """Reserve fd 1 for protocol events and point everything else at stderr.

    Libraries print (progress bars, warnings, C++ code writing to fd 1); a stray line on stdout
    would corrupt the protocol, so fd 1 itself is redirected and only our handle keeps the pipe.
    """
    sys.stdout.flush()
    proto_fd = os.dup(1)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    return os.fdopen(proto_fd, "w", encoding="utf-8", buffering=1)


class CancelFlag:
    """Set by ``{"type":"cancel"}`` on stdin or by SIGTERM; read at optimizer-step boundaries."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def set(self) -> None:
        self._event.set()

    def is_set(self) -> bool:
        return self._event.is_set()

    def install(self, read_stdin: bool) -> None:
        def on_signal(signum: int, _frame: Any) -> None:
            logger.warning("received signal %d: stopping after the current step", signum)
            self.set()

        signal.signal(signal.SIGTERM, on_signal)
        if read_stdin:
            threading.Thread(target=self._read_stdin, name="stdin-cancel", daemon=True).start()

    def _read_stdin(self) -> None:
        # EOF on stdin is a cancel: the parent holds the other end of the pipe, so EOF means it
        # closed it or died. Either way: checkpoint at the next step boundary, then exit.
        for line in sys.stdin:
            try:
                msg = json.loads(line)
            except json.JSONDecodeError:
                logger.warning("ignored a non-JSON line on stdin")
                continue
            if isinstance(msg, dict) and msg.get("type") == "cancel":
                logger.warning("cancel requested on stdin: stopping after the current step")
                self.set()
        logger.warning("stdin closed (the parent is gone or stopped us): stopping after the current step")
        self.set()
