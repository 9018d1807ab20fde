"""Cost of continuing training: partial_fit over chunks and a warm-start fit, against plain fits.

On tweets at character level (``CharTokenizer(max_length=140)``, ids made
once, outside the timings), an ``LSTMClassifier`` with its defaults but
``early_stopping=False``:

* ``partial_fit_10_chunks_vs_fit_epoch``: one pass of ``partial_fit`` over the
  training ids in 10 chunks (from a new estimator: the first call builds the
  model), divided by one ``fit`` epoch (``max_epochs=1``) over the same rows;
* ``warm_start_vs_fresh_fit``: a ``warm_start=True`` fit of ``--epochs``
  epochs of a fitted model (always the same one, loaded anew from a pickle),
  divided by a fresh fit of as many epochs;
* ``fit_then_warm_start_vs_one_fit``: a fit of ``--epochs`` epochs followed by
  a warm-start fit of as many, divided by one fit of twice as many: what
  stopping and continuing costs, the later epochs on both sides (a trained
  model's epochs can cost a little more than a new one's, denormal floats
  among its activations being slower on CPUs).

Beside them, ``absolute`` gives the fixed cost of one ``partial_fit`` call
(the best mean of 20 calls on a single text, in milliseconds): building the
net and copying the fitted weights and Adam's moments into it.

Each time is the best of ``--repeats`` runs, the two sides alternating, so
that a change of load on a shared machine hits both. Lower is better; 1 means
no cost. Example::

    python benchmarks/bench_training.py --samples 5000
"""

import pickle
import time

import numpy as np
from sklearn.base import clone

from _common import apply_threads, check_data, emit, load_split, make_parser, rounded
from sklstm import CharTokenizer, LSTMClassifier

N_CHUNKS = 10


def best_time(function, repeats):
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return min(times)


def main():
    parser = make_parser(__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=5000, help="training tweets")
    parser.add_argument("--epochs", type=int, default=2, help="epochs of each warm/fresh fit")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    apply_threads(args.threads)
    check_data()
    n_samples = 600 if args.quick else args.samples
    texts, _, y, _ = load_split(n_samples=int(n_samples / 0.8) + 1)
    texts, y = texts[:n_samples], np.asarray(y)[:n_samples]
    ids = CharTokenizer(max_length=140).fit_transform(texts)
    classes = np.unique(y)
    params = dict(early_stopping=False, n_threads=args.threads, random_state=0)

    def one_epoch():
        LSTMClassifier(max_epochs=1, **params).fit(ids, y)

    def ten_chunks():
        model = LSTMClassifier(**params)
        for chunk in np.array_split(np.arange(len(ids)), N_CHUNKS):
            model.partial_fit(ids[chunk], y[chunk], classes=classes)

    fitted = LSTMClassifier(max_epochs=args.epochs, warm_start=True, **params).fit(ids, y)
    # warm_start=True: the pickle keeps Adam's moments, so each copy continues alike.
    saved = pickle.dumps(fitted)

    def fresh():
        clone(fitted).set_params(warm_start=False).fit(ids, y)

    def fit_twice_as_long():
        clone(fitted).set_params(warm_start=False, max_epochs=2 * args.epochs).fit(ids, y)

    times = {name: [] for name in (
        "fit_epoch", "partial_fit_10_chunks", "warm_start", "fresh", "fit_then_warm_start",
        "one_fit",
    )}
    for _ in range(1 if args.quick else args.repeats):
        times["fit_epoch"].append(best_time(one_epoch, 1))
        times["partial_fit_10_chunks"].append(best_time(ten_chunks, 1))
        times["fresh"].append(best_time(fresh, 1))
        model = pickle.loads(saved)
        times["warm_start"].append(best_time(lambda: model.fit(ids, y), 1))
        times["fit_then_warm_start"].append(times["fresh"][-1] + times["warm_start"][-1])
        times["one_fit"].append(best_time(fit_twice_as_long, 1))
    best = {name: min(values) for name, values in times.items()}
    single = LSTMClassifier(**params).partial_fit(ids[:1], y[:1], classes=classes)
    call_ms = 1000 * best_time(
        lambda: [single.partial_fit(ids[:1], y[:1]) for _ in range(20)], args.repeats
    ) / 20
    emit(
        "training_control",
        quick=args.quick,
        ratios={
            "partial_fit_10_chunks_vs_fit_epoch": best["partial_fit_10_chunks"] / best["fit_epoch"],
            "warm_start_vs_fresh_fit": best["warm_start"] / best["fresh"],
            "fit_then_warm_start_vs_one_fit": best["fit_then_warm_start"] / best["one_fit"],
        },
        lower_is_better=[
            "partial_fit_10_chunks_vs_fit_epoch",
            "warm_start_vs_fresh_fit",
            "fit_then_warm_start_vs_one_fit",
        ],
        absolute={
            "best_seconds": {name: rounded(value) for name, value in best.items()},
            "partial_fit_call_ms": rounded(call_ms),
        },
        settings={
            "samples": len(ids),
            "chunks": N_CHUNKS,
            "epochs": args.epochs,
            "repeats": args.repeats,
            "threads": args.threads,
            "max_length": 140,
        },
    )


if __name__ == "__main__":
    main()
