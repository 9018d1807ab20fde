"""What pretrained word vectors cost: fit per epoch, predict, and the saved model's size.

The same word-level pipeline (``make_lstm_pipeline``, ``max_length=40``,
``early_stopping=False`` so that every epoch trains on all the data) on the
tweets' training split, with ``embeddings='glove-6b-50d'`` and without,
fitted in turn in one process. Figures (with vectors divided by without):

* ``fit_seconds_per_epoch``: mean wall time per epoch, best of ``--repeats``
  (3) interleaved fits of ``--epochs`` (2) epochs each, after a one-epoch
  warm-up fit of each that also loads the vectors (target <= 1.5);
* ``predict_seconds``: ``predict_proba`` on the test split, best of 5
  interleaved runs (target about 1);

and, absolute, the joblib file size of each fitted pipeline (the demo's
model must stay under 10 MB) and the cold load time of the vectors.
"""

import os
import tempfile
import time

import joblib

from _common import apply_threads, emit, load_split, make_parser, rounded
from sklstm import LSTMClassifier, make_lstm_pipeline
from sklstm._embeddings import load_vectors

VECTORS = "glove-6b-50d"
PREDICT_RUNS = 5


def pipeline(embeddings, epochs):
    return make_lstm_pipeline(
        LSTMClassifier(max_epochs=epochs, early_stopping=False, random_state=0),
        embeddings=embeddings,
        max_length=40,
    )


def main():
    parser = make_parser(__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    apply_threads(args.threads)
    texts_train, texts_test, y_train, _ = load_split(3000 if args.quick else None)

    start = time.perf_counter()
    load_vectors(VECTORS)
    load_seconds = time.perf_counter() - start
    for embeddings in (None, VECTORS):  # warm-up: kernels, caches
        pipeline(embeddings, 1).fit(texts_train[:2000], y_train[:2000])

    per_epoch = {None: [], VECTORS: []}
    fitted = {}
    for _ in range(args.repeats):
        for embeddings in (None, VECTORS):
            model = pipeline(embeddings, args.epochs).fit(texts_train, y_train)
            per_epoch[embeddings].append(
                sum(epoch["dur"] for epoch in model[-1].history_) / args.epochs
            )
            fitted[embeddings] = model
    predict = {None: [], VECTORS: []}
    for _ in range(PREDICT_RUNS):
        for embeddings, model in fitted.items():
            start = time.perf_counter()
            model.predict_proba(texts_test)
            predict[embeddings].append(time.perf_counter() - start)
    sizes = {}
    with tempfile.TemporaryDirectory() as folder:
        for embeddings, model in fitted.items():
            path = os.path.join(folder, "model.joblib")
            joblib.dump(model, path)
            sizes[embeddings] = os.path.getsize(path)

    epoch = {key: min(values) for key, values in per_epoch.items()}
    predict = {key: min(values) for key, values in predict.items()}
    emit(
        "vectors",
        quick=args.quick,
        ratios={
            "fit_seconds_per_epoch": epoch[VECTORS] / epoch[None],
            "predict_seconds": predict[VECTORS] / predict[None],
        },
        lower_is_better=["fit_seconds_per_epoch", "predict_seconds"],
        absolute={
            "seconds_per_epoch_with_vectors": rounded(epoch[VECTORS]),
            "seconds_per_epoch_without": rounded(epoch[None]),
            "predict_seconds_with_vectors": rounded(predict[VECTORS]),
            "predict_seconds_without": rounded(predict[None]),
            "saved_mb_with_vectors": rounded(sizes[VECTORS] / 1e6),
            "saved_mb_without": rounded(sizes[None] / 1e6),
            "vectors_cold_load_seconds": rounded(load_seconds),
            "trained_embedding_rows_with_vectors": int(
                fitted[VECTORS][-1].net_.module_.embedding.weight.shape[0]
            ),
        },
        settings={
            "vectors": VECTORS,
            "n_train": len(texts_train),
            "n_test": len(texts_test),
            "epochs": args.epochs,
            "repeats": args.repeats,
        },
    )


if __name__ == "__main__":
    main()
