"""A model served by onnxruntime (sklstm.onnx) against the sklstm pipeline it was exported from.

The pipeline is bench_predict.py's: ``CharTokenizer(max_length=140) +
LSTMClassifier`` trained for one epoch on the tweets' training split,
exported with ``sklstm.export_onnx`` and loaded with ``sklstm.onnx.load``
(``n_threads`` as the classifier's). Figures (served divided by the pipeline):

* ``single_text_latency_vs_sklstm``: median wall time of ``predict_proba([text])``
  on one raw text, over ``--calls`` calls (200) after a warm-up, each call on
  the next test text, the two called in turn (below 1: the served model
  answers faster; the issue's target is 0.5 or less);
* ``throughput_vs_sklstm``: texts per second of ``predict_proba`` on 1,000 test
  texts at once, best of 3 interleaved runs (above 1: the served model is
  faster);
* ``install_size_vs_torch``: the bytes that onnxruntime and NumPy install,
  against torch's (the CPU build here; a CUDA build adds gigabytes);
* ``install_size_with_dependencies_vs_torch``: the same with everything each
  requires, recursively.

The absolute latencies, the files' sizes, the installed size of each
distribution and the largest difference between the two models'
probabilities (a check) are reported too.
"""

import importlib.metadata
import re
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
from sklearn.pipeline import make_pipeline

import sklstm.onnx
from _common import LIKE_HANDWRITTEN, apply_threads, emit, load_split, make_parser, rounded
from sklstm import CharTokenizer, LSTMClassifier, export_onnx

WARM_UP_CALLS = 20
THROUGHPUT_TEXTS = 1000


def installed_bytes(name):
    """Bytes of the files that distribution ``name`` installed."""
    total = 0
    for file in importlib.metadata.distribution(name).files or []:
        path = Path(file.locate())
        if path.is_file():
            total += path.stat().st_size
    return total


def requirements(name):
    """``name`` and every distribution it requires, recursively (no extras)."""
    seen, pending = set(), [name]
    while pending:
        current = pending.pop()
        key = re.sub(r"[-_.]+", "-", current).lower()
        if key in seen:
            continue
        seen.add(key)
        for requirement in importlib.metadata.requires(current) or []:
            if "extra ==" in requirement:
                continue
            required = re.match(r"[A-Za-z0-9_.\-]+", requirement).group(0)
            try:
                importlib.metadata.distribution(required)
            except importlib.metadata.PackageNotFoundError:
                continue  # a platform-specific requirement not installed here
            pending.append(required)
    return sorted(seen)


def main():
    parser = make_parser(__doc__.splitlines()[0])
    parser.add_argument(
        "--calls", type=int, default=200, help="timed single-text calls (default 200)"
    )
    parser.add_argument("--repeats", type=int, default=3, help="timed 1,000-text runs (best kept)")
    args = parser.parse_args()
    apply_threads(args.threads)
    calls = 50 if args.quick else args.calls
    texts_train, texts_test, y_train, _ = load_split(n_samples=1500 if args.quick else None)

    pipeline = make_pipeline(
        CharTokenizer(max_length=140),
        LSTMClassifier(max_epochs=1, n_threads=args.threads, random_state=0, **LIKE_HANDWRITTEN),
    ).fit(texts_train, y_train)
    with tempfile.TemporaryDirectory() as folder:
        start = time.perf_counter()
        paths = export_onnx(pipeline, Path(folder) / "model.onnx")
        export_seconds = time.perf_counter() - start
        file_bytes = {path.name: path.stat().st_size for path in paths}
        served = sklstm.onnx.load(paths[0], n_threads=args.threads)
    models = {"onnxruntime": served, "sklstm": pipeline}
    max_abs_difference = float(
        np.abs(served.predict_proba(texts_test) - pipeline.predict_proba(texts_test)).max()
    )

    latencies = {name: [] for name in models}
    for call in range(WARM_UP_CALLS + calls):
        text = [texts_test[call % len(texts_test)]]
        for name, model in models.items():
            start = time.perf_counter()
            model.predict_proba(text)
            if call >= WARM_UP_CALLS:
                latencies[name].append(time.perf_counter() - start)
    median_ms = {name: 1e3 * statistics.median(values) for name, values in latencies.items()}

    batch = texts_test[:THROUGHPUT_TEXTS]
    best_seconds = {name: float("inf") for name in models}
    for _ in range(args.repeats):
        for name, model in models.items():
            start = time.perf_counter()
            model.predict_proba(batch)
            best_seconds[name] = min(best_seconds[name], time.perf_counter() - start)
    texts_per_second = {name: len(batch) / value for name, value in best_seconds.items()}

    served_stack, torch_stack = requirements("onnxruntime"), requirements("torch")
    sizes = {name: installed_bytes(name) for name in sorted({*served_stack, *torch_stack})}
    served_bytes = sizes["onnxruntime"] + sizes["numpy"]
    served_stack_bytes = sum(sizes[name] for name in served_stack)
    torch_stack_bytes = sum(sizes[name] for name in torch_stack)

    emit(
        "onnx",
        quick=args.quick,
        ratios={
            "single_text_latency_vs_sklstm": median_ms["onnxruntime"] / median_ms["sklstm"],
            "throughput_vs_sklstm": texts_per_second["onnxruntime"] / texts_per_second["sklstm"],
            "install_size_vs_torch": served_bytes / sizes["torch"],
            "install_size_with_dependencies_vs_torch": served_stack_bytes / torch_stack_bytes,
        },
        lower_is_better=[
            "single_text_latency_vs_sklstm",
            "install_size_vs_torch",
            "install_size_with_dependencies_vs_torch",
        ],
        absolute={
            "single_text_median_ms": {name: rounded(value) for name, value in median_ms.items()},
            "single_text_p90_ms": {
                name: rounded(1e3 * float(np.percentile(values, 90)))
                for name, values in latencies.items()
            },
            "texts_per_second": {name: rounded(value) for name, value in texts_per_second.items()},
            "export_seconds": rounded(export_seconds),
            "file_bytes": file_bytes,
            "installed_mb": {name: rounded(value / 1e6) for name, value in sizes.items()},
            "onnxruntime_numpy_mb": rounded(served_bytes / 1e6),
            "onnxruntime_with_dependencies_mb": rounded(served_stack_bytes / 1e6),
            "torch_with_dependencies_mb": rounded(torch_stack_bytes / 1e6),
        },
        settings={
            "n_train": len(texts_train),
            "n_test": len(texts_test),
            "calls": calls,
            "warm_up_calls": WARM_UP_CALLS,
            "throughput_texts": len(batch),
            "repeats": args.repeats,
            "lstm_epochs": 1,
            "threads": args.threads,
            "onnxruntime": importlib.metadata.version("onnxruntime"),
        },
        checks={"max_abs_probability_difference": max_abs_difference},
    )


if __name__ == "__main__":
    main()
