"""LSTMClassifier: labels, probabilities, weights, early stopping, seeding."""

import random

import numpy as np
import pandas as pd
import pytest
import torch
from conftest import fast
from torch import nn

from sklstm import LSTMClassifier


def tiny(**params):
    return fast(LSTMClassifier, **params)

def separable_sequences(n=120, steps=6, seed=0):
    """Univariate sequences whose class is the sign of their mean."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, steps))
    X += np.where(np.arange(n) % 2 == 0, 1.0, -1.0)[:, np.newaxis]
    y = np.where(np.arange(n) % 2 == 0, "up", "down")
    return X, y


@pytest.mark.parametrize(
    "labels",
    [
        np.array(["down", "up"]),
        np.array([3, 7]),
        np.array([True, False]),
        np.array(["cat", "dog", "emu"]),
        np.array([0.0, 1.0, 2.0]),
    ],
    ids=["str", "int", "bool", "three-str", "float-classes"],
)
def test_predict_returns_labels_not_indices(labels):
    X, _ = separable_sequences()
    y = labels[np.arange(len(X)) % len(labels)]
    model = tiny().fit(X, y)
    np.testing.assert_array_equal(model.classes_, np.unique(labels))
    predicted = model.predict(X)
    assert predicted.dtype == model.classes_.dtype
    assert set(predicted.tolist()) <= set(labels.tolist())
    proba = model.predict_proba(X)
    assert proba.shape == (len(X), len(labels))
    assert proba.dtype == np.float64
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    np.testing.assert_array_equal(predicted, model.classes_[proba.argmax(axis=1)])


def test_default_parameters_learn_a_separable_problem():
    X, y = separable_sequences(n=400)
    model = LSTMClassifier(random_state=0).fit(X[:300], y[:300])
    assert model.score(X[300:], y[300:]) > 0.9
    losses = [epoch["train_loss"] for epoch in model.history_]
    assert losses[-1] < losses[0]


def test_history_records_each_epoch():
    X, y = separable_sequences()
    model = tiny(max_epochs=4).fit(X, y)
    assert model.n_iter_ == 4
    assert [epoch["epoch"] for epoch in model.history_] == [1, 2, 3, 4]
    assert all(set(epoch) == {"epoch", "train_loss", "dur"} for epoch in model.history_)
    assert all(isinstance(epoch["train_loss"], float) for epoch in model.history_)


def test_early_stopping_stops_and_restores_the_best_epoch():
    # Pure noise: the validation loss soon stops improving while training goes on.
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 5))
    y = rng.integers(0, 2, size=200)
    model = tiny(
        max_epochs=60,
        learning_rate=0.05,
        early_stopping=True,
        n_iter_no_change=3,
        validation_fraction=0.25,
        # (Pinned: a lowered rate makes improvements smaller than
        # EarlyStopping's threshold, and the epoch counting harder to pin.)
        learning_rate_schedule="constant",
    ).fit(X, y)
    valid_losses = [epoch["valid_loss"] for epoch in model.history_]
    assert set(model.history_[0]) == {
        "epoch", "train_loss", "valid_loss", "valid_score", "dur"
    }
    assert model.n_iter_ < 60
    best_epoch = int(np.argmin(valid_losses))
    assert best_epoch == model.n_iter_ - 1 - 3  # stopped 3 epochs after the best

    # Recompute the validation loss of the returned weights on the same split.
    inputs = {
        "X": X.astype(np.float32)[:, :, np.newaxis],
        "sample_weight": np.ones(200, np.float32),
    }
    _, valid = model.net_.get_split_datasets(inputs, y.astype(np.int64))
    targets = torch.as_tensor(np.array([valid[i][1] for i in range(len(valid))]))
    logits = model.net_.forward(valid, training=False)
    recomputed = nn.functional.cross_entropy(logits, targets).item()
    assert recomputed == pytest.approx(valid_losses[best_epoch], rel=1e-5)
    assert len(valid) == 50
    # stratified: both classes held out in proportion
    assert abs(targets.float().mean().item() - y.mean()) < 0.05


def test_verbose_prints_per_epoch_and_silent_by_default(capsys):
    X, y = separable_sequences()
    tiny(max_epochs=2).fit(X, y)
    assert capsys.readouterr().out == ""
    tiny(max_epochs=2, verbose=1).fit(X, y)
    printed = capsys.readouterr().out
    assert "train_loss" in printed
    assert len([line for line in printed.splitlines() if line.strip()[:1].isdigit()]) == 2


def test_same_random_state_gives_identical_predictions():
    X, y = separable_sequences()
    first = tiny(dropout=0.3, early_stopping=True).fit(X, y).predict_proba(X)
    second = tiny(dropout=0.3, early_stopping=True).fit(X, y).predict_proba(X)
    np.testing.assert_array_equal(first, second)
    other_seed = tiny(dropout=0.3, random_state=1).fit(X, y).predict_proba(X)
    assert not np.array_equal(first, other_seed)


def test_fit_and_predict_leave_the_global_random_states_alone():
    X, y = separable_sequences()
    torch.manual_seed(123)
    np.random.seed(123)
    random.seed(123)
    torch_state = torch.get_rng_state()
    numpy_state = np.random.get_state()
    python_state = random.getstate()
    model = tiny(early_stopping=True, dropout=0.2).fit(X, y)
    model.predict_proba(X)
    assert torch.equal(torch.get_rng_state(), torch_state)
    assert np.array_equal(np.random.get_state()[1], numpy_state[1])
    assert random.getstate() == python_state


def test_sample_weight_and_class_weight_shift_predictions():
    # Labels independent of X: the weights alone decide what the model prefers.
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 4))
    y = np.where(np.arange(200) % 2 == 0, "a", "b")
    params = dict(max_epochs=5, learning_rate=0.01)
    heavy_b = tiny(**params).fit(X, y, sample_weight=np.where(y == "b", 10.0, 1.0))
    assert np.mean(heavy_b.predict(X) == "b") > 0.9
    heavy_a = tiny(class_weight={"a": 10.0, "b": 1.0}, **params).fit(X, y)
    assert np.mean(heavy_a.predict(X) == "a") > 0.9
    # weights of ones are no weights at all
    np.testing.assert_array_equal(
        tiny().fit(X, y, sample_weight=np.ones(200)).predict_proba(X),
        tiny().fit(X, y).predict_proba(X),
    )


def test_balanced_class_weight_favours_the_minority_class():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 4))
    y = np.where(np.arange(300) % 10 == 0, "rare", "common")
    params = dict(max_epochs=5, learning_rate=0.01)
    plain = tiny(**params).fit(X, y).predict_proba(X)[:, 1]
    balanced = tiny(class_weight="balanced", **params).fit(X, y).predict_proba(X)[:, 1]
    assert balanced.mean() > plain.mean() + 0.2


def test_class_weight_naming_an_unknown_label_is_refused():
    X, y = separable_sequences()
    with pytest.raises(ValueError, match=r"class_weight names labels \['sideways'\]"):
        tiny(class_weight={"up": 2.0, "sideways": 1.0}).fit(X, y)


def test_dataframe_input_records_feature_names():
    X, y = separable_sequences()
    frame = pd.DataFrame(X, columns=[f"t{step}" for step in range(X.shape[1])])
    model = tiny().fit(frame, y)
    assert model.n_features_in_ == X.shape[1]
    np.testing.assert_array_equal(model.feature_names_in_, frame.columns)
    with pytest.warns(UserWarning, match="does not have valid feature names"):
        from_array = model.predict_proba(X)
    np.testing.assert_array_equal(model.predict_proba(frame), from_array)


@pytest.mark.parametrize("n_threads", [1, 2])
def test_fit_and_predict_use_n_threads_and_restore_the_callers(monkeypatch, n_threads):
    from sklstm._module import LSTMNet

    seen = []
    original_forward = LSTMNet.forward

    def recording_forward(module, *args, **kwargs):
        seen.append(torch.get_num_threads())
        return original_forward(module, *args, **kwargs)

    monkeypatch.setattr(LSTMNet, "forward", recording_forward)
    X, y = separable_sequences()
    callers = 3 - n_threads  # anything else than n_threads
    previous = torch.get_num_threads()
    torch.set_num_threads(callers)
    try:
        model = tiny(n_threads=n_threads).fit(X, y)
        assert torch.get_num_threads() == callers
        model.predict(X)
        assert torch.get_num_threads() == callers
    finally:
        torch.set_num_threads(previous)
    assert seen and set(seen) == {n_threads}


@pytest.mark.parametrize("early_stopping", [True, False])
def test_adaptive_schedule_lowers_the_learning_rate_when_the_loss_stalls(early_stopping):
    # Random labels: the validation loss cannot keep improving, and a learning
    # rate of 0.5 keeps the training loss from falling steadily.
    rng = np.random.default_rng(0)
    X = rng.normal(size=(80, 5))
    y = rng.integers(0, 2, size=80)
    params = dict(max_epochs=8, learning_rate=0.5, early_stopping=early_stopping,
                  n_iter_no_change=8)
    adaptive = tiny(learning_rate_schedule="adaptive", **params).fit(X, y)
    constant = tiny(learning_rate_schedule="constant", **params).fit(X, y)
    assert adaptive.net_.optimizer_.param_groups[0]["lr"] < 0.5
    assert constant.net_.optimizer_.param_groups[0]["lr"] == 0.5
    assert LSTMClassifier().learning_rate_schedule == "constant"
