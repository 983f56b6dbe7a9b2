"""Prefect's temporary API server, tied to the process that needs it.

Without a ``PREFECT_API_URL``, Prefect starts a temporary API server (a uvicorn subprocess,
about 230 MB) on first use and stops it at interpreter exit. A ``klantstem run`` killed with
SIGKILL never reaches that exit, and the server ran on forever. ``start_tied_api_server``
starts it up front, from the main thread, with the kernel's parent-death signal set: when
this process dies, however it dies, the server gets SIGTERM.
"""

from __future__ import annotations

import ctypes
import os
import signal
import subprocess
import sys
from typing import Any

_PR_SET_PDEATHSIG = 1


def _die_with(parent: int) -> None:
    """In the child, before exec: SIGTERM when the parent dies (Linux), or now if it already has."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
    if os.getppid() != parent:
        os._exit(1)


class _TiedPopen:
    """``subprocess`` as the Prefect server module sees it, with ``Popen`` tying the child to us."""

    def __getattr__(self, name: str) -> Any:
        return getattr(subprocess, name)

    @staticmethod
    def Popen(*args: Any, **kwargs: Any) -> subprocess.Popen:  # noqa: N802 (subprocess API)
        parent = os.getpid()
        kwargs.setdefault("preexec_fn", lambda: _die_with(parent))
        return subprocess.Popen(*args, **kwargs)


def start_tied_api_server() -> bool:
    """Start Prefect's temporary API server now, tied to this process; False when a real
    API is configured (``PREFECT_API_URL``) or on systems without parent-death signals.

    Call from the main thread: the kernel sends the signal when the *thread* that started
    the child ends, and the main thread lives as long as the process.
    """
    from prefect.settings import PREFECT_API_URL, PREFECT_SERVER_ALLOW_EPHEMERAL_MODE

    if PREFECT_API_URL.value() or not PREFECT_SERVER_ALLOW_EPHEMERAL_MODE.value() or not sys.platform.startswith("linux"):
        return False
    from prefect.server.api import server as api_server

    server = api_server.SubprocessASGIServer()  # the instance Prefect's clients will use
    real = api_server.subprocess
    api_server.subprocess = _TiedPopen()  # type: ignore[assignment]
    try:
        server.start()
    finally:
        api_server.subprocess = real
    return True
