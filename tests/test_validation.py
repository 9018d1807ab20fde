"""Bad input to the LSTM estimators gets a ValueError that names the problem."""

import numpy as np
import pandas as pd
import pytest
from conftest import fast
from sklearn.exceptions import NotFittedError

from sklstm import LSTMClassifier, LSTMRegressor

ESTIMATORS = [LSTMClassifier, LSTMRegressor]


def tiny(cls, **params):
    return fast(cls, **params)

def data(n=20, steps=6):
    rng = np.random.default_rng(0)
    return rng.normal(size=(n, steps)), np.arange(n) % 2


@pytest.mark.parametrize("cls", ESTIMATORS)
@pytest.mark.parametrize("value, word", [(np.nan, "NaN"), (np.inf, "infinity")])
def test_non_finite_x_names_the_row(cls, value, word):
    X, y = data()
    X[7, 2] = value
    with pytest.raises(ValueError, match=rf"Input X contains {word} at row 7;"):
        tiny(cls).fit(X, y)
    frame = pd.DataFrame(X, index=[f"id{k}" for k in range(20)])
    with pytest.raises(ValueError, match=rf"contains {word} at row 7 \(index label 'id7'\)"):
        tiny(cls).fit(frame, y)
    clean, _ = data()
    model = tiny(cls).fit(clean, y)
    with pytest.raises(ValueError, match=rf"Input X contains {word} at row 7;"):
        model.predict(X)


@pytest.mark.parametrize("value, word", [(np.nan, "NaN"), (-np.inf, "infinity")])
def test_non_finite_y_names_the_row(value, word):
    X, y = data()
    target = y.astype(float)
    target[4] = value
    with pytest.raises(ValueError, match=rf"Input y contains {word} at row 4"):
        tiny(LSTMRegressor).fit(X, target)
    series = pd.Series(target, index=range(100, 120))
    with pytest.raises(ValueError, match=r"at row 4 \(index label 104\)"):
        tiny(LSTMRegressor).fit(X, series)


def test_missing_label_names_the_row():
    X, _ = data()
    labels = np.array(["a", "b"] * 10, dtype=object)
    labels[3] = None
    with pytest.raises(ValueError, match=r"Input y contains NaN at row 3"):
        tiny(LSTMClassifier).fit(X, labels)


def test_single_class_is_refused():
    X, _ = data()
    message = r"at least 2 classes, but y holds one class only \('spam'\)"
    with pytest.raises(ValueError, match=message):
        tiny(LSTMClassifier).fit(X, ["spam"] * 20)


@pytest.mark.parametrize("cls", ESTIMATORS)
def test_shape_problems(cls):
    X, y = data()
    with pytest.raises(ValueError, match=r"Expected 2D array, got 1D array instead"):
        tiny(cls).fit(X[:, 0], y)
    with pytest.raises(ValueError, match=r"Found array with 0 sample\(s\)"):
        tiny(cls).fit(X[:0], y[:0])
    with pytest.raises(ValueError, match=r"inconsistent numbers of samples: \[20, 19\]"):
        tiny(cls).fit(X, y[:-1])
    with pytest.raises(ValueError, match=r"Expected a 2-D or 3-D array .* got 4 dimensions"):
        tiny(cls).fit(X.reshape(20, 3, 2, 1), y)
    model = tiny(cls).fit(X, y)
    with pytest.raises(ValueError, match=rf"X has 5 features, but {cls.__name__} is expecting 6"):
        model.predict(X[:, :5])
    with pytest.raises(ValueError, match=r"Expected 2D array, got 1D array instead"):
        model.predict(X[0])


@pytest.mark.parametrize("cls", ESTIMATORS)
def test_raw_text_points_to_the_tokenizer(cls):
    with pytest.raises(ValueError, match=r"X holds text. Put a CharTokenizer before it"):
        tiny(cls).fit(["good film", "bad film"], [1, 0])


