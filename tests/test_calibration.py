"""LSTMClassifier's calibration: the temperature, where it is fitted, and where it goes."""

import copy
import pickle

import numpy as np
import pytest
from conftest import fast
from scipy.special import expit, softmax
from sklearn.base import clone
from sklearn.calibration import CalibratedClassifierCV
from sklearn.frozen import FrozenEstimator
from sklearn.pipeline import make_pipeline

from sklstm import CharTokenizer, LSTMClassifier
from sklstm._calibration import MIN_CALIBRATION_SAMPLES, fit_temperature, held_out_rows
from sklstm._device import draw_seed


def noisy_sequences(n=200, steps=5, seed=0):
    """Univariate sequences whose class is the sign of their mean, often wrongly labelled.

    A tiny LSTM trained long on them is overconfident: the temperature must rise above 1.
    """
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, steps))
    y = np.where(X.mean(axis=1) + rng.normal(scale=0.4, size=n) > 0, "up", "down")
    return X, y


def calibrated_model(**params):
    """Held-out part of 100 rows (validation_fraction=0.5 of 200): calibrated."""
    defaults = dict(max_epochs=40, learning_rate=0.03, validation_fraction=0.5)
    return fast(LSTMClassifier, **{**defaults, **params})


@pytest.fixture(scope="module")
def fitted_calibrated():
    X, y = noisy_sequences()
    return calibrated_model().fit(X, y), X, y


# -- the temperature itself ---------------------------------------------------------


@pytest.mark.parametrize("true_temperature", [0.5, 3.0])
def test_fit_temperature_recovers_the_temperature_labels_were_drawn_at(true_temperature):
    rng = np.random.default_rng(0)
    logits = rng.normal(scale=4.0, size=(20_000, 3))
    proba = softmax(logits / true_temperature, axis=1)
    labels = (proba.cumsum(axis=1) > rng.uniform(size=(len(logits), 1))).argmax(axis=1)
    assert fit_temperature(logits, labels) == pytest.approx(true_temperature, rel=0.05)


def test_fit_temperature_multilabel_and_weights():
    rng = np.random.default_rng(1)
    logits = rng.normal(scale=4.0, size=(20_000, 2))
    labels = (rng.uniform(size=logits.shape) < expit(logits / 2.0)).astype(int)
    assert fit_temperature(logits, labels, multilabel=True) == pytest.approx(2.0, rel=0.05)
    # Weights count as repeated rows.
    small_logits, small_labels = logits[:40], labels[:40]
    weights = np.arange(40) % 3
    repeated = np.repeat(np.arange(40), weights)
    np.testing.assert_allclose(
        fit_temperature(small_logits, small_labels, weights, multilabel=True),
        fit_temperature(small_logits[repeated], small_labels[repeated], multilabel=True),
        rtol=1e-3,
    )


# -- in fit -------------------------------------------------------------------------


def test_an_overconfident_model_gets_a_temperature_above_one(fitted_calibrated):
    model, X, y = fitted_calibrated
    assert model.calibrated_ and model.temperature_ > 1.0
    raw = model._raw_outputs(X)
    np.testing.assert_allclose(model.predict_proba(X), softmax(raw / model.temperature_, axis=1))
    # A temperature never changes the most probable class.
    np.testing.assert_array_equal(model.predict(X), model.classes_[raw.argmax(axis=1)])
    np.testing.assert_array_equal(
        model.predict(X), model.classes_[model.predict_proba(X).argmax(axis=1)]
    )


def test_the_temperature_is_fitted_on_the_held_out_rows_only(fitted_calibrated):
    model, X, y = fitted_calibrated
    targets = np.searchsorted(model.classes_, y)
    train_rows, held = held_out_rows(targets, 0.5, stratified=True, seed=draw_seed(0))
    assert len(held) == MIN_CALIBRATION_SAMPLES * 2
    assert fit_temperature(model._raw_outputs(X[held]), targets[held]) == pytest.approx(
        model.temperature_, rel=1e-6
    )
    # scikit-learn's temperature scaling, on the same rows, agrees.
    if "temperature" in CalibratedClassifierCV._parameter_constraints["method"][0].options:
        raw_model = copy.deepcopy(model)
        raw_model.temperature_ = 1.0
        reference = CalibratedClassifierCV(FrozenEstimator(raw_model), method="temperature")
        reference.fit(X[held], y[held])
        np.testing.assert_allclose(
            reference.predict_proba(X), model.predict_proba(X), atol=1e-3
        )
    # The network never trained on them: it equals a model trained on the other rows alone.
    alone = calibrated_model(calibration=None).fit(X[train_rows], y[train_rows])
    np.testing.assert_allclose(alone._raw_outputs(X), model._raw_outputs(X), atol=1e-5)


def test_with_early_stopping_the_validation_part_is_calibrated_on():
    X, y = noisy_sequences()
    model = calibrated_model(early_stopping=True, max_epochs=6).fit(X, y)
    assert model.do_early_stopping_ and model.calibrated_
    # The net held out the same rows itself; all of them were given to it.
    targets = np.searchsorted(model.classes_, y)
    _, held = held_out_rows(targets, 0.5, stratified=True, seed=draw_seed(0))
    _, valid = model.net_.get_split_datasets({"X": X.astype(np.float32)}, targets)
    np.testing.assert_array_equal(np.sort(valid.indices), np.sort(held))
    assert fit_temperature(model._raw_outputs(X[held]), targets[held]) == pytest.approx(
        model.temperature_, rel=1e-6
    )


