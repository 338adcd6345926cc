"""Peak memory of this process: the kernel's high-water mark, and what it was made of.

The peak resident set size is ``VmHWM`` in ``/proc/self/status``, the high-water
mark of this process image. (``getrusage``'s ``ru_maxrss`` is *not* used on Linux:
it survives ``exec``, so a worker started by a parent holding 400 MiB reports at
least 400 MiB whatever it does itself.) RSS counts *file-backed* pages too: the
pages of an ``np.memmap`` that the process has touched stay mapped and resident,
page cache the kernel may reclaim under pressure, but RSS all the same. To tell
the two apart, `PeakMemory` samples ``RssAnon`` (heap: arrays, buffers) and
``RssFile`` (mapped files, libraries) in a background thread and keeps their peaks.
"""

from __future__ import annotations

import resource
import sys
import threading

_FIELDS = ("VmHWM", "VmRSS", "RssAnon", "RssFile")


def status_kib() -> dict[str, int]:
    """``VmHWM`` (peak RSS) and the current ``VmRSS``, ``RssAnon`` and ``RssFile``, in KiB (empty off Linux)."""
    values = {}
    try:
        with open("/proc/self/status") as f:
            for line in f:
                key = line.split(":", 1)[0]
                if key in _FIELDS:
                    values[key] = int(line.split()[1])
    except OSError:
        pass
    return values


def peak_rss_mib() -> float:
    """This process image's peak resident set size so far, in MiB (``VmHWM``; ``getrusage`` off Linux)."""
    hwm = status_kib().get("VmHWM")
    if hwm is not None:
        return hwm / 1024
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 2**20 if sys.platform == "darwin" else peak / 1024  # macOS reports bytes


class PeakMemory:
    """Samples ``/proc/self/status`` every ``interval`` seconds while in the ``with`` block.

    Example:
        >>> with PeakMemory(0.01) as peak:
        ...     buffer = bytearray(10 * 2**20)
        >>> set(peak.peak_mib()) <= {"VmHWM", "VmRSS", "RssAnon", "RssFile"}
        True
    """

    def __init__(self, interval: float = 0.05) -> None:
        self.interval = interval
        self.peaks_kib: dict[str, int] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample_until_stopped, daemon=True)

    def _sample(self) -> None:
        for key, value in status_kib().items():
            self.peaks_kib[key] = max(value, self.peaks_kib.get(key, 0))

    def _sample_until_stopped(self) -> None:
        while not self._stop.wait(self.interval):
            self._sample()

    def __enter__(self) -> PeakMemory:
        self._sample()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self._sample()

    def peak_mib(self) -> dict[str, float]:
        """The sampled peaks in MiB (a sample can miss a spike shorter than ``interval``; VmHWM cannot)."""
        return {key: value / 1024 for key, value in self.peaks_kib.items()}
