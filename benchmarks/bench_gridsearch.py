"""Wall time of GridSearchCV over an sklstm pipeline with n_jobs=2 against n_jobs=1.

Four candidates (``units`` in [32, 64] x ``max_length`` in [80, 140]) of
``CharTokenizer() + LSTMClassifier(max_epochs=3)``, cv=2, on a stratified
subset of the tweets' training split (8000 by default): 8 fits of a few
seconds each (about three on the project's build machine), so that starting
the workers (importing torch, two to three seconds) weighs as it would in a
real search, not more. The figure is
the wall time with ``n_jobs=2`` divided by that with ``n_jobs=1`` (below 1:
the parallel search is faster; 0.5 would be perfect scaling on two workers).
``refit=False``: the final refit is the same serial work in both and would
only dilute the ratio.

The ``n_jobs=1`` search runs here with ``LSTMClassifier(n_threads=threads)``
(``--threads``, default 1, sklstm's default); the ``n_jobs=2`` search gives
each of its two workers ``n_threads=max(1, threads // 2)``, so that it never
runs more threads than cores the serial one could have used (with the default,
two single-threaded workers against one: what ``n_jobs`` is for). The first
``n_jobs=2`` time includes starting the workers (importing torch in each), as
a user's first search would (``seconds_to_import_sklstm_in_a_new_process``
times that import alone); a second search reuses them
(``wall_time_n_jobs_2_warm_vs_1``). ``two_fits_at_once_vs_in_turn`` is the
machine's own ceiling: two independent single-threaded fits run at once,
against one after the other (0.5 only where two cores share nothing), and
``two_python_loops_at_once_vs_in_turn`` the same for a plain Python loop that
touches no torch and almost no memory: what the two CPUs give two processes at
all (on a virtual machine whose two CPUs share one physical core, or whose
host is busy, well above 0.5).
"""

import subprocess
import sys
import time

import numpy as np
import torch
from joblib import Parallel, delayed
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.pipeline import make_pipeline

from _common import RANDOM_STATE, apply_threads, emit, load_split, make_parser, rounded
from sklstm import CharTokenizer, LSTMClassifier

PARAM_GRID = {
    "lstmclassifier__units": [32, 64],
    "chartokenizer__max_length": [80, 140],
}


def search(texts, labels, n_jobs, cv, threads, epochs):
    pipeline = make_pipeline(
        CharTokenizer(),
        LSTMClassifier(
            embedding_dim=32,
            batch_size=64,
            learning_rate=1e-3,
            max_epochs=epochs,
            n_threads=threads,
            random_state=0,
        ),
    )
    grid = GridSearchCV(pipeline, PARAM_GRID, cv=cv, n_jobs=n_jobs, refit=False)
    start = time.perf_counter()
    grid.fit(texts, labels)
    return time.perf_counter() - start, grid.cv_results_["mean_test_score"]


def _torch_threads():
    return torch.get_num_threads()


def _one_fit(ids, labels, epochs):
    start = time.perf_counter()
    LSTMClassifier(max_epochs=epochs, random_state=0).fit(ids, labels)
    return time.perf_counter() - start


def _count(n):
    total = 0
    for i in range(n):
        total += i
    return total


def python_ceiling(n=20_000_000):
    """Wall time of two plain Python loops run at once / one after the other."""
    Parallel(n_jobs=2)(delayed(_count)(1000) for _ in range(2))  # start the workers
    start = time.perf_counter()
    for _ in range(2):
        _count(n)
    serial = time.perf_counter() - start
    start = time.perf_counter()
    Parallel(n_jobs=2)(delayed(_count)(n) for _ in range(2))
    return (time.perf_counter() - start) / serial


def concurrency_ceiling(texts, labels, epochs):
    """Wall time of two identical single-threaded fits run at once / one after the other.

    What two processes can gain on this machine at best (0.5 on two free
    cores; more where the cores share caches, memory bandwidth or a host).
    """
    ids = CharTokenizer(max_length=140).fit_transform(texts)
    Parallel(n_jobs=2)(delayed(_one_fit)(ids[:200], labels[:200], 1) for _ in range(2))
    start = time.perf_counter()
    for _ in range(2):
        _one_fit(ids, labels, epochs)
    serial = time.perf_counter() - start
    start = time.perf_counter()
    Parallel(n_jobs=2)(delayed(_one_fit)(ids, labels, epochs) for _ in range(2))
    return (time.perf_counter() - start) / serial