def test_data_too_small_to_hold_out_is_not_calibrated(toy_sentiment_sentences):
    texts, labels = toy_sentiment_sentences
    pipe = make_pipeline(CharTokenizer(), fast(LSTMClassifier)).fit(texts, labels)
    model = pipe[-1]
    assert model.calibration == "temperature"
    assert not model.calibrated_ and model.temperature_ == 1.0
    # All 72 rows trained: the same network as calibration=None.
    uncalibrated = make_pipeline(CharTokenizer(), fast(LSTMClassifier, calibration=None))
    np.testing.assert_array_equal(
        uncalibrated.fit(texts, labels).predict_proba(texts), pipe.predict_proba(texts)
    )


def test_the_tutorials_four_sentences_fit_with_the_defaults():
    texts = ["I love this", "great movie", "I hate this", "awful film"]
    pipe = make_pipeline(CharTokenizer(), LSTMClassifier(random_state=0))
    proba = pipe.fit(texts, [1, 1, 0, 0]).predict_proba(texts)
    assert np.isfinite(proba).all() and not pipe[-1].calibrated_


def test_calibration_none_keeps_the_raw_probabilities():
    X, y = noisy_sequences()
    model = calibrated_model(calibration=None).fit(X, y)
    assert model.temperature_ == 1.0 and not model.calibrated_
    np.testing.assert_allclose(model.predict_proba(X), softmax(model._raw_outputs(X), axis=1))


def test_multilabel_is_calibrated_per_label():
    X, y = noisy_sequences()
    indicator = np.column_stack([y == "up", X[:, 0] > 0]).astype(int)
    model = calibrated_model().fit(X, indicator)
    assert model.calibrated_ and model.temperature_ != 1.0
    raw = model._raw_outputs(X)
    np.testing.assert_allclose(model.predict_proba(X), expit(raw / model.temperature_))
    np.testing.assert_array_equal(model.predict(X), (raw > 0).astype(int))


def test_calibration_is_a_parameter():
    model = LSTMClassifier(calibration=None)
    assert clone(model).get_params()["calibration"] is None
    with pytest.raises(ValueError, match="'calibration' parameter of LSTMClassifier"):
        LSTMClassifier(calibration="platt").fit(*noisy_sequences(n=20))


def test_warm_start_refits_and_partial_fit_keeps_the_temperature(fitted_calibrated):
    model, X, y = fitted_calibrated
    model = copy.deepcopy(model)
    first = model.temperature_
    model.partial_fit(X, y)
    assert model.temperature_ == first and model.calibrated_
    model.set_params(warm_start=True, max_epochs=3).fit(X, y)
    assert model.calibrated_ and model.temperature_ != first
    streamed = calibrated_model().partial_fit(X, y, classes=["down", "up"])
    assert streamed.temperature_ == 1.0 and not streamed.calibrated_


# -- saved and exported -------------------------------------------------------------


def test_pickle_and_skops_keep_the_temperature(fitted_calibrated, tmp_path):
    model, X, _ = fitted_calibrated
    loaded = pickle.loads(pickle.dumps(model))
    assert loaded.temperature_ == model.temperature_
    np.testing.assert_array_equal(loaded.predict_proba(X), model.predict_proba(X))
    sio = pytest.importorskip("skops.io", reason='skops is optional: pip install "sklstm[skops]"')
    sio.dump(model, tmp_path / "model.skops")
    loaded = sio.load(tmp_path / "model.skops", trusted=["sklstm._classifier.LSTMClassifier"])
    np.testing.assert_array_equal(loaded.predict_proba(X), model.predict_proba(X))


def test_a_model_saved_before_calibration_loads_uncalibrated(fitted_calibrated):
    model, X, _ = fitted_calibrated
    state = model.__getstate__()
    for name in ("calibration", "temperature_", "calibrated_"):
        del state[name]  # as an earlier version saved it
    old = LSTMClassifier.__new__(LSTMClassifier)
    old.__setstate__(state)
    assert old.temperature_ == 1.0 and not old.calibrated_
    np.testing.assert_allclose(old.predict_proba(X), softmax(model._raw_outputs(X), axis=1))


def test_onnx_export_carries_the_temperature(fitted_calibrated, tmp_path):
    for name in ("onnx", "onnxscript", "onnxruntime"):
        pytest.importorskip(name, reason=f'{name} is optional: pip install "sklstm[onnx]"')
    import sklstm.onnx
    from sklstm import export_onnx

    model, X, _ = fitted_calibrated
    export_onnx(model, tmp_path / "model.onnx")
    served = sklstm.onnx.load(tmp_path / "model.onnx")
    np.testing.assert_allclose(served.predict_proba(X), model.predict_proba(X), atol=1e-5, rtol=0)


# -- scikit-learn's own calibration on top ------------------------------------------


@pytest.mark.parametrize("method", ["sigmoid", "isotonic", "temperature"])
def test_scikit_learns_calibration_runs_on_a_fitted_pipeline(method, toy_sentiment_sentences):
    options = CalibratedClassifierCV._parameter_constraints["method"][0].options
    if method not in options:
        pytest.skip(reason=f"the installed scikit-learn has no method={method!r}")
    texts, labels = toy_sentiment_sentences
    pipe = make_pipeline(CharTokenizer(), fast(LSTMClassifier)).fit(texts[:48], labels[:48])
    calibrated = CalibratedClassifierCV(FrozenEstimator(pipe), method=method)
    calibrated.fit(texts[48:], labels[48:])
    proba = calibrated.predict_proba(texts)
    assert proba.shape == (len(texts), 2)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    np.testing.assert_array_equal(calibrated.classes_, pipe.classes_)
