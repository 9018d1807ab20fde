"""What a default pipeline costs: seconds per epoch, one-text latency, file size.

The rules of thumb of the user guide ("What it costs"): the default pipelines
(``CharTokenizer(level, max_length) + LSTMClassifier()``, ``max_length`` 140
for characters and 40 for words, as in ``bench_quality.py``), trained on
10,000 training tweets for ``--epochs`` epochs (3) without early stopping, so
that every epoch reads the same 10,000 texts. Reported per level: the
seconds of each epoch (``history_``'s ``dur``), the median latency of
``predict_proba([text])`` on one raw text (200 calls after 20 of warm-up), and
the size of the pipeline and of the classifier alone saved with joblib.
TF-IDF (word 1-2-grams) + logistic regression, trained on the same texts, is
the reference: the ratios are the LSTM's latency and file size divided by its.

    python benchmarks/bench_costs.py
"""

import io
import statistics
import time

import joblib
import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline

from _common import apply_threads, emit, load_split, make_parser, rounded
from sklstm import CharTokenizer, LSTMClassifier

MAX_LENGTH = {"char": 140, "word": 40}
N_TRAIN = 10_000
WARM_UP_CALLS, CALLS = 20, 200


def joblib_kilobytes(obj):
    buffer = io.BytesIO()
    joblib.dump(obj, buffer)
    return rounded(len(buffer.getvalue()) / 1000)


def single_text_ms(model, texts):
    for text in texts[:WARM_UP_CALLS]:
        model.predict_proba([text])
    seconds = []
    for text in texts[WARM_UP_CALLS : WARM_UP_CALLS + CALLS]:
        start = time.perf_counter()
        model.predict_proba([text])
        seconds.append(time.perf_counter() - start)
    return {
        "median": rounded(1000 * statistics.median(seconds)),
        "p90": rounded(1000 * float(np.percentile(seconds, 90))),
    }


def main():
    parser = make_parser(__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=3, help="epochs of each fit (default 3)")
    args = parser.parse_args()
    apply_threads(args.threads)
    n_train = 1000 if args.quick else N_TRAIN
    epochs = 1 if args.quick else args.epochs
    texts_train, texts_test, y_train, _ = load_split()
    texts_train, y_train = texts_train[:n_train], y_train[:n_train]

    reference = make_pipeline(
        TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True), LogisticRegression(max_iter=1000)
    ).fit(texts_train, y_train)
    tfidf = {
        "single_text_ms": single_text_ms(reference, texts_test),
        "joblib_kb": joblib_kilobytes(reference),
    }

    absolute, ratios = {"tfidf_logreg": tfidf}, {}
    for level, max_length in MAX_LENGTH.items():
        model = make_pipeline(
            CharTokenizer(level=level, max_length=max_length),
            LSTMClassifier(
                early_stopping=False, max_epochs=epochs, n_threads=args.threads, random_state=0
            ),
        ).fit(texts_train, y_train)
        epoch_seconds = [epoch["dur"] for epoch in model[-1].history_]
        latency = single_text_ms(model, texts_test)
        sizes = {
            "pipeline": joblib_kilobytes(model),
            "classifier": joblib_kilobytes(model[-1]),
        }
        absolute[level] = {
            "epoch_seconds": [rounded(value) for value in epoch_seconds],
            "seconds_per_epoch_per_10000_texts": rounded(
                statistics.median(epoch_seconds) * 10_000 / n_train
            ),
            "single_text_ms": latency,
            "joblib_kb": sizes,
            "vocabulary_size": len(model[0].vocabulary_),
        }
        ratios[f"single_text_latency_{level}_vs_tfidf_logreg"] = (
            latency["median"] / tfidf["single_text_ms"]["median"]
        )
        ratios[f"joblib_size_{level}_vs_tfidf_logreg"] = sizes["pipeline"] / tfidf["joblib_kb"]
    emit(
        "costs",
        quick=args.quick,
        ratios=ratios,
        lower_is_better=list(ratios),
        absolute=absolute,
        settings={
            "n_train": n_train,
            "epochs": epochs,
            "max_length": MAX_LENGTH,
            "lstm": "LSTMClassifier() defaults but early_stopping=False, max_epochs",
            "calls": CALLS,
            "warm_up_calls": WARM_UP_CALLS,
            "threads": args.threads,
        },
    )


if __name__ == "__main__":
    main()
