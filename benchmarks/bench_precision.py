"""bfloat16 against float32: fit and predict speed, and test accuracy, in one run.

The same ``LSTMClassifier`` with ``precision='bfloat16'`` (mixed precision,
see the user guide, "Precision") against ``precision='float32'``. Figures
(bfloat16 divided by float32, measured in this process):

* ``fit_seconds_per_epoch_bf16_vs_fp32``: character level on the tweets'
  training split (``CharTokenizer(max_length=140)``), the classifier's
  defaults but ``max_epochs=--epochs`` (2) and no early stopping, so that
  every epoch trains on the same data (``--batch-size`` to change its 32);
  the two precisions fit in turn,
  ``--repeats`` rounds (2), the fastest round of each kept (below 1:
  bfloat16 is faster); ``absolute`` also has the median over the rounds of
  each round's ratio;
* ``predict_throughput_bf16_vs_fp32``: texts per second of ``predict_proba``
  on 1,000 test tweets' token ids, best of ``--repeats`` + 1 interleaved runs
  (above 1: bfloat16 is faster); ``pipeline_throughput_bf16_vs_fp32`` the same
  from raw texts, tokenizer included;
* ``single_text_latency_bf16_vs_fp32``: median wall time of a one-text
  ``predict_proba`` on token ids over ``--calls`` calls (200), the two
  precisions called in turn (below 1: bfloat16 answers faster).

Both predictions use the weights of one float32 fit (one epoch): only the
arithmetic differs (``set_params(precision=...)`` after fit), and the largest
difference of their probabilities is reported too. The fit and throughput
ratios are also given in CPU time (``cpu_`` prefix, ``time.process_time``):
with one thread it counts the work done, the steadier figure on a machine
shared with other work.

Accuracy (``--part quality``, or ``all``): the default pipelines of
``bench_quality.py`` (``CharTokenizer(level, max_length) +
LSTMClassifier(random_state=seed)``), on the same splits (tweets and the demo
sentences, 80/20 stratified, random_state=0), at word and character level,
for ``random_state`` 0, 1 and 2 (``--seeds``), in each precision; the ratios
are the mean test accuracies (bfloat16 divided by float32), and ``absolute``
has each accuracy, the difference of the means in points and the epochs run.
``--data demo`` (or ``tweets``) scores one data set only.
"""

import statistics
import time

import numpy as np
from sklearn.pipeline import make_pipeline

from _common import (
    apply_threads,
    emit,
    load_demo_split,
    load_split,
    make_parser,
    rounded,
)
from sklstm import CharTokenizer, LSTMClassifier
from sklstm._precision import cpu_supports_bfloat16

MAX_LENGTH = {"char": 140, "word": 40}
PRECISIONS = ("float32", "bfloat16")
N_PREDICT = 1000
WARM_UP_CALLS = 20


def measure_fit(texts_train, y_train, epochs, repeats, threads, batch_size):
    """Seconds per epoch of each precision (best round) at character level."""
    tokenizer = CharTokenizer(max_length=MAX_LENGTH["char"]).fit(texts_train)
    ids = tokenizer.transform(texts_train)
    settings = dict(max_epochs=epochs, early_stopping=False, n_threads=threads, random_state=0)
    if batch_size is not None:
        settings["batch_size"] = batch_size
    # Warm-up: oneDNN builds its kernels (for each width) on first use.
    for precision in PRECISIONS:
        LSTMClassifier(**{**settings, "max_epochs": 1}, precision=precision).fit(
            ids[:512], y_train[:512]
        )
    rounds = {(clock, precision): [] for clock in ("wall", "cpu") for precision in PRECISIONS}
    for _ in range(repeats):
        for precision in PRECISIONS:
            model = LSTMClassifier(**settings, precision=precision)
            start, cpu_start = time.perf_counter(), time.process_time()
            model.fit(ids, y_train)
            rounds["wall", precision].append((time.perf_counter() - start) / epochs)
            rounds["cpu", precision].append((time.process_time() - cpu_start) / epochs)
    return {key: min(seconds) for key, seconds in rounds.items()}, rounds


