"""`gatepost worker` stops on SIGTERM even when the kernel hands the signal to another thread."""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
import time

from tests.support.processes import PROJECT_ROOT

# A worker whose main thread blocks SIGTERM, so the kernel must deliver it to another thread (as
# it may to any of a real worker's threads): the main thread has to notice by itself.
SCRIPT = textwrap.dedent(
    """
    import signal, threading, time
    from web.cli.worker import run_until_stopped

    class Service:
        class identity:
            worker_id = "w1"
        def start(self):
            pass
        def stop(self):
            print("stopped", flush=True)

    other = threading.Thread(target=time.sleep, args=(60,), daemon=True)
    other.start()  # created before the block below, so it takes SIGTERM
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM})
    run_until_stopped(Service())
    """
)


def test_sigterm_delivered_to_another_thread_still_stops_the_worker() -> None:
    process = subprocess.Popen(
        [sys.executable, "-c", SCRIPT],
        cwd=PROJECT_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert process.stdout is not None
    assert "is running" in process.stdout.readline()
    time.sleep(0.2)

    process.send_signal(signal.SIGTERM)

    try:
        output, _ = process.communicate(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        output, _ = process.communicate()
        raise AssertionError(f"SIGTERM went unheard:\n{output}") from None
    assert process.returncode == 0, output
    assert "Stopping: finishing the posts in flight" in output
    assert "stopped" in output