@pytest.mark.parametrize("cls", ESTIMATORS)
def test_negative_token_ids_name_the_row(cls):
    ids = np.arange(60).reshape(20, 3) % 7
    ids[11, 1] = -2
    with pytest.raises(ValueError, match=r"Token ids must be >= 0 .* row 11 holds -2"):
        tiny(cls).fit(ids, np.arange(20) % 2)


@pytest.mark.parametrize("cls", ESTIMATORS)
def test_bad_sample_weight(cls):
    X, y = data()
    with pytest.raises(ValueError, match=r"Negative values in data passed to `sample_weight`"):
        tiny(cls).fit(X, y, sample_weight=-np.ones(20))
    with pytest.raises(ValueError, match=r"sample_weight.shape == \(19,\), expected \(20,\)"):
        tiny(cls).fit(X, y, sample_weight=np.ones(19))
    with pytest.raises(ValueError, match=r"Sample weights must contain at least one non-zero"):
        tiny(cls).fit(X, y, sample_weight=np.zeros(20))


def test_class_weight_of_zero_everywhere_is_refused():
    X, y = data()
    with pytest.raises(ValueError, match=r"leave every sample with weight 0"):
        tiny(LSTMClassifier, class_weight={0: 0.0, 1: 0.0}).fit(X, y)


@pytest.mark.parametrize("cls", ESTIMATORS)
@pytest.mark.parametrize(
    "params, match",
    [
        ({"units": 0}, r"'units' parameter of .* must be an int in the range \[1, inf\)"),
        ({"dropout": 1.0}, r"'dropout' parameter of .* must be a float in the range \[0.0, 1.0\)"),
        ({"learning_rate": 0}, r"'learning_rate' parameter"),
        ({"learning_rate_schedule": "cosine"}, r"'learning_rate_schedule' parameter"),
        ({"validation_fraction": 1.0}, r"'validation_fraction' parameter"),
        ({"input_type": "text"}, r"'input_type' parameter of .* must be a str among"),
        ({"batch_size": 2.5}, r"'batch_size' parameter"),
        ({"precision": "float16"}, r"'precision' parameter of .* must be a str among"),
    ],
)
def test_invalid_parameters(cls, params, match):
    X, y = data()
    with pytest.raises(ValueError, match=match):
        tiny(cls, **params).fit(X, y)


def test_invalid_class_weight():
    X, y = data()
    with pytest.raises(ValueError, match=r"'class_weight' parameter"):
        tiny(LSTMClassifier, class_weight="auto").fit(X, y)


@pytest.mark.parametrize("cls", ESTIMATORS)
def test_not_fitted(cls):
    X, _ = data()
    methods = ["predict", "score"] + (["predict_proba"] if cls is LSTMClassifier else [])
    for method in methods:
        args = (X, np.zeros(20)) if method == "score" else (X,)
        with pytest.raises(NotFittedError, match=f"This {cls.__name__} instance is not fitted yet"):
            getattr(cls(), method)(*args)


def test_early_stopping_on_too_little_data_says_what_to_do():
    # The tutorials' four sentences: no room for a stratified validation part.
    ids = np.array([[2, 3, 0], [2, 4, 0], [5, 3, 0], [5, 4, 0]])
    message = (
        r"early_stopping=True holds out validation_fraction=0.1 of the 4 samples \(1\), "
        r"with every one of the 2 classes on both sides.*Pass early_stopping='auto'"
    )
    with pytest.raises(ValueError, match=message):
        LSTMClassifier(early_stopping=True).fit(ids, ["pos", "pos", "neg", "neg"])
    LSTMClassifier(early_stopping=False, max_epochs=1).fit(ids, ["pos", "pos", "neg", "neg"])


def test_values_per_step_mismatch_names_both_counts():
    # Fitted on univariate sequences (2-D X): 1 value per step, not "()".
    X, y = data()
    model = tiny(LSTMRegressor).fit(X, y)
    message = r"X has 3 values per step, but LSTMRegressor was fitted with 1\."
    with pytest.raises(ValueError, match=message):
        model.predict(np.zeros((2, 6, 3)))