def measure_predict(texts_train, texts_test, y_train, calls, repeats, threads):
    """Throughput and one-text latency of each precision, on the same float32 weights."""
    pipeline = make_pipeline(
        CharTokenizer(max_length=MAX_LENGTH["char"]),
        LSTMClassifier(max_epochs=1, early_stopping=False, n_threads=threads, random_state=0),
    ).fit(texts_train, y_train)
    tokenizer, model = pipeline[0], pipeline[-1]
    texts = texts_test[:N_PREDICT]
    ids = tokenizer.transform(texts)
    probabilities = {}
    for precision in PRECISIONS:  # also the warm-up
        model.set_params(precision=precision)
        probabilities[precision] = model.predict_proba(ids)

    best = {
        (clock, kind, precision): np.inf
        for clock in ("wall", "cpu")
        for kind in ("ids", "pipeline")
        for precision in PRECISIONS
    }
    for _ in range(repeats):
        for precision in PRECISIONS:
            model.set_params(precision=precision)
            for kind, predict, X in (
                ("ids", model.predict_proba, ids),
                ("pipeline", pipeline.predict_proba, texts),
            ):
                start, cpu_start = time.perf_counter(), time.process_time()
                predict(X)
                wall, cpu = time.perf_counter() - start, time.process_time() - cpu_start
                best["wall", kind, precision] = min(best["wall", kind, precision], wall)
                best["cpu", kind, precision] = min(best["cpu", kind, precision], cpu)
    throughput = {
        ("" if clock == "wall" else "cpu_") + f"{kind}_{precision}": len(texts) / seconds
        for (clock, kind, precision), seconds in best.items()
    }

    latencies = {precision: [] for precision in PRECISIONS}
    for call in range(WARM_UP_CALLS + calls):
        one = ids[call % len(ids)][np.newaxis]
        for precision in PRECISIONS:
            model.set_params(precision=precision)
            start = time.perf_counter()
            model.predict_proba(one)
            if call >= WARM_UP_CALLS:
                latencies[precision].append(time.perf_counter() - start)
    median_ms = {
        precision: 1e3 * statistics.median(values) for precision, values in latencies.items()
    }
    difference = np.abs(probabilities["bfloat16"] - probabilities["float32"])
    agreement = np.mean(
        probabilities["bfloat16"].argmax(axis=1) == probabilities["float32"].argmax(axis=1)
    )
    return throughput, median_ms, float(difference.max()), float(agreement)


def measure_quality(splits, seeds, threads):
    """Test accuracy of each (data, level, precision, seed)."""
    accuracy, epochs = {}, {}
    for data_name, (texts_train, texts_test, y_train, y_test) in splits.items():
        for level in ("word", "char"):
            for precision in PRECISIONS:
                key = f"{data_name}_{level}_{precision}"
                accuracy[key], epochs[key] = [], []
                for seed in seeds:
                    model = make_pipeline(
                        CharTokenizer(level=level, max_length=MAX_LENGTH[level]),
                        LSTMClassifier(precision=precision, n_threads=threads, random_state=seed),
                    ).fit(texts_train, y_train)
                    accuracy[key].append(round(float(model.score(texts_test, y_test)), 4))
                    epochs[key].append(model[-1].n_iter_)
    return accuracy, epochs


