"""How far predict_proba can be trusted: sklstm with and without calibration, against TF-IDF + LR.

On the held-out part of bench_quality.py's splits (the demo sentences at word
level, word level with GloVe vectors and character level; the tweets at word
level), for each LSTM seed: accuracy, log loss, expected calibration error
(ECE: 15 equal-width bins of the top class's probability) and the share of the
wrong predictions made with a top probability above 0.95, for

* ``tfidf_lr``: TF-IDF (word 1-2-grams) + LogisticRegression, what users compare with;
* ``lstm_uncalibrated``: the LSTM pipeline with ``calibration=None``;
* ``lstm_calibrated``: the same pipeline at the default ``calibration='temperature'``;
* ``sklearn_sigmoid`` and ``sklearn_temperature``: scikit-learn's
  ``CalibratedClassifierCV(FrozenEstimator(...))`` over the calibrated
  pipeline's network with its temperature set back to 1, fitted on the very
  rows sklstm held out to fit its temperature (method ``'sigmoid'``, and
  ``'temperature'`` where the installed scikit-learn has it).

The calibrated LSTM's line also gives the limits of any temperature on these
test rows: the ECE at the temperature that is best on the test rows
themselves, and the ECE that sampling alone gives a perfectly calibrated model
of the same probabilities.

One JSON line per (data, setting, model, seed), then one summary line with the
means over the seeds and, as ratios, the calibrated LSTM's log loss over
scikit-learn's sigmoid's (lower is better; at most 1 is the target).
"""

import copy

import numpy as np
from scipy.special import softmax
from sklearn.calibration import CalibratedClassifierCV
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import log_loss
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import LabelEncoder

from _common import (
    apply_threads,
    emit,
    emit_row,
    load_demo_split,
    load_split,
    make_parser,
    rounded,
)
from sklstm import CharTokenizer, LSTMClassifier
from sklstm._calibration import expected_calibration_error, fit_temperature, held_out_rows
from sklstm._device import draw_seed

GLOVE = "glove-6b-50d"
N_BINS = 15
CONFIDENT = 0.95
TWEETS = 5000  # 4,000 to train: early stopping is on, and calibrates on its split


def lstm_pipeline(setting, seed, calibration):
    if setting == "word":
        tokenizer, extra = CharTokenizer(level="word", max_length=40), {}
    elif setting == "char":
        tokenizer, extra = CharTokenizer(level="char", max_length=140), {}
    else:  # the demo's GloVe setting: a BiLSTM with dropout over the vectors
        tokenizer = CharTokenizer(level="word", max_length=40, embeddings=GLOVE)
        extra = {"embeddings": GLOVE, "bidirectional": True, "dropout": 0.3}
    return make_pipeline(
        tokenizer, LSTMClassifier(random_state=seed, calibration=calibration, **extra)
    )


def scores(proba, y_true):
    """The four figures of one model's probabilities on the test rows (y as indices)."""
    predicted = proba.argmax(axis=1)
    wrong = predicted != y_true
    confident_wrong = (proba.max(axis=1) > CONFIDENT) & wrong
    return {
        "accuracy": rounded(float(np.mean(~wrong))),
        "log_loss": rounded(log_loss(y_true, proba, labels=np.arange(proba.shape[1]))),
        "ece": rounded(expected_calibration_error(proba.max(axis=1), ~wrong, N_BINS)),
        "wrong_above_095": rounded(float(confident_wrong.sum() / max(wrong.sum(), 1))),
    }


def temperature_limits(calibrated, texts_test, y_true, n_draws=200):
    """What no temperature fitted on held-out rows can beat, on these test rows.

    ``ece_at_test_optimal_temperature``: the ECE at the temperature that
    minimises the log loss of the test rows themselves.
    ``ece_of_perfect_calibration``: the mean ECE of the calibrated
    probabilities against labels drawn from those very probabilities, which
    measures the sampling noise of an ECE on this many rows.
    """
    classifier = calibrated[-1]
    raw = classifier._raw_outputs(calibrated[:-1].transform(texts_test))
    best = fit_temperature(raw, y_true)
    proba = softmax(raw / best, axis=1)
    optimal = expected_calibration_error(proba.max(axis=1), proba.argmax(axis=1) == y_true)
    proba = calibrated.predict_proba(texts_test)
    rng = np.random.default_rng(0)
    noise = []
    for _ in range(n_draws):
        drawn = (proba.cumsum(axis=1) > rng.uniform(size=(len(proba), 1))).argmax(axis=1)
        noise.append(
            expected_calibration_error(proba.max(axis=1), proba.argmax(axis=1) == drawn)
        )
    return {
        "test_optimal_temperature": rounded(best),
        "ece_at_test_optimal_temperature": rounded(optimal),
        "ece_of_perfect_calibration": rounded(float(np.mean(noise))),
    }


