"""Wall time of GridSearchCV over an sklstm pipeline with n_jobs=2 against n_jobs=1.

Four candidates (``units`` in [32, 64] x ``max_length`` in [80, 140]) of
``CharTokenizer() + LSTMClassifier(max_epochs=1)``, cv=2, on a stratified
subset of the tweets' training split (4000 by default): 8 fits. The figure is
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
a user's first search would; a second search reuses them
(``wall_time_n_jobs_2_warm_vs_1``).
"""

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


def search(texts, labels, n_jobs, cv, threads):
    pipeline = make_pipeline(
        CharTokenizer(),
        LSTMClassifier(
            embedding_dim=32,
            batch_size=64,
            learning_rate=1e-3,
            max_epochs=1,
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


def main():
    parser = make_parser(__doc__.splitlines()[0])
    parser.add_argument("--subset", type=int, default=4000, help="tweets searched on (default 4000)")
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
    search(texts[:200], labels[:200], n_jobs=1, cv=args.cv, threads=args.threads)
    seconds_serial, scores_serial = search(
        texts, labels, n_jobs=1, cv=args.cv, threads=args.threads
    )
    seconds_parallel, scores_parallel = search(
        texts, labels, n_jobs=2, cv=args.cv, threads=worker_threads
    )
    # Again, now that the workers are up (loky reuses them): the cost of a
    # second search in the same session.
    seconds_warm, _ = search(texts, labels, n_jobs=2, cv=args.cv, threads=worker_threads)
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
        },
        lower_is_better=["wall_time_n_jobs_2_vs_1", "wall_time_n_jobs_2_warm_vs_1"],
        absolute={
            "seconds_n_jobs_1": rounded(seconds_serial),
            "seconds_n_jobs_2": rounded(seconds_parallel),
            "seconds_n_jobs_2_warm_workers": rounded(seconds_warm),
            "mean_test_scores_n_jobs_1": [round(float(s), 4) for s in scores_serial],
        },
        settings={
            "n_texts": len(texts),
            "cv": args.cv,
            "n_candidates": int(np.prod([len(values) for values in PARAM_GRID.values()])),
            "param_grid": PARAM_GRID,
            "max_epochs": 1,
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