def main():
    parser = make_parser(__doc__.splitlines()[0])
    parser.add_argument("--part", choices=["speed", "quality", "all"], default="all")
    parser.add_argument(
        "--epochs", type=int, default=None, help="fit epochs timed (default 2; 1 with --quick)"
    )
    parser.add_argument(
        "--repeats", type=int, default=2, help="rounds of each timing, fastest kept (default 2)"
    )
    parser.add_argument("--calls", type=int, default=200, help="timed one-text calls (default 200)")
    parser.add_argument("--batch-size", type=int, default=None,
                        help="batch_size of the timed fits (default: the classifier's, 32)")
    parser.add_argument("--data", choices=["tweets", "demo", "all"], default="all",
                        help="data sets of the accuracy part (default: all)")
    parser.add_argument("--seeds", default="0,1,2",
                        help="random_state values of the accuracy part (default 0,1,2)")
    args = parser.parse_args()
    apply_threads(args.threads)
    if not cpu_supports_bfloat16():
        raise SystemExit(
            "This CPU has no native bfloat16 (torch.cpu.get_capabilities() reports none "
            "of avx512_bf16, amx_bf16, bf16): precision='bfloat16' would compute in "
            "float32, and there is nothing to compare."
        )
    epochs = args.epochs or (1 if args.quick else 2)
    calls = 50 if args.quick else args.calls
    tweets = load_split(n_samples=3000 if args.quick else None)
    texts_train, texts_test, y_train, _ = tweets

    ratios, absolute, settings = {}, {}, {"threads": args.threads, "quick": args.quick}
    if args.part in ("speed", "all"):
        seconds, rounds = measure_fit(
            texts_train, y_train, epochs, args.repeats, args.threads, args.batch_size
        )
        throughput, median_ms, max_difference, agreement = measure_predict(
            texts_train, texts_test, y_train, calls, args.repeats + 1, args.threads
        )
        ratios.update(
            fit_seconds_per_epoch_bf16_vs_fp32=(
                seconds["wall", "bfloat16"] / seconds["wall", "float32"]
            ),
            cpu_fit_seconds_per_epoch_bf16_vs_fp32=(
                seconds["cpu", "bfloat16"] / seconds["cpu", "float32"]
            ),
            predict_throughput_bf16_vs_fp32=throughput["ids_bfloat16"] / throughput["ids_float32"],
            cpu_predict_throughput_bf16_vs_fp32=(
                throughput["cpu_ids_bfloat16"] / throughput["cpu_ids_float32"]
            ),
            pipeline_throughput_bf16_vs_fp32=(
                throughput["pipeline_bfloat16"] / throughput["pipeline_float32"]
            ),
            single_text_latency_bf16_vs_fp32=median_ms["bfloat16"] / median_ms["float32"],
        )
        absolute.update(
            fit_ratio_median_of_rounds={
                clock: rounded(float(np.median(
                    np.divide(rounds[clock, "bfloat16"], rounds[clock, "float32"])
                )))
                for clock in ("wall", "cpu")
            },
            fit_seconds_per_epoch={
                f"{clock}_{precision}": rounded(value)
                for (clock, precision), value in seconds.items()
            },
            fit_seconds_per_epoch_each_round={
                f"{clock}_{precision}": [rounded(value) for value in values]
                for (clock, precision), values in rounds.items()
            },
            texts_per_second={name: rounded(value) for name, value in throughput.items()},
            single_text_median_ms={name: rounded(value) for name, value in median_ms.items()},
            predict_proba_max_abs_difference=rounded(max_difference),
            predicted_label_agreement=round(agreement, 4),
        )
        settings.update(
            fit_epochs=epochs,
            fit_batch_size=args.batch_size or 32,
            repeats=args.repeats,
            calls=calls,
            n_predict=N_PREDICT,
            n_train=len(texts_train),
        )
    if args.part in ("quality", "all"):
        demo = load_demo_split()
        seeds = [int(seed) for seed in args.seeds.split(",")]
        seeds = seeds[:1] if args.quick else seeds
        splits = {"tweets": tweets, "demo": demo}
        if args.data != "all":
            splits = {args.data: splits[args.data]}
        accuracy, epochs_run = measure_quality(splits, seeds, args.threads)
        points = {}
        for data_name in splits:
            for level in ("word", "char"):
                name = f"{data_name}_{level}"
                mean = {p: float(np.mean(accuracy[f"{name}_{p}"])) for p in PRECISIONS}
                ratios[f"{name}_accuracy_bf16_vs_fp32"] = mean["bfloat16"] / mean["float32"]
                points[name] = round(100 * (mean["bfloat16"] - mean["float32"]), 2)
        absolute.update(accuracy=accuracy, points_bf16_minus_fp32=points, epochs=epochs_run)
        settings.update(seeds=list(seeds), data=list(splits), lstm="LSTMClassifier() defaults")
    emit(
        "precision",
        quick=args.quick,
        ratios=ratios,
        lower_is_better=[
            name for name in ratios if name.startswith(("fit_seconds", "cpu_fit", "single_text"))
        ],
        absolute=absolute,
        settings=settings,
    )


if __name__ == "__main__":
    main()
