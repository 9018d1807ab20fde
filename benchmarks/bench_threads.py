"""Seconds per epoch of LSTMClassifier with 1 and 2 torch threads, alone and beside a busy process.

The evidence behind sklstm's default ``n_threads=1``. Char-level ids of a
stratified subset of the tweets (``--subset``, 6000 by default), one epoch per
fit, the settings in turn, best of ``--repeats``. "Busy" runs a second process
that spins on one core for the duration of the fit, as a parallel search
worker, a test run or a browser tab would. Also one epoch with denormal
floats flushed to zero (``torch.set_flush_denormal``), against not.

Ratios: each setting's s/epoch divided by that of 1 thread on the quiet
machine.
"""

import multiprocessing
import time

import torch

from _common import emit, load_split, make_parser, rounded
from sklstm import CharTokenizer, LSTMClassifier


def spin(stop):
    while not stop.is_set():
        pass


def epoch_seconds(ids, labels, threads):
    start = time.perf_counter()
    LSTMClassifier(max_epochs=1, n_threads=threads, random_state=0).fit(ids, labels)
    return time.perf_counter() - start


def main():
    parser = make_parser(__doc__.splitlines()[0])
    parser.add_argument("--subset", type=int, default=6000)
    parser.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args()
    texts, _, labels, _ = load_split(n_samples=1000 if args.quick else args.subset)
    ids = CharTokenizer(max_length=140).fit_transform(texts)
    epoch_seconds(ids[:300], labels[:300], 1)  # torch's one-time start-up costs

    best = {}

    def measure(name, threads, busy=False, flush=False):
        stop = multiprocessing.Event()
        spinner = multiprocessing.Process(target=spin, args=(stop,)) if busy else None
        if spinner:
            spinner.start()
            time.sleep(0.5)
        torch.set_flush_denormal(flush)
        try:
            seconds = epoch_seconds(ids, labels, threads)
        finally:
            torch.set_flush_denormal(False)
            if spinner:
                stop.set()
                spinner.join()
        best[name] = min(best.get(name, float("inf")), seconds)

    for _ in range(args.repeats):
        measure("quiet_1_thread", 1)
        measure("quiet_2_threads", 2)
        measure("busy_1_thread", 1, busy=True)
        measure("busy_2_threads", 2, busy=True)
        measure("quiet_1_thread_flush_denormal", 1, flush=True)

    reference = best["quiet_1_thread"]
    emit(
        "threads",
        quick=args.quick,
        ratios={f"{name}_vs_quiet_1_thread": seconds / reference for name, seconds in best.items()
                if name != "quiet_1_thread"},
        lower_is_better=[f"{name}_vs_quiet_1_thread" for name in best if name != "quiet_1_thread"],
        absolute={"seconds_per_epoch": {name: rounded(s) for name, s in best.items()}},
        settings={"n_texts": len(texts), "repeats": args.repeats, "max_length": 140},
    )


if __name__ == "__main__":
    main()