def import_seconds():
    """Wall time of a fresh interpreter that imports sklstm (torch, skorch,
    scikit-learn): what each new worker pays before its first fit."""
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import sklstm"], check=True)
    return time.perf_counter() - start


def main():
    parser = make_parser(__doc__.splitlines()[0])
    parser.add_argument(
        "--subset", type=int, default=8000, help="tweets searched on (default 8000)"
    )
    parser.add_argument("--epochs", type=int, default=3, help="max_epochs of each fit (default 3)")
    parser.add_argument("--cv", type=int, default=2)
    args = parser.parse_args()
    apply_threads(args.threads)
    # Two workers share --threads when it is 2 or more, so as not to oversubscribe.
    worker_threads = max(1, args.threads // 2)
    subset = 600 if args.quick else args.subset
    texts_train, _, y_train, _ = load_split()
    if subset < len(texts_train):
        texts, _, labels, _ = train_test_split(
            texts_train, y_train, train_size=subset, stratify=y_train, random_state=RANDOM_STATE
        )
    else:
        texts, labels = texts_train, y_train

    # Warm-up in this process, so that the serial search does not pay torch's
    # one-time costs (the warm parallel search does not either).
    epochs = 1 if args.quick else args.epochs
    search(texts[:200], labels[:200], n_jobs=1, cv=args.cv, threads=args.threads, epochs=1)
    seconds_serial, scores_serial = search(
        texts, labels, n_jobs=1, cv=args.cv, threads=args.threads, epochs=epochs
    )
    seconds_parallel, scores_parallel = search(
        texts, labels, n_jobs=2, cv=args.cv, threads=worker_threads, epochs=epochs
    )
    # Again, now that the workers are up (loky reuses them): the cost of a
    # second search in the same session.
    seconds_warm, _ = search(
        texts, labels, n_jobs=2, cv=args.cv, threads=worker_threads, epochs=epochs
    )
    worker_start_seconds = import_seconds()
    ceiling = concurrency_ceiling(texts, labels, epochs)
    cpu_ceiling = python_ceiling(2_000_000 if args.quick else 20_000_000)
    # Ask the (reused, still running) loky workers what torch has outside fit.
    worker_default_threads = sorted(
        set(Parallel(n_jobs=2)(delayed(_torch_threads)() for _ in range(4)))
    )

    emit(
        "gridsearch",
        quick=args.quick,
        ratios={
            "wall_time_n_jobs_2_vs_1": seconds_parallel / seconds_serial,
            "wall_time_n_jobs_2_warm_vs_1": seconds_warm / seconds_serial,
            "two_fits_at_once_vs_in_turn": ceiling,
            "two_python_loops_at_once_vs_in_turn": cpu_ceiling,
        },
        lower_is_better=[
            "wall_time_n_jobs_2_vs_1",
            "wall_time_n_jobs_2_warm_vs_1",
            "two_fits_at_once_vs_in_turn",
            "two_python_loops_at_once_vs_in_turn",
        ],
        absolute={
            "seconds_n_jobs_1": rounded(seconds_serial),
            "seconds_n_jobs_2": rounded(seconds_parallel),
            "seconds_n_jobs_2_warm_workers": rounded(seconds_warm),
            "seconds_to_import_sklstm_in_a_new_process": rounded(worker_start_seconds),
            "mean_test_scores_n_jobs_1": [round(float(s), 4) for s in scores_serial],
        },
        settings={
            "n_texts": len(texts),
            "cv": args.cv,
            "n_candidates": int(np.prod([len(values) for values in PARAM_GRID.values()])),
            "param_grid": PARAM_GRID,
            "max_epochs": epochs,
            "refit": False,
            "lstm_n_threads_n_jobs_1": args.threads,
            "lstm_n_threads_per_worker": worker_threads,
            "torch_threads_in_workers_outside_fit": worker_default_threads,
        },
        checks={
            # Same seeds: the two searches should score alike (exactly, unless
            # the workers' thread count changes floating-point sums).
            "max_score_difference": float(np.max(np.abs(scores_serial - scores_parallel))),
        },
    )


if __name__ == "__main__":
    main()
