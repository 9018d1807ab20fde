"""LSTMRegressor's defaults against the classifier's, on numeric series.

LSTMRegressor and LSTMClassifier differ in five defaults: ``pooling`` ('last'
against 'max'), ``max_epochs`` (10 against 20), ``batch_size`` (64 against 32),
``learning_rate`` (1e-3 against 3e-3) and ``n_iter_no_change`` (5 against 3).
The classifier's were chosen on text sentiment (user guide, "Getting a good
model"); this script fits the regressor with its own defaults, with the
classifier's, and with one of them changed at a time, on three one-step-ahead
forecasting tasks, each split in time (the last 20 % of the windows, or the
last 24 months, are the test part):

- ``air_passengers``: the shipped airline series (``load_air_passengers``),
  windows of 12 months, each relative to its last month on a log scale as in
  the gallery example; 108 training windows. RMSE in thousands of passengers.
- ``sine``: two sines (periods 25 and 7 steps) plus Gaussian noise (0.1),
  windows of 24 steps; 460 training windows, below the 2,500 from which
  ``early_stopping='auto'`` holds out a validation part.
- ``sine_large``: the same series, 6,000 steps long; 4,780 training windows,
  so early stopping is on.

Each setting is fitted with ``random_state`` 0, 1 and 2; one JSON line per
task, whose ratios are each setting's mean test RMSE divided by that of the
regressor's defaults (below 1: better than the defaults).

    python benchmarks/bench_regressor_defaults.py
"""

import time

import numpy as np

from _common import apply_threads, emit, make_parser, rounded
from sklstm import LSTMRegressor
from sklstm.datasets import load_air_passengers

SEEDS = (0, 1, 2)
CLASSIFIER_DEFAULTS = dict(
    pooling="max", max_epochs=20, batch_size=32, learning_rate=3e-3, n_iter_no_change=3
)
SETTINGS = {
    "regressor_defaults": {},
    "classifier_defaults": CLASSIFIER_DEFAULTS,
    "pooling_max": dict(pooling="max"),
    "batch_size_32": dict(batch_size=32),
    "learning_rate_3e-3": dict(learning_rate=3e-3),
    "max_epochs_20": dict(max_epochs=20),
    # Small data trains without early stopping: more epochs are the main knob.
    "max_epochs_200": dict(max_epochs=200),
    "max_epochs_200_pooling_max": dict(max_epochs=200, pooling="max"),
}
# max_epochs=200 on the large task would run for many minutes.
SMALL_ONLY = {"max_epochs_200", "max_epochs_200_pooling_max"}


def air_passengers():
    """Windows relative to their last month (log scale), and a way back to passengers."""
    passengers = load_air_passengers(n_steps=12)
    windows, targets = passengers.data, passengers.target
    relative = np.log(windows) - np.log(windows[:, -1:])
    relative_targets = np.log(targets) - np.log(windows[:, -1])
    horizon = 24

    def to_passengers(predictions, rows):
        return windows[rows, -1] * np.exp(predictions)

    train, test = slice(None, -horizon), slice(-horizon, None)
    return relative[train], relative_targets[train], relative[test], targets[test], (
        lambda predictions: to_passengers(predictions, test)
    )


def sines(n_points, steps=24, seed=0):
    t = np.arange(n_points)
    noise = np.random.default_rng(seed).normal(0, 0.1, n_points)
    series = np.sin(2 * np.pi * t / 25) + 0.5 * np.sin(2 * np.pi * t / 7) + noise
    windows = np.lib.stride_tricks.sliding_window_view(series[:-1], steps)
    targets = series[steps:]
    cut = int(0.8 * len(targets))
    return windows[:cut], targets[:cut], windows[cut:], targets[cut:], (lambda p: p)


def run_task(name, data, settings, quick):
    X_train, y_train, X_test, y_test, back = data
    rmse, r2, epochs, seconds = {}, {}, {}, {}
    for setting, params in settings.items():
        per_seed, r2_per_seed, epochs_per_seed = [], [], []
        start = time.perf_counter()
        for seed in SEEDS[:1] if quick else SEEDS:
            model = LSTMRegressor(**{**params, "random_state": seed})
            if quick:
                model.set_params(max_epochs=2)
            model.fit(X_train, y_train)
            predicted = back(model.predict(X_test))
            per_seed.append(float(np.sqrt(np.mean((predicted - y_test) ** 2))))
            r2_per_seed.append(
                float(1 - np.sum((predicted - y_test) ** 2) / np.sum((y_test - y_test.mean()) ** 2))
            )
            epochs_per_seed.append(model.n_iter_)
        rmse[setting] = {
            "mean": rounded(np.mean(per_seed)),
            "per_seed": [rounded(value) for value in per_seed],
        }
        r2[setting] = rounded(np.mean(r2_per_seed))
        epochs[setting] = epochs_per_seed
        seconds[setting] = rounded((time.perf_counter() - start) / len(per_seed))
    reference = rmse["regressor_defaults"]["mean"]
    ratios = {
        f"test_rmse_{setting}_vs_regressor_defaults": figures["mean"] / reference
        for setting, figures in rmse.items()
        if setting != "regressor_defaults"
    }
    emit(
        f"regressor_defaults_{name}",
        quick=quick,
        ratios=ratios,
        lower_is_better=list(ratios),
        absolute={
            "test_rmse": rmse,
            "test_r2_mean": r2,
            "epochs": epochs,
            "seconds_per_fit": seconds,
        },
        settings={
            "task": name,
            "n_train": len(y_train),
            "n_test": len(y_test),
            "n_steps": X_train.shape[1],
            "seeds": list(SEEDS[:1] if quick else SEEDS),
            "settings": settings,
        },
    )


def main():
    parser = make_parser(__doc__.splitlines()[0])
    args = parser.parse_args()
    apply_threads(args.threads)
    small = SETTINGS
    large = {name: params for name, params in SETTINGS.items() if name not in SMALL_ONLY}
    run_task("air_passengers", air_passengers(), small, args.quick)
    run_task("sine", sines(600), small, args.quick)
    run_task("sine_large", sines(600 if args.quick else 6000), large, args.quick)


if __name__ == "__main__":
    main()
