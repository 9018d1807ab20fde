"""LSTMRegressor: target shapes, input forms, the integer-series pitfall."""

import warnings

import numpy as np
import pandas as pd
import pytest
from conftest import fast
from sklearn.exceptions import ConvergenceWarning

from sklstm import CharTokenizer, LSTMRegressor


def tiny(**params):
    return fast(LSTMRegressor, **params)

def sine_windows(n=150, steps=8, seed=0):
    rng = np.random.default_rng(seed)
    starts = rng.uniform(0, 2 * np.pi, size=n)
    grid = starts[:, np.newaxis] + 0.3 * np.arange(steps + 1)
    return np.sin(grid[:, :-1]), np.sin(grid[:, -1])


def test_toy_next_number_regression():
    # The tutorials' toy task: [.1, .2, .3] -> .4 and so on.
    X = np.array([[0.1, 0.2, 0.3], [0.2, 0.3, 0.4], [0.3, 0.4, 0.5]])
    y = np.array([0.4, 0.5, 0.6])
    model = LSTMRegressor(units=16, max_epochs=200, learning_rate=0.01, random_state=0)
    model.fit(X, y)
    np.testing.assert_allclose(model.predict(X), y, atol=0.01)
    assert model.predict([[0.4, 0.5, 0.6]])[0] == pytest.approx(0.7, abs=0.05)


def test_learns_to_continue_a_sine_wave():
    X, y = sine_windows(n=400)
    model = LSTMRegressor(max_epochs=20, learning_rate=0.01, random_state=0)
    model.fit(X[:300], y[:300])
    assert model.score(X[300:], y[300:]) > 0.95


@pytest.mark.parametrize("y_shape", [(150,), (150, 1), (150, 2)])
def test_prediction_has_the_shape_and_dtype_of_y(y_shape):
    X, y = sine_windows()
    targets = np.column_stack([y, 100 + 50 * y])[:, : (y_shape[1] if len(y_shape) > 1 else 1)]
    targets = targets.reshape(y_shape)
    model = tiny().fit(X, targets)
    predicted = model.predict(X)
    assert predicted.shape == y_shape
    assert predicted.dtype == np.float64
    assert model.n_outputs_ == (1 if len(y_shape) == 1 else y_shape[1])


def test_large_targets_are_learned_on_their_own_scale():
    # Targets in the hundreds (passenger counts) train like targets near zero,
    # because they are standardised inside fit.
    X, y = sine_windows(n=300)
    small = tiny(max_epochs=10, learning_rate=0.01).fit(X, y)
    large = tiny(max_epochs=10, learning_rate=0.01).fit(X, 300 + 100 * y)
    np.testing.assert_allclose(large.predict(X), 300 + 100 * small.predict(X), rtol=1e-4)


def test_a_constant_target_gets_scale_1_and_predicts_the_constant():
    # As StandardScaler: zero variance is scale 1, so the net's small outputs
    # (it learns 0) move the prediction by that much, not by that much times
    # the constant (before: 1e30 predicted 9.3e29, and 5 predicted 4.64).
    X = np.random.default_rng(0).normal(size=(8, 4))
    huge = tiny(max_epochs=1).fit(X, np.full(8, 1e30))
    np.testing.assert_allclose(huge.predict(X), 1e30, rtol=1e-12)
    five = tiny(max_epochs=1).fit(X, np.full(8, 5.0))
    np.testing.assert_allclose(five.predict(X), 5.0, atol=0.1)
    # A varying target beside it keeps its own scaling.
    both = tiny(max_epochs=1).fit(X, np.column_stack([np.full(8, 5.0), 300 + 100 * X[:, 0]]))
    np.testing.assert_allclose(both.target_scale_, [1.0, 100 * X[:, 0].std()])


def test_multivariate_sequences():
    X, y = sine_windows()
    X3 = np.stack([X, np.cos(X)], axis=2)
    model = tiny().fit(X3, y)
    assert model.input_type_ == "sequences"
    assert model.input_shape_ == (8, 2)
    assert model.predict(X3).shape == (150,)
    with pytest.raises(ValueError, match=r"X has 3 values per step, but LSTMRegressor"):
        model.predict(np.concatenate([X3, X3[:, :, :1]], axis=2))


def test_integer_series_read_as_token_ids_warns_and_input_type_overrides():
    # air_passengers.csv reads as int64: windows of counts must not silently
    # become token ids.
    rng = np.random.default_rng(0)
    counts = rng.integers(100, 600, size=(60, 12))
    targets = counts.mean(axis=1)
    message = r"read as token ids \(input_type='auto'\), but its smallest value is 10"
    with pytest.warns(UserWarning, match=message):
        auto = tiny().fit(counts, targets)
    assert auto.input_type_ == "tokens"
    as_sequences = tiny(input_type="sequences").fit(counts, targets)
    assert as_sequences.input_type_ == "sequences"
    as_float = tiny().fit(counts.astype(float), targets)
    assert as_float.input_type_ == "sequences"
    np.testing.assert_array_equal(
        as_sequences.predict(counts), as_float.predict(counts.astype(float))
    )


def test_tokenizer_output_without_padding_does_not_warn():
    # Texts longer than max_length leave no padding; the small ids of frequent
    # tokens still show that X holds token ids.
    texts = ["the cat sat on the mat", "a dog ate the bone", "the end of it all"] * 5
    ids = CharTokenizer(max_length=8).fit_transform(texts)
    assert (ids > 0).all()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        # A few epochs of a tiny model have not converged: that warning is right.
        warnings.simplefilter("ignore", ConvergenceWarning)
        model = tiny().fit(ids, np.arange(15.0))
    assert model.input_type_ == "tokens"


def test_token_ids_as_whole_floats_with_input_type_tokens():
    rng = np.random.default_rng(0)
    ids = rng.integers(0, 9, size=(50, 6))
    y = (ids == 3).sum(axis=1).astype(float)
    from_ints = tiny().fit(ids, y)
    from_floats = tiny(input_type="tokens").fit(ids.astype(float), y)
    assert from_floats.input_type_ == "tokens"
    np.testing.assert_array_equal(from_ints.predict(ids), from_floats.predict(ids))
    with pytest.raises(ValueError, match=r"whole-number token ids, but row 0 holds 7.5"):
        tiny(input_type="tokens").fit(ids + 0.5, y)


def test_dataframe_of_windows():
    X, y = sine_windows()
    frame = pd.DataFrame(X, columns=[f"lag{k}" for k in range(8, 0, -1)])
    model = tiny().fit(frame, pd.Series(y))
    np.testing.assert_array_equal(model.feature_names_in_, frame.columns)
    assert model.predict(frame).shape == (150,)


def test_predictions_of_a_batch_and_of_its_subsets_agree():
    # float32: to 1e-5 relative (scikit-learn's own check asks 1e-7 absolute,
    # see test_common.py).
    X, y = sine_windows()
    model = tiny().fit(X, 100 + 50 * y)
    whole = model.predict(X)
    pieces = np.concatenate([model.predict(X[start : start + 7]) for start in range(0, 150, 7)])
    np.testing.assert_allclose(pieces, whole, rtol=1e-5)