def sklearn_references(calibrated, texts_train, y_train, seed):
    """scikit-learn's calibrations of the network, on the rows sklstm held out."""
    classifier = calibrated[-1]
    targets = LabelEncoder().fit(classifier.classes_).transform(y_train)
    _, rows = held_out_rows(
        targets, classifier.validation_fraction, stratified=True, seed=draw_seed(seed)
    )
    raw = copy.deepcopy(calibrated)
    raw[-1].temperature_ = 1.0
    methods = ["sigmoid"]
    if "temperature" in CalibratedClassifierCV._parameter_constraints["method"][0].options:
        methods.append("temperature")  # scikit-learn 1.8 and later
    texts_held = [texts_train[i] for i in rows]
    return {
        f"sklearn_{method}": CalibratedClassifierCV(FrozenEstimator(raw), method=method).fit(
            texts_held, np.asarray(y_train)[rows]
        )
        for method in methods
    }


def evaluate(data_name, split, setting, seed):
    texts_train, texts_test, y_train, y_test = split
    encoder = LabelEncoder().fit(y_train)
    y_true = encoder.transform(y_test)
    models = {}
    if seed == 0 and setting == "word":  # TF-IDF + LR has no seed: once per data set
        models["tfidf_lr"] = make_pipeline(
            TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True),
            LogisticRegression(max_iter=1000),
        ).fit(texts_train, y_train)
    models["lstm_uncalibrated"] = lstm_pipeline(setting, seed, None).fit(texts_train, y_train)
    calibrated = lstm_pipeline(setting, seed, "temperature").fit(texts_train, y_train)
    models["lstm_calibrated"] = calibrated
    models.update(sklearn_references(calibrated, texts_train, y_train, seed))
    rows = {}
    for name, model in models.items():
        proba = model.predict_proba(texts_test)
        rows[name] = scores(proba, y_true)
        record = {
            "benchmark": "calibration",
            "data": data_name,
            "setting": "tfidf" if name == "tfidf_lr" else setting,
            "model": name,
            "seed": seed,
            **rows[name],
        }
        if name == "lstm_calibrated":
            record.update(temperature_limits(calibrated, texts_test, y_true))
            record["temperature"] = rounded(calibrated[-1].temperature_)
            record["calibrated"] = bool(calibrated[-1].calibrated_)
            record["early_stopping"] = bool(calibrated[-1].do_early_stopping_)
        emit_row(record)
    return rows


def main():
    parser = make_parser(__doc__.splitlines()[0])
    parser.add_argument("--seeds", default="0,1,2", help="LSTM seeds, comma-separated")
    args = parser.parse_args()
    apply_threads(args.threads)
    seeds = [int(seed) for seed in args.seeds.split(",")]
    runs = [
        ("demo", load_demo_split(), ["word", "glove", "char"]),
        ("tweets", load_split(n_samples=1000 if args.quick else TWEETS), ["word"]),
    ]
    means, ratios = {}, {}
    for data_name, split, settings in runs:
        for setting in settings:
            per_model = {}
            for seed in seeds:
                for name, row in evaluate(data_name, split, setting, seed).items():
                    per_model.setdefault(name, []).append(row)
            for name, rows in per_model.items():
                key = f"{data_name}_{'tfidf' if name == 'tfidf_lr' else setting}_{name}"
                means[key] = {
                    figure: rounded(float(np.mean([row[figure] for row in rows])))
                    for figure in rows[0]
                }
            ratios[f"{data_name}_{setting}_log_loss_calibrated_vs_sklearn_sigmoid"] = (
                means[f"{data_name}_{setting}_lstm_calibrated"]["log_loss"]
                / means[f"{data_name}_{setting}_sklearn_sigmoid"]["log_loss"]
            )
    emit(
        "calibration",
        quick=args.quick,
        ratios=ratios,
        lower_is_better=list(ratios),
        absolute={"means": means},
        settings={"seeds": seeds, "tweets": 1000 if args.quick else TWEETS, "bins": N_BINS},
    )


if __name__ == "__main__":
    main()
