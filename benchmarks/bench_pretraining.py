"""Learning from unlabeled text: pretraining a language model, against training from scratch.

The held-out splits of ``bench_quality.py`` (80/20, stratified, random_state
0). The training part is cut, stratified at random_state 0 as in
``bench_early_stopping.py``, into ``--labeled`` labeled texts and the rest,
whose labels are hidden (y = -1); ``--unlabeled`` keeps only that many of
them (a random subset) where the whole rest would take too long. Each seed of
``--seeds`` fits, in one process:

* ``scratch``: ``CharTokenizer + LSTMClassifier()`` on the labeled texts;
* ``pretrained``: the same with ``pretraining_epochs`` (and ``fine_tuning``),
  on the labeled and unlabeled texts; ``pretrained_all``, the same starting
  from every layer of the language model (``pretrained_layers='all'``) with
  ULMFiT's gradual unfreezing;
* ``glove``: ``make_lstm_pipeline(embeddings='glove-6b-50d')`` on the labeled
  texts, and ``glove_pretrained``, the same with pretraining (word level);
* ``tfidf``: TF-IDF (word 1-2-grams) + LogisticRegression on the labeled texts
  (deterministic: once).

Each fit prints one JSON line (test accuracy, seconds, and for the pretrained
fits the seconds of each phase); the last line has the means over the seeds
and ``cost_ratio``, a pretrained fit's seconds over a from-scratch fit's at the
same settings. For example::

    python benchmarks/bench_pretraining.py --data demo --labeled 400 --pretraining-epochs 5
    python benchmarks/bench_pretraining.py --data tweets --labeled 2000 --unlabeled 10000 \
        --pretraining-epochs 2 --methods scratch,pretrained,glove,glove_pretrained,tfidf
    python benchmarks/bench_pretraining.py --data demo --pretraining-epochs 5 \
        --methods scratch,pretrained --pretrained-layers all --fine-tuning ulmfit
    python benchmarks/bench_pretraining.py --data demo --level char --pretraining-epochs 8 \
        --params '{"pooling": "mean"}' --methods scratch,pretrained,pretrained_all \
        --fine-tuning plain

``--params`` (JSON) sets further ``LSTMClassifier`` parameters on every
LSTM fit, from scratch and pretrained alike, so that each comparison is at
the same settings. Two study knobs reach inside the language-model phase,
where no public parameter does: ``--lm-batch-size`` (its batches; the
classifier's ``batch_size`` otherwise) and ``--lm-predicted-tokens`` (the
size of its output layer, ``_pretraining.MAX_PREDICTED_TOKENS``).
"""

import json
import time
import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline

import sklstm._pretraining as pretraining_module
from _common import (
    RANDOM_STATE,
    apply_threads,
    emit_row,
    load_demo_split,
    load_split,
    make_parser,
    rounded,
)
from sklstm import CharTokenizer, LSTMClassifier, make_lstm_pipeline

MAX_LENGTH = {"char": 140, "word": 40}
GLOVE = "glove-6b-50d"


def labeled_and_unlabeled(texts, labels, n_labeled, n_unlabeled):
    """The stratified labeled subset (as ``training_subset``) and a random part of the rest."""
    index = np.arange(len(texts))
    labeled, rest = train_test_split(
        index, train_size=n_labeled, stratify=labels, random_state=RANDOM_STATE
    )
    if n_unlabeled is not None and n_unlabeled < len(rest):
        rest = np.random.default_rng(RANDOM_STATE).permutation(rest)[:n_unlabeled]
    texts = np.asarray(texts, dtype=object)
    return list(texts[labeled]), np.asarray(labels)[labeled], list(texts[rest])


def with_unlabeled(texts, labels, unlabeled):
    """Texts and labels of a semi-supervised fit: unlabeled rows get y = -1."""
    y = np.concatenate([np.asarray(labels, dtype=object), np.full(len(unlabeled), -1, object)])
    return [*texts, *unlabeled], y


def set_language_model_knobs(batch_size, predicted_tokens):
    """The study knobs (see the docstring): patch the language-model phase."""
    if predicted_tokens is not None:
        pretraining_module.MAX_PREDICTED_TOKENS = predicted_tokens
    if batch_size is not None:
        build = pretraining_module.build_language_model

        def build_with_batch_size(*args, **kwargs):
            return build(*args, **kwargs).set_params(batch_size=batch_size)

        pretraining_module.build_language_model = build_with_batch_size


def add_split_and_model_arguments(parser, data, labeled):
    """The options this script shares with ``bench_pretraining_probe.py``."""
    parser.add_argument("--data", choices=["demo", "tweets"], default=data)
    parser.add_argument("--level", choices=["char", "word"], default="word")
    parser.add_argument("--labeled", type=int, default=labeled)
    parser.add_argument("--unlabeled", type=int, default=None)
    parser.add_argument("--params", type=json.loads, default={})
    parser.add_argument("--lm-batch-size", type=int, default=None)
    parser.add_argument("--lm-predicted-tokens", type=int, default=None)


def split_and_model_settings(args, texts, unlabeled, texts_test):
    """The ``settings`` of a JSON line that ``add_split_and_model_arguments`` set."""
    return {
        "data": args.data,
        "level": args.level,
        "n_labeled": len(texts),
        "n_unlabeled": len(unlabeled),
        "n_test": len(texts_test),
        "params": args.params,
        "lm_batch_size": args.lm_batch_size,
        "lm_predicted_tokens": pretraining_module.MAX_PREDICTED_TOKENS,
    }


