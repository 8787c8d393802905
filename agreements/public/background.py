"""One background thread per job and process: the facet index's and the word index's builds, the
page cache's rendering queue.

A request that finds work to do starts it and goes on answering from what it has; asking again
while the thread runs does nothing, so a burst of requests starts one build, not one each.
"""

import threading
from collections.abc import Callable


class BackgroundJob:
    def __init__(self, name: str, run: Callable[[], None]):
        self.name = name  # the thread's name, as py-spy and the logs show it
        self.run = run
        self._thread: threading.Thread | None = None
        # Held for a moment while a thread starts, never while it runs: a request checking whether
        # the job runs must not wait for it.
        self._starting = threading.Lock()

    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> None:
        """Run the job in a daemon thread, unless it runs already (then this does nothing)."""
        with self._starting:
            if self.running():
                return
            self._thread = threading.Thread(target=self.run, name=self.name, daemon=True)
            self._thread.start()

    def wait(self, timeout: float) -> None:
        """Until the run under way (if any) is done: tests and benchmarks."""
        thread = self._thread
        if thread is not None:
            thread.join(timeout)
