"""Prediction latency and throughput of an sklstm pipeline against TF-IDF + logistic regression.

Both pipelines take raw texts: ``CharTokenizer(max_length=140) +
LSTMClassifier`` (one epoch on the tweets' training split: the architecture,
not the training, sets the cost of a prediction) and ``TfidfVectorizer +
LogisticRegression``. Figures (sklstm divided by the reference):

* ``single_text_latency_vs_tfidf_logreg``: median wall time of
  ``predict_proba([text])`` on one raw text, over ``--calls`` calls (200)
  after a warm-up, each call on the next test text, the two pipelines called
  in turn (below 1: sklstm answers faster);
* ``throughput_vs_tfidf_logreg``: texts per second of ``predict_proba`` on the
  whole test split at once, best of 3 interleaved runs (above 1: sklstm is
  faster).

The absolute latencies (ms) and throughputs are reported too, and the
median latency of each stage of sklstm's: the tokenizer, the classifier, and
within it the bare LSTM forward pass (the floor).
"""

import statistics
import time

import numpy as np
import torch
from sklearn.dummy import DummyClassifier
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer

from _common import LIKE_HANDWRITTEN, apply_threads, emit, load_split, make_parser, rounded
from sklstm import CharTokenizer, LSTMClassifier
from sklstm._module import INFERENCE_WIDTH_MULTIPLE, compact_token_ids

WARM_UP_CALLS = 20


def stage_latencies(pipeline, texts):
    """Median ms of each stage of the sklstm pipeline's one-text predict_proba.

    The tokenizer alone, the classifier alone (on the tokenizer's ids), the
    bare ``nn.LSTM`` forward on the text's embedded steps (the width rounded
    as at inference): the floor under which no Python around it can go; and a
    scikit-learn pipeline that does nothing (``FunctionTransformer`` +
    ``DummyClassifier``), what the pipeline and validation around any model
    cost.
    """
    tokenizer, classifier = pipeline[0], pipeline[-1]
    module = classifier.net_.module_
    # What any two-step scikit-learn pipeline costs, doing nothing: its
    # fitted-checks, routing and the final step's input validation.
    empty = make_pipeline(FunctionTransformer(), DummyClassifier()).fit([[0], [1]], [0, 1])
    stages = {
        "tokenizer": [],
        "classifier": [],
        "lstm_forward_only": [],
        "empty_sklearn_pipeline": [],
    }
    for text in texts:
        start = time.perf_counter()
        empty.predict_proba([[0]])
        stages["empty_sklearn_pipeline"].append(time.perf_counter() - start)
        start = time.perf_counter()
        ids = tokenizer.transform([text])
        stages["tokenizer"].append(time.perf_counter() - start)
        start = time.perf_counter()
        classifier.predict_proba(ids)
        stages["classifier"].append(time.perf_counter() - start)
        with torch.inference_mode():
            compacted, _ = compact_token_ids(torch.as_tensor(ids), INFERENCE_WIDTH_MULTIPLE)
            steps = module.embedding(compacted)
            start = time.perf_counter()
            module.forward_layers[0](steps)
            stages["lstm_forward_only"].append(time.perf_counter() - start)
    return {name: rounded(1e3 * statistics.median(values)) for name, values in stages.items()}


def main():
    parser = make_parser(__doc__.splitlines()[0])
    parser.add_argument(
        "--calls", type=int, default=200, help="timed single-text calls (default 200)"
    )
    parser.add_argument(
        "--repeats", type=int, default=3, help="timed whole-test-set runs (best kept)"
    )
    args = parser.parse_args()
    apply_threads(args.threads)
    calls = 50 if args.quick else args.calls
    texts_train, texts_test, y_train, y_test = load_split(n_samples=1500 if args.quick else None)

    models = {
        "sklstm": make_pipeline(
            CharTokenizer(max_length=140),
            LSTMClassifier(
                max_epochs=1, n_threads=args.threads, random_state=0, **LIKE_HANDWRITTEN
            ),
        ),
        "tfidf_logreg": make_pipeline(TfidfVectorizer(), LogisticRegression(max_iter=1000)),
    }
    fit_seconds = {}
    for name, model in models.items():
        start = time.perf_counter()
        model.fit(texts_train, y_train)
        fit_seconds[name] = time.perf_counter() - start

    latencies = {name: [] for name in models}
    for call in range(WARM_UP_CALLS + calls):
        text = [texts_test[call % len(texts_test)]]
        for name, model in models.items():
            start = time.perf_counter()
            model.predict_proba(text)
            if call >= WARM_UP_CALLS:
                latencies[name].append(time.perf_counter() - start)
    median_ms = {name: 1e3 * statistics.median(values) for name, values in latencies.items()}
    stage_ms = stage_latencies(models["sklstm"], texts_test[:calls])

    best_seconds = {name: float("inf") for name in models}
    for _ in range(args.repeats):
        for name, model in models.items():
            start = time.perf_counter()
            model.predict_proba(texts_test)
            best_seconds[name] = min(best_seconds[name], time.perf_counter() - start)
    texts_per_second = {name: len(texts_test) / value for name, value in best_seconds.items()}

    emit(
        "predict",
        quick=args.quick,
        ratios={
            "single_text_latency_vs_tfidf_logreg": median_ms["sklstm"] / median_ms["tfidf_logreg"],
            "throughput_vs_tfidf_logreg": texts_per_second["sklstm"]
            / texts_per_second["tfidf_logreg"],
        },
        lower_is_better=["single_text_latency_vs_tfidf_logreg"],
        absolute={
            "single_text_median_ms": {name: rounded(value) for name, value in median_ms.items()},
            "single_text_median_ms_by_stage": stage_ms,
            "single_text_p90_ms": {
                name: rounded(1e3 * float(np.percentile(values, 90)))
                for name, values in latencies.items()
            },
            "texts_per_second": {name: rounded(value) for name, value in texts_per_second.items()},
            "fit_seconds": {name: rounded(value) for name, value in fit_seconds.items()},
            "test_accuracy": {
                name: round(float(model.score(texts_test, y_test)), 4)
                for name, model in models.items()
            },
        },
        settings={
            "n_train": len(texts_train),
            "n_test": len(texts_test),
            "calls": calls,
            "warm_up_calls": WARM_UP_CALLS,
            "repeats": args.repeats,
            "lstm_epochs": 1,
            "threads": args.threads,
        },
    )


if __name__ == "__main__":
    main()