def main():
    parser = make_parser(__doc__.splitlines()[0])
    add_split_and_model_arguments(parser, data="demo", labeled=400)
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--pretraining-epochs", type=int, default=None)
    parser.add_argument("--fine-tuning", default=None)
    parser.add_argument("--pretrained-layers", default=None)
    parser.add_argument("--learning-rate", type=float, default=None)
    parser.add_argument(
        "--methods", default="scratch,pretrained,pretrained_all,glove,glove_pretrained,tfidf"
    )
    args = parser.parse_args()
    apply_threads(args.threads)
    set_language_model_knobs(args.lm_batch_size, args.lm_predicted_tokens)
    warnings.simplefilter("ignore", ConvergenceWarning)
    split = load_split() if args.data == "tweets" else load_demo_split()
    texts_train, texts_test, y_train, y_test = split
    texts, labels, unlabeled = labeled_and_unlabeled(
        texts_train, y_train, args.labeled, args.unlabeled
    )
    if args.quick:
        unlabeled = unlabeled[:200]
    pretraining = {}
    if args.pretraining_epochs is not None:
        pretraining["pretraining_epochs"] = args.pretraining_epochs
    if args.fine_tuning is not None:
        pretraining["fine_tuning"] = args.fine_tuning
    if args.pretrained_layers is not None:
        pretraining["pretrained_layers"] = args.pretrained_layers
    if args.learning_rate is not None:
        pretraining["learning_rate"] = args.learning_rate
    pretraining.setdefault("pretraining_epochs", LSTMClassifier().pretraining_epochs or 5)
    methods = args.methods.split(",")
    settings = {
        **split_and_model_settings(args, texts, unlabeled, texts_test),
        "pretraining": pretraining,
        "threads": args.threads,
    }
    max_length = MAX_LENGTH[args.level]

    def make(method, seed):
        if method == "tfidf":
            return make_pipeline(
                TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True),
                LogisticRegression(max_iter=1000),
            )
        extra = {**args.params, **(pretraining if "pretrained" in method else {})}
        if method == "pretrained_all":
            # Gradual unfreezing unless --fine-tuning names another schedule.
            extra = {"fine_tuning": "gradual", **extra, "pretrained_layers": "all"}
        if method.startswith("glove"):
            return make_lstm_pipeline(
                LSTMClassifier(random_state=seed, **extra),
                level="word", max_length=max_length, embeddings=GLOVE,
            )
        return make_pipeline(
            CharTokenizer(level=args.level, max_length=max_length),
            LSTMClassifier(random_state=seed, verbose=1 if "pretrained" in method else 0, **extra),
        )

    # One small untimed fit first: the first fit of a process pays for
    # imports and first calls, which would count against whichever runs first.
    make("scratch", 0).set_params(lstmclassifier__max_epochs=1).fit(texts[:100], labels[:100])
    results = {method: [] for method in methods}
    seconds = {method: [] for method in methods}
    for seed in [int(seed) for seed in args.seeds.split(",")]:
        for method in methods:
            if method == "tfidf" and results[method]:
                continue
            if method.startswith("glove") and args.level != "word":
                continue
            model = make(method, seed)
            fit_texts, fit_y = texts, labels
            if "pretrained" in method:
                fit_texts, fit_y = with_unlabeled(texts, labels, unlabeled)
            start = time.perf_counter()
            model.fit(fit_texts, fit_y)
            elapsed = time.perf_counter() - start
            accuracy = float(np.mean(model.predict(texts_test) == y_test))
            results[method].append(accuracy)
            seconds[method].append(elapsed)
            record = {
                "benchmark": "pretraining",
                "method": method,
                "seed": seed,
                "accuracy": round(accuracy, 4),
                "fit_seconds": rounded(elapsed),
                "settings": settings,
            }
            estimator = model[-1]
            if hasattr(estimator, "pretraining_history_"):
                record["phase_seconds"] = {
                    "pretraining": rounded(sum(r["dur"] for r in estimator.pretraining_history_)),
                    "fine_tuning": rounded(sum(r["dur"] for r in estimator.history_)),
                }
                record["epochs"] = {
                    "pretraining": len(estimator.pretraining_history_),
                    "fine_tuning": estimator.n_iter_,
                }
            emit_row(record)
    summary = {
        "benchmark": "pretraining",
        "method": "summary",
        "mean_accuracy": {m: round(float(np.mean(v)), 4) for m, v in results.items() if v},
        "accuracies": {m: [round(a, 4) for a in v] for m, v in results.items() if v},
        "mean_fit_seconds": {m: rounded(float(np.mean(v))) for m, v in seconds.items() if v},
        "settings": settings,
    }
    comparisons = (
        ("pretrained", "scratch"), ("pretrained_all", "scratch"), ("glove_pretrained", "glove")
    )
    for pretrained, reference in comparisons:
        if results.get(pretrained) and results.get(reference):
            summary[f"{pretrained}_points_over_{reference}"] = round(
                100 * (np.mean(results[pretrained]) - np.mean(results[reference])), 2
            )
            summary[f"{pretrained}_cost_ratio"] = round(
                float(np.mean(seconds[pretrained]) / np.mean(seconds[reference])), 3
            )
    emit_row(summary)


if __name__ == "__main__":
    main()
