"""What every test process needs, whichever folder its tests are in."""

import signal

import pytest


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    """Let the children that a test stops with Ctrl-C hear it.

    A shell starts its background jobs (`cmd &` in a script, as a CI wrapper may) with SIGINT ignored, and an ignored
    signal stays ignored through exec: the runner and behave started by the Ctrl-C tests would never hear theirs
    (seen: both timed out after 60 s in a clean clone's `.ci/run` started with `&`). A handled signal is reset to the
    default by exec, so Python's own handler here gives every child its KeyboardInterrupt back.
    """
    if signal.getsignal(signal.SIGINT) == signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)
