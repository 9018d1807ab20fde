"""Where early stopping starts to pay: test accuracy with it on and off, by training size.

The evidence behind ``early_stopping='auto'``'s threshold. The demo sentences
(``--data demo``) or the tweets (``--data tweets``) are split 80/20 as in
``bench_quality.py``; stratified subsets of the training part, of each size in
``--sizes``, train the default pipeline (``CharTokenizer(level, max_length) +
LSTMClassifier()``) once with ``early_stopping=True`` and once with ``False``
(``max_epochs`` 20, the default), at ``random_state`` 0, 1 and 2, and are
scored on the whole test part. One JSON line per size and setting, e.g.::

    python benchmarks/bench_early_stopping.py --level word
    python benchmarks/bench_early_stopping.py --level char --sizes 100,400,1600

A size too small for a stratified held-out part records the error instead.
"""

import time

import numpy as np
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline

from _common import (
    RANDOM_STATE,
    apply_threads,
    emit_row,
    load_demo_split,
    load_split,
    make_parser,
)
from sklstm import CharTokenizer, LSTMClassifier

MAX_LENGTH = {"char": 140, "word": 40}
SIZES = (25, 50, 100, 200, 400, 800, 1600)
SEEDS = (0, 1, 2)


def training_subset(texts, labels, size):
    """``size`` of the training texts, stratified (all of them when size >= len)."""
    if size >= len(texts):
        return list(texts), np.asarray(labels)
    subset, _, subset_labels, _ = train_test_split(
        texts, labels, train_size=size, stratify=labels, random_state=RANDOM_STATE
    )
    return list(subset), np.asarray(subset_labels)


def main():
    parser = make_parser(__doc__.splitlines()[0])
    parser.add_argument("--level", choices=["char", "word"], default="word")
    parser.add_argument("--data", choices=["demo", "tweets"], default="demo")
    parser.add_argument("--sizes", default=",".join(map(str, SIZES)))
    parser.add_argument("--seeds", default=",".join(map(str, SEEDS)))
    args = parser.parse_args()
    apply_threads(args.threads)
    if args.data == "tweets":
        texts_train, texts_test, y_train, y_test = load_split()
    else:
        texts_train, texts_test, y_train, y_test = load_demo_split()
    sizes = [int(size) for size in args.sizes.split(",")]
    seeds = [int(seed) for seed in args.seeds.split(",")]
    if args.quick:
        sizes, seeds = sizes[:2], seeds[:1]
    for size in sizes:
        texts, labels = training_subset(texts_train, y_train, size)
        for early_stopping in (True, False):
            accuracies, epochs, error = [], [], None
            start = time.perf_counter()
            for seed in seeds:
                model = make_pipeline(
                    CharTokenizer(level=args.level, max_length=MAX_LENGTH[args.level]),
                    LSTMClassifier(early_stopping=early_stopping, random_state=seed),
                )
                try:
                    model.fit(texts, labels)
                except ValueError as exc:  # no room for a held-out part
                    error = str(exc)
                    break
                accuracies.append(float(model.score(texts_test, y_test)))
                epochs.append(model[-1].n_iter_)
            emit_row({
                "benchmark": "early_stopping_by_size",
                "data": args.data,
                "level": args.level,
                "n_train": len(texts),
                "early_stopping": early_stopping,
                "accuracy_per_seed": [round(a, 4) for a in accuracies],
                "mean_accuracy": round(float(np.mean(accuracies)), 4) if accuracies else None,
                "epochs_per_seed": epochs,
                "seconds_per_fit": round(
                    (time.perf_counter() - start) / max(1, len(accuracies)), 2
                ),
                "error": error,
            })


if __name__ == "__main__":
    main()
