"""Fused Adam against PyTorch's default Adam: fit seconds, small and large vocabulary.

Adam updates every row of the embedding at every step, whether or not the
batch read its word, so a fit's cost grows with the vocabulary: a tokenizer
fitted on unlabeled texts too (``pretraining_epochs``), or on a large corpus,
numbers far more words than the labeled rows use. sklstm fuses Adam
(``fused=True``, one pass over each parameter per step, on CPU and CUDA) in
the fits that pretrain, both phases; plain fits keep PyTorch's default
kernels. This script times the same plain fit with the fused and the default
kernels (``build_net``'s ``fused_optimizer`` forced), in the same process,
alternating the two, best of ``--repeats``:

    python benchmarks/bench_optimizer.py --labeled 2000 --repeats 3

The tweets' training part, ``--labeled`` of them labeled (as
``bench_pretraining.py`` cuts it); the small vocabulary is a CharTokenizer
fitted on the labeled tweets, the large one fitted on every training tweet,
as a fit with ``pretraining_epochs`` numbers them. The classifier's
defaults, word level; test accuracy is reported beside, as a check that
both kernels train alike (the fused one rounds differently in the last bit,
so the two runs drift apart, within the spread of seeds).
"""

import time
import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning

import sklstm._base as base_module
from _common import apply_threads, emit_row, load_split, make_parser, rounded
from bench_pretraining import MAX_LENGTH, labeled_and_unlabeled
from sklstm import CharTokenizer, LSTMClassifier


def timed_fit(X, y, fused, seed):
    """(seconds, fitted classifier) of one fit with fused or default Adam."""
    build = base_module.build_net

    def build_with_kernel(*args, **kwargs):
        return build(*args, **{**kwargs, "fused_optimizer": fused})

    base_module.build_net = build_with_kernel
    try:
        start = time.perf_counter()
        classifier = LSTMClassifier(random_state=seed).fit(X, y)
        assert bool(classifier.net_.optimizer_.defaults.get("fused")) == fused
        return time.perf_counter() - start, classifier
    finally:
        base_module.build_net = build


def main():
    parser = make_parser(__doc__.splitlines()[0])
    parser.add_argument("--labeled", type=int, default=2000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    apply_threads(args.threads)
    warnings.simplefilter("ignore", ConvergenceWarning)
    texts_train, texts_test, y_train, y_test = load_split()
    texts, labels, unlabeled = labeled_and_unlabeled(texts_train, y_train, args.labeled, None)
    if args.quick:
        texts, labels, unlabeled, args.repeats = texts[:300], labels[:300], unlabeled[:3000], 1
    vocabularies = {"labeled": texts, "every training text": [*texts, *unlabeled]}
    # An untimed fit first: a process's first fit pays for imports and first calls.
    timed_fit(CharTokenizer(level="word").fit_transform(texts[:100]), labels[:100], True, 0)
    for name, corpus in vocabularies.items():
        tokenizer = CharTokenizer(level="word", max_length=MAX_LENGTH["word"]).fit(corpus)
        X, X_test = tokenizer.transform(texts), tokenizer.transform(texts_test)
        seconds = {True: [], False: []}
        accuracy = {}
        for _ in range(args.repeats):
            for fused in (False, True):
                elapsed, classifier = timed_fit(X, labels, fused, seed=0)
                seconds[fused].append(elapsed)
                accuracy[fused] = float(np.mean(classifier.predict(X_test) == y_test))
        ratio = min(seconds[True]) / min(seconds[False])
        emit_row({
            "benchmark": "optimizer",
            "vocabulary": name,
            "n_ids": int(tokenizer.transform(corpus).max()) + 1,
            "ratios": {"fit_seconds_fused_vs_default": round(ratio, 3)},
            "lower_is_better": ["fit_seconds_fused_vs_default"],
            "absolute": {
                "fit_seconds_default": rounded(min(seconds[False])),
                "fit_seconds_fused": rounded(min(seconds[True])),
                "test_accuracy_default": round(accuracy[False], 4),
                "test_accuracy_fused": round(accuracy[True], 4),
            },
            "settings": {"n_labeled": len(texts), "repeats": args.repeats, "threads": args.threads},
        })


if __name__ == "__main__":
    main()
