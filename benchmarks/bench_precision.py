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

The ceiling (``bare_*``, below 1: bfloat16 is faster): what the hardware
gives the bare layers, with no sklstm around them, measured in the same run.
``HandwrittenLSTM`` (Embedding 32 -> LSTM 64 -> Linear 3, the model of the
issue that asked for bfloat16) on random ids of 70 steps, every row full, the
two precisions called in turn ``BARE_CALLS`` times and the fastest call of
each kept: ``bare_train_step_{32,64}_rows_bf16_vs_fp32`` is one training step
(forward under autocast, cross-entropy in float32, backward, Adam) on 32 rows
(the classifier's ``batch_size``) and 64, and
``bare_inference_{64,256}_rows_bf16_vs_fp32`` one forward pass under
``torch.inference_mode`` on 64 rows (the rows of a prediction batch) and 256.
sklstm's ratios cannot beat these: the layers are the same, and sklstm's
other work (compacting, pooling, skorch's loop) does not speed up in bfloat16.

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
``--data demo`` (or ``tweets``) scores one data set only, ``--level char``
(or ``word``) one level; ``--seeds 0-14`` is a range. ``absolute`` also has
``points_standard_error`` (the standard error of the seeds' paired
differences) and ``accuracy_predicting_in_other_precision``: each fitted
model's accuracy when it predicts in the other precision, which tells the
rounding of the predictions apart from where training led.
"""

import statistics
import time

import numpy as np
import torch
from sklearn.pipeline import make_pipeline

from _common import (
    HandwrittenLSTM,
    apply_threads,
    emit,
    load_demo_split,
    load_split,
    make_parser,
    rounded,
)
from sklstm import CharTokenizer, LSTMClassifier
from sklstm._device import cpu_supports_bfloat16

MAX_LENGTH = {"char": 140, "word": 40}
PRECISIONS = ("float32", "bfloat16")
N_PREDICT = 1000
WARM_UP_CALLS = 20
# The ceiling: timed calls of each bare step (fastest kept), and their shape.
BARE_CALLS = 60
BARE_STEPS = 70
BARE_TRAIN_ROWS = (32, 64)
BARE_INFERENCE_ROWS = (64, 256)


def measure_bare(vocabulary_size, calls):
    """Fastest bare training step and inference call of each precision, in seconds."""
    torch.manual_seed(0)
    model = HandwrittenLSTM(vocabulary_size, n_classes=3)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)

    def autocast(precision):
        return torch.autocast("cpu", dtype=torch.bfloat16, enabled=precision == "bfloat16")

    def train_step(precision, ids, targets):
        with autocast(precision):
            outputs = model(ids)
        loss = torch.nn.functional.cross_entropy(outputs.float(), targets)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()

    def inference(precision, ids, _):
        with torch.inference_mode(), autocast(precision):
            model(ids).float()

    cases = [("train_step", rows, train_step) for rows in BARE_TRAIN_ROWS]
    cases += [("inference", rows, inference) for rows in BARE_INFERENCE_ROWS]
    best = {}
    for kind, rows, step in cases:
        ids = torch.randint(1, vocabulary_size, (rows, BARE_STEPS))
        targets = torch.randint(0, 3, (rows,))
        for precision in PRECISIONS:  # warm-up: oneDNN builds its kernels
            for _ in range(3):
                step(precision, ids, targets)
        for _ in range(calls):
            for precision in PRECISIONS:
                start = time.perf_counter()
                step(precision, ids, targets)
                seconds = time.perf_counter() - start
                key = (kind, rows, precision)
                best[key] = min(best.get(key, np.inf), seconds)
    return best


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


def measure_quality(splits, levels, seeds, threads):
    """Test accuracy of each (data, level, precision, seed).

    Also the accuracy of the same fitted model predicting in the other
    precision (``set_params(precision=...)`` after fit): it tells the
    rounding of the predictions apart from where training led.
    """
    accuracy, other, epochs = {}, {}, {}
    for data_name, (texts_train, texts_test, y_train, y_test) in splits.items():
        for level in levels:
            for precision in PRECISIONS:
                key = f"{data_name}_{level}_{precision}"
                accuracy[key], other[key], epochs[key] = [], [], []
                other_precision = PRECISIONS[1 - PRECISIONS.index(precision)]
                for seed in seeds:
                    model = make_pipeline(
                        CharTokenizer(level=level, max_length=MAX_LENGTH[level]),
                        LSTMClassifier(precision=precision, n_threads=threads, random_state=seed),
                    ).fit(texts_train, y_train)
                    accuracy[key].append(round(float(model.score(texts_test, y_test)), 4))
                    model[-1].set_params(precision=other_precision)
                    other[key].append(round(float(model.score(texts_test, y_test)), 4))
                    epochs[key].append(model[-1].n_iter_)
    return accuracy, other, epochs


def parse_seeds(text):
    """``'0,1,2'`` or ``'0-14'`` (both ends included) as a list of ints."""
    if "-" in text:
        first, last = text.split("-")
        return list(range(int(first), int(last) + 1))
    return [int(seed) for seed in text.split(",")]


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
    parser.add_argument("--level", choices=["word", "char", "all"], default="all",
                        help="tokenization levels of the accuracy part (default: all)")
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
        vocabulary_size = len(CharTokenizer().fit(texts_train).vocabulary_) + 2
        bare = measure_bare(vocabulary_size, 10 if args.quick else BARE_CALLS)
        ratios.update({
            f"bare_{kind}_{rows}_rows_bf16_vs_fp32": (
                bare[kind, rows, "bfloat16"] / bare[kind, rows, "float32"]
            )
            for kind, rows in sorted({(kind, rows) for kind, rows, _ in bare})
        })
        absolute["bare_best_ms"] = {
            f"{kind}_{rows}_rows_{precision}": rounded(1e3 * seconds)
            for (kind, rows, precision), seconds in bare.items()
        }
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
            bare_calls=10 if args.quick else BARE_CALLS,
            bare_steps=BARE_STEPS,
            n_predict=N_PREDICT,
            n_train=len(texts_train),
        )
    if args.part in ("quality", "all"):
        demo = load_demo_split()
        seeds = parse_seeds(args.seeds)
        seeds = seeds[:1] if args.quick else seeds
        splits = {"tweets": tweets, "demo": demo}
        if args.data != "all":
            splits = {args.data: splits[args.data]}
        levels = ("word", "char") if args.level == "all" else (args.level,)
        accuracy, other, epochs_run = measure_quality(splits, levels, seeds, args.threads)
        points, standard_error = {}, {}
        for data_name in splits:
            for level in levels:
                name = f"{data_name}_{level}"
                mean = {p: float(np.mean(accuracy[f"{name}_{p}"])) for p in PRECISIONS}
                ratios[f"{name}_accuracy_bf16_vs_fp32"] = mean["bfloat16"] / mean["float32"]
                points[name] = round(100 * (mean["bfloat16"] - mean["float32"]), 2)
                # Each seed's pair of fits: the spread of their differences.
                paired = 100 * np.subtract(
                    accuracy[f"{name}_bfloat16"], accuracy[f"{name}_float32"]
                )
                if len(paired) > 1:
                    standard_error[name] = round(
                        float(paired.std(ddof=1) / np.sqrt(len(paired))), 2
                    )
        absolute.update(
            accuracy=accuracy,
            accuracy_predicting_in_other_precision=other,
            points_bf16_minus_fp32=points,
            points_standard_error=standard_error,
            epochs=epochs_run,
        )
        settings.update(
            seeds=list(seeds), data=list(splits), levels=list(levels),
            lstm="LSTMClassifier() defaults",
        )
    emit(
        "precision",
        quick=args.quick,
        ratios=ratios,
        lower_is_better=[
            name
            for name in ratios
            if name.startswith(("fit_seconds", "cpu_fit", "single_text", "bare_"))
        ],
        absolute=absolute,
        settings=settings,
    )


if __name__ == "__main__":
    main()
