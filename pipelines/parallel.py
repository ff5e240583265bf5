"""Process-parallel map with progress lines on stderr, for corpus building and feature caching."""

from __future__ import annotations

import sys
from multiprocessing import Pool


def parallel_map(func, jobs: list, label: str, workers: int = 2, every: int = 500, chunksize: int = 8) -> list:
    """``[func(job) for job in jobs]`` over ``workers`` processes, printing ``label: done/total``."""
    results = []

    def report(done):
        if done % every == 0 or done == len(jobs):
            print(f"{label}: {done}/{len(jobs)}", file=sys.stderr, flush=True)

    if workers <= 1:
        for job in jobs:
            results.append(func(job))
            report(len(results))
        return results
    with Pool(workers) as pool:
        for result in pool.imap(func, jobs, chunksize=chunksize):
            results.append(result)
            report(len(results))
    return results
