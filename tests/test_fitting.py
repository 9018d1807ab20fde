"""A fit is safe: small data works by default, and a fit that fails changes nothing.

Covers early_stopping='auto', Ctrl-C, failed fits and refits, diverged
training, weights and the device parameter (sklstm/_net.py and its use in
every estimator).
"""

import os
import signal
import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
import torch
from conftest import fail_on_forward_call
from sklearn.exceptions import NotFittedError
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from skorch.callbacks import Callback, EarlyStopping

from sklstm import CharTokenizer, LSTMClassifier, LSTMRegressor, LSTMTextGenerator
from sklstm._base import AUTO_EARLY_STOPPING_MIN_SAMPLES
from sklstm._module import LSTMNet
from sklstm._net import InterruptibleNet

TOY_TEXTS = ["I love this!", "great movie", "I hate this.", "awful film"]
TOY_LABELS = ["pos", "pos", "neg", "neg"]


def ids_and_labels(n=40, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.integers(2, 9, size=(n, 5))
    y = np.where(np.arange(n) % 2 == 0, "a", "b")
    return X, y




# -- 1. defaults on small data ---------------------------------------------------


def test_the_four_sentence_task_fits_with_default_settings():
    model = make_pipeline(CharTokenizer(), LSTMClassifier(max_epochs=40, random_state=0))
    model.fit(TOY_TEXTS, TOY_LABELS)
    assert model[-1].do_early_stopping_ is False
    assert model.predict(TOY_TEXTS).tolist() == TOY_LABELS


def test_auto_early_stopping_turns_on_with_enough_data():
    n = AUTO_EARLY_STOPPING_MIN_SAMPLES
    X, y = ids_and_labels(n)
    model = LSTMClassifier(units=4, max_epochs=1, random_state=0).fit(X, y)
    assert model.do_early_stopping_ is True
    assert "valid_loss" in model.history_[0]
    model = LSTMClassifier(units=4, max_epochs=1, random_state=0).fit(X[: n - 1], y[: n - 1])
    assert model.do_early_stopping_ is False
    assert "valid_loss" not in model.history_[0]


def test_auto_early_stopping_stays_off_when_a_class_cannot_be_split():
    n = AUTO_EARLY_STOPPING_MIN_SAMPLES + 10
    X, _ = ids_and_labels(n)
    y = np.array(["a"] * (n - 1) + ["b"])  # one sample of "b": no stratified split
    model = LSTMClassifier(units=4, max_epochs=1, random_state=0).fit(X, y)
    assert model.do_early_stopping_ is False


def test_regressor_defaults_work_on_three_rows_and_true_says_why_not():
    X = np.array([[0.1, 0.2, 0.3], [0.2, 0.3, 0.4], [0.3, 0.4, 0.5]])
    y = [0.4, 0.5, 0.6]
    model = LSTMRegressor(units=4, max_epochs=2, random_state=0).fit(X, y)
    assert model.do_early_stopping_ is False
    assert np.isfinite(model.predict(X)).all()
    with pytest.raises(
        ValueError,
        match=r"early_stopping=True holds out validation_fraction=0.1 of the 3 samples "
        r"\(1\), which must be at least 2 samples.*Pass early_stopping='auto'",
    ):
        LSTMRegressor(early_stopping=True).fit(X, y)


def test_early_stopping_true_with_room_holds_out_and_records_it():
    X, y = ids_and_labels(40)
    model = LSTMClassifier(units=4, max_epochs=2, early_stopping=True, random_state=0)
    model.fit(X, y)
    assert model.do_early_stopping_ is True
    assert "valid_score" in model.history_[0]


# -- 2. Ctrl-C ------------------------------------------------------------------


@pytest.mark.parametrize("early_stopping", [True, False])
def test_an_interrupt_reaches_the_caller_and_leaves_no_model(monkeypatch, early_stopping):
    X, y = ids_and_labels()
    fail_on_forward_call(monkeypatch, 3, KeyboardInterrupt())
    model = LSTMClassifier(units=4, max_epochs=5, early_stopping=early_stopping)
    with pytest.raises(KeyboardInterrupt):
        model.fit(X, y)
    with pytest.raises(NotFittedError):
        model.predict(X)


def test_an_interrupt_stops_a_grid_search(monkeypatch):
    X, y = ids_and_labels()
    fail_on_forward_call(monkeypatch, 5, KeyboardInterrupt())
    search = GridSearchCV(
        LSTMClassifier(units=4, max_epochs=3, early_stopping=False), {"units": [4, 8]}, cv=2
    )
    with pytest.raises(KeyboardInterrupt):
        search.fit(X, y)
    assert not hasattr(search, "best_estimator_")


def test_stopping_early_is_not_taken_for_an_interrupt():
    X, y = ids_and_labels(80)
    # A learning rate this high makes the validation loss stop improving at once.
    model = LSTMClassifier(
        units=4, max_epochs=30, early_stopping=True, n_iter_no_change=1,
        learning_rate=0.5, random_state=0,
    ).fit(X, y)
    assert model.n_iter_ < 30


class StopAtEpoch(Callback):
    """Stops training the skorch way (raising KeyboardInterrupt) at epoch ``epoch``."""

    def __init__(self, epoch=2):
        self.epoch = epoch

    def on_epoch_end(self, net, **kwargs):
        if len(net.history) == self.epoch:
            raise KeyboardInterrupt


class CtrlCAtEpoch(StopAtEpoch):
    """A real Ctrl-C (SIGINT) arriving while a user callback runs."""

    def on_epoch_end(self, net, **kwargs):
        if len(net.history) == self.epoch:
            os.kill(os.getpid(), signal.SIGINT)
            for _ in range(1000):  # the handler runs between two bytecodes
                sum(range(10))


@pytest.mark.parametrize("cls", [LSTMClassifier, LSTMRegressor])
def test_skorch_early_stopping_in_callbacks_ends_training_as_in_skorch(cls):
    X, y = ids_and_labels()
    y = y if cls is LSTMClassifier else (y == "a").astype(float)
    model = cls(
        units=4, max_epochs=50, early_stopping=False, learning_rate=0.5, random_state=0,
        callbacks=[EarlyStopping(monitor="train_loss", patience=1)],
    ).fit(X, y)
    assert model.n_iter_ < 50
    assert model.predict(X).shape[0] == len(X)


def test_a_callback_that_stops_the_skorch_way_stops_every_kind_of_fit():
    X, y = ids_and_labels()
    model = LSTMClassifier(units=4, max_epochs=6, early_stopping=False, random_state=0).fit(X, y)
    assert model.n_iter_ == 6
    model.set_params(callbacks=[StopAtEpoch(2)]).fit(X, y)  # on a fitted model
    assert model.n_iter_ == 2
    model.set_params(warm_start=True, callbacks=[("stop", StopAtEpoch(3))]).fit(X, y)
    assert model.n_iter_ == 2 + 3
    generator = LSTMTextGenerator(
        max_length=8, units=4, max_epochs=6, random_state=0, callbacks=[StopAtEpoch(2)]
    ).fit(TOY_TEXTS)
    assert generator.n_iter_ == 2


@pytest.mark.skipif(
    not hasattr(signal, "SIGINT") or os.name == "nt", reason="sends itself SIGINT (POSIX)"
)
def test_a_real_ctrl_c_inside_a_user_callback_still_reaches_the_caller():
    X, y = ids_and_labels()
    model = LSTMClassifier(
        units=4, max_epochs=6, early_stopping=False, callbacks=[CtrlCAtEpoch(2)]
    )
    with pytest.raises(KeyboardInterrupt):
        model.fit(X, y)
    with pytest.raises(NotFittedError):
        model.predict(X)
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


# -- 3. a failed fit changes nothing -----------------------------------------------


def test_a_failed_refit_leaves_the_earlier_model_predicting_as_before(monkeypatch):
    X, y = ids_and_labels()
    model = LSTMClassifier(units=4, max_epochs=2, early_stopping=False, random_state=0)
    model.fit(X, y)
    before = model.predict_proba(X)
    fitted_state = dict(vars(model))
    # New labels and larger token ids, failing in the middle of training.
    fail_on_forward_call(monkeypatch, 2, RuntimeError("out of memory"))
    with pytest.raises(RuntimeError, match="out of memory"):
        with pytest.warns(UserWarning, match="read as token ids"):
            model.fit(X + 20, np.where(y == "a", "pos", "neg"))
    monkeypatch.undo()
    assert vars(model) == fitted_state
    assert model.classes_.tolist() == ["a", "b"]
    np.testing.assert_array_equal(model.predict_proba(X), before)


def test_a_failed_first_fit_leaves_the_estimator_unfitted(monkeypatch):
    X, y = ids_and_labels()
    model = LSTMRegressor(units=4, max_epochs=2)
    fail_on_forward_call(monkeypatch, 2, RuntimeError("boom"))
    with pytest.raises(RuntimeError, match="boom"):
        model.fit(X.astype(float), np.arange(len(X), dtype=float))
    with pytest.raises(NotFittedError, match="This LSTMRegressor instance is not fitted yet"):
        model.predict(X.astype(float))
    assert not [name for name in vars(model) if name.endswith("_")]


def test_a_failed_generator_refit_keeps_the_earlier_generator(monkeypatch):
    generator = LSTMTextGenerator(max_length=8, units=4, max_epochs=1, random_state=0)
    generator.fit(["hello world"] * 4)
    before = generator.generate("he", n_tokens=5, temperature=0)
    vocabulary = dict(generator.tokenizer_.vocabulary_)
    fail_on_forward_call(monkeypatch, 1, KeyboardInterrupt())
    with pytest.raises(KeyboardInterrupt):
        generator.fit(["other text entirely, with new letters: xyzq"] * 4)
    monkeypatch.undo()
    assert generator.tokenizer_.vocabulary_ == vocabulary
    assert generator.generate("he", n_tokens=5, temperature=0) == before


def test_a_refit_that_succeeds_drops_attributes_of_the_earlier_fit():
    X, y = ids_and_labels()
    model = LSTMRegressor(units=4, max_epochs=1, random_state=0)
    model.fit(X, y == "a")  # token ids: vocabulary_size_
    assert hasattr(model, "vocabulary_size_")
    model.fit(X.astype(float), y == "a")  # numeric sequences: no vocabulary
    assert model.input_type_ == "sequences"
    assert not hasattr(model, "vocabulary_size_")


# -- 4. no silent NaN models -----------------------------------------------------------


def test_a_diverging_fit_raises_naming_the_epoch_and_the_causes():
    X, y = ids_and_labels()
    model = LSTMRegressor(units=4, max_epochs=3, learning_rate=1e30, early_stopping=False)
    with pytest.raises(
        ValueError,
        match=r"The training loss is inf at epoch 2: training diverged, so the model "
        r"would predict NaN. To fix it, lower learning_rate \(now 1e\+30\), check "
        r"that sample_weight and class_weight",
    ):
        model.fit(X, (y == "a").astype(float))
    assert not hasattr(model, "net_")


@pytest.mark.parametrize("early_stopping, loss", [(False, "training"), (True, "validation")])
def test_a_nan_loss_stops_fit(monkeypatch, early_stopping, loss):
    X, y = ids_and_labels(60)
    original = LSTMNet.forward

    def forward(self, *args, **kwargs):
        outputs = original(self, *args, **kwargs)
        # NaN outputs where the loss of that epoch is computed.
        return outputs * float("nan") if self.training != early_stopping else outputs

    monkeypatch.setattr(LSTMNet, "forward", forward)
    model = LSTMClassifier(units=4, max_epochs=3, early_stopping=early_stopping)
    with pytest.raises(ValueError, match=rf"The {loss} loss is nan at epoch 1"):
        model.fit(X, y)
    with pytest.raises(NotFittedError):
        model.predict(X)


def test_weights_left_non_finite_are_refused(monkeypatch):
    # Overflow inside the LSTM can leave NaN weights behind a finite loss
    # (saturated gates); here the last optimizer step writes the NaN.
    original = InterruptibleNet.fit_loop

    def fit_loop(self, *args, **kwargs):
        result = original(self, *args, **kwargs)
        with torch.no_grad():
            self.module_.head.bias[0] = float("nan")
        return result

    monkeypatch.setattr(InterruptibleNet, "fit_loop", fit_loop)
    X, y = ids_and_labels()
    model = LSTMClassifier(units=4, max_epochs=1)
    with pytest.raises(
        ValueError, match=r"Training left non-finite values in the weights \(head.bias\)"
    ):
        model.fit(X, y)
    with pytest.raises(NotFittedError):
        model.predict(X)


@pytest.mark.parametrize(
    "class_weight, message",
    [
        (
            {"a": -1, "b": 1},
            r"class_weight\['a'\] is -1; class weights must be finite numbers >= 0",
        ),
        ({"a": float("nan"), "b": 1}, r"class_weight\['a'\] is nan"),
        ({"a": float("inf")}, r"class_weight\['a'\] is inf"),
        ({"a": "1"}, r"class_weight\['a'\] is '1'"),
        ({"a": 0, "b": 0}, r"leave every sample with weight 0"),
    ],
)
def test_bad_class_weights_are_refused(class_weight, message):
    X, y = ids_and_labels()
    with pytest.raises(ValueError, match=message):
        LSTMClassifier(units=4, max_epochs=1, class_weight=class_weight).fit(X, y)


@pytest.mark.parametrize("cls", [LSTMClassifier, LSTMRegressor])
def test_sample_weights_all_zero_are_refused(cls):
    X, y = ids_and_labels()
    target = y if cls is LSTMClassifier else (y == "a").astype(float)
    with pytest.raises(ValueError, match=r"Sample weights must contain at least one non-zero"):
        cls(units=4, max_epochs=1).fit(X, target, sample_weight=np.zeros(len(X)))


def test_regression_targets_near_float64_range_are_handled():
    X = np.linspace(0, 1, 60).reshape(20, 3)
    y = (1 + X[:, -1]) * 1e200
    model = LSTMRegressor(units=8, max_epochs=30, learning_rate=0.01, random_state=0)
    predictions = model.fit(X, y).predict(X)
    assert np.isfinite(predictions).all()
    assert np.all((predictions > 0.5e200) & (predictions < 2.5e200))
    with pytest.raises(ValueError, match=r"y holds 2e\+301 at row 3: targets beyond 1e\+300"):
        LSTMRegressor(max_epochs=1).fit(X[:4], [1.0, 2.0, 3.0, 2e301])


# -- 6. devices -------------------------------------------------------------------------


def test_a_device_this_machine_lacks_is_refused_with_what_is_available(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    X, y = ids_and_labels()
    for cls in (LSTMClassifier, LSTMRegressor):
        with pytest.raises(
            ValueError,
            match=r"device='cuda', but this machine and build of torch .* have no cuda "
            r"device; the devices available here are \['cpu'.*Pass device='cpu'",
        ):
            cls(device="cuda", max_epochs=1).fit(X, (y == "a").astype(float))
    with pytest.raises(ValueError, match=r"device='cuda'"):
        LSTMTextGenerator(device="cuda").fit(["hello"])


def test_an_unknown_device_name_is_refused():
    X, y = ids_and_labels()
    with pytest.raises(ValueError, match=r"device='gpu0' is not a torch device"):
        LSTMClassifier(device="gpu0", max_epochs=1).fit(X, y)


def test_a_torch_device_object_is_accepted():
    X, y = ids_and_labels()
    model = LSTMClassifier(units=4, max_epochs=1, device=torch.device("cpu"), random_state=0)
    model.fit(X, y)
    assert model.get_params()["device"] == torch.device("cpu")
    assert model.predict(X).shape == (len(X),)


@pytest.mark.skipif(
    not torch.cuda.is_available(), reason="needs a CUDA device; none on this machine"
)
def test_a_model_fitted_on_cuda_predicts_like_on_cpu():  # pragma: no cover - no GPU here
    X, y = ids_and_labels()
    on_gpu = LSTMClassifier(units=4, max_epochs=2, device="cuda", random_state=0).fit(X, y)
    on_gpu.net_.module_.to("cpu")
    assert on_gpu.predict(X).shape == (len(X),)


@pytest.mark.skipif(
    not torch.cuda.is_available(), reason="needs a CUDA device; none on this machine"
)
def test_fused_adam_pretrains_and_continues_on_cuda():  # pragma: no cover - no GPU here
    # A fit that pretrains fuses Adam on CUDA as on the CPU: the fine-tuning's
    # per-layer optimizer must rebuild it, and its moments (and step counts)
    # carry over a warm start and partial_fit.
    X, y = ids_and_labels()
    y_partial = np.array(y, dtype=object)
    y_partial[::3] = -1  # labels alternate: both classes keep labeled rows
    labeled = y_partial != -1
    model = LSTMClassifier(
        units=4, max_epochs=2, pretraining_epochs=1, fine_tuning="ulmfit",
        pretrained_layers="all", pooling="mean", weight_decay=0.01, device="cuda",
        random_state=0,
    ).fit(X, y_partial)
    assert model.net_.optimizer_.defaults["fused"]
    model.set_params(warm_start=True).fit(X[labeled], y[labeled])
    model.partial_fit(X[labeled], y[labeled])
    assert model.n_iter_ == 5
    assert np.isfinite(model.predict_proba(X)).all()


def test_adam_is_fused_where_the_fit_pretrains_only():
    X, y = ids_and_labels()
    plain = LSTMClassifier(units=4, max_epochs=1, random_state=0).fit(X, y)
    assert not plain.net_.optimizer_.defaults.get("fused")
    y_partial = np.array(y, dtype=object)
    y_partial[::3] = -1
    pretrained = LSTMClassifier(
        units=4, max_epochs=1, pretraining_epochs=1, pretrained_layers="all", pooling="mean",
        fine_tuning="discriminative", random_state=0,
    ).fit(X, y_partial)
    assert pretrained.net_.optimizer_.defaults["fused"]


def test_predictions_run_where_the_weights_are():
    # A model whose device parameter names a device that is gone (fitted on a
    # GPU, loaded on a laptop) predicts on the CPU its weights were loaded on.
    X, y = ids_and_labels()
    model = LSTMClassifier(units=4, max_epochs=1, random_state=0).fit(X, y)
    expected = model.predict_proba(X)
    model.set_params(device="cuda:7")
    np.testing.assert_array_equal(model.predict_proba(X), expected)


def test_seeded_fits_in_threads_match_fits_one_after_the_other():
    # torch's generator is one per process: concurrent fits must not draw from
    # each other's stream (joblib's threading backend, a web server).
    X, y = ids_and_labels(80)
    params = dict(units=8, max_epochs=4, dropout=0.3, early_stopping=True, random_state=0)
    expected = LSTMClassifier(**params).fit(X, y).predict_proba(X)
    models = [LSTMClassifier(**params) for _ in range(3)]
    start = threading.Barrier(len(models))

    def fit(model):
        start.wait()
        return model.fit(X, y)

    with ThreadPoolExecutor(len(models)) as pool:
        fitted = list(pool.map(fit, models))
    for model in fitted:
        np.testing.assert_array_equal(model.predict_proba(X), expected)


def test_the_base_class_is_abstract():
    from sklstm._base import BaseLSTM

    with pytest.raises(TypeError, match="abstract"):
        BaseLSTM()
