"""A minimal text progress bar for downloads and training loops (no dependency).

It follows the small protocol pooch uses for custom progress bars (``total``, ``update``,
``reset``, ``close``), so it can be handed to ``pooch.HTTPDownloader(progressbar=...)``.
On a terminal it redraws one line; in a log (not a TTY) it writes one line when it closes.
"""

import sys
import time


class ProgressBar:
    """Show progress of a task of ``total`` units on ``file`` (stderr by default)."""

    def __init__(self, total=0, desc="", unit="B", file=None, width=30):
        self.total, self.desc, self.unit, self.width = total, desc, unit, width
        self.file = file if file is not None else sys.stderr
        self.n = 0
        self._last_draw = 0.0

    def _amount(self, n):
        return f"{n / 1e6:.1f} MB" if self.unit == "B" else f"{n:,} {self.unit}"

    def _line(self):
        done = min(self.n, self.total) if self.total else self.n
        if not self.total:
            return f"{self.desc}: {self._amount(done)}"
        filled = int(self.width * done / self.total)
        bar = "#" * filled + "-" * (self.width - filled)
        return f"{self.desc}: [{bar}] {100 * done / self.total:3.0f}% of {self._amount(self.total)}"

    def update(self, n=1):
        self.n += n
        now = time.monotonic()
        if self.file.isatty() and now - self._last_draw > 0.1:
            self._last_draw = now
            print("\r" + self._line(), end="", file=self.file, flush=True)

    def reset(self):
        self.n = 0

    def close(self):
        prefix = "\r" if self.file.isatty() else ""
        print(prefix + self._line(), file=self.file, flush=True)
