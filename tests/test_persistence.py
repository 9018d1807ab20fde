"""Saving and loading: plain state, version stamp, skops.io without pickle, device fallback."""

import copy
import pickle
import re
import warnings

import joblib
import numpy as np
import pytest
import sklearn
import skorch
import torch
from sklearn.base import BaseEstimator
from sklearn.exceptions import InconsistentVersionWarning as SklearnVersionWarning
from sklearn.pipeline import Pipeline, make_pipeline

import sklstm
from sklstm import CharTokenizer, LSTMClassifier, LSTMRegressor, LSTMTextGenerator, _persistence
from sklstm._net import SampleWeightedNet
from sklstm.exceptions import InconsistentVersionWarning

# The classes a user trusts when loading an sklstm model with skops.io (the
# user guide lists the same). Not "every sklstm type": sklstm's skorch nets
# unpickle their state, and must never be trusted.
SKLSTM_TYPES = [
    "sklstm._classifier.LSTMClassifier",
    "sklstm._regressor.LSTMRegressor",
    "sklstm._generator.LSTMTextGenerator",
    "sklstm._tokenizer.CharTokenizer",
]
SKOPS_REASON = "skops is optional: pip install 'sklstm[skops]'"


@pytest.fixture(scope="module")
def fitted(toy_sentiment_sentences, toy_sine_windows):
    """One small fitted model of each kind, with the data to predict on."""
    texts, labels = toy_sentiment_sentences
    X_seq, y_seq = toy_sine_windows
    small = dict(units=8, max_epochs=2, random_state=0)
    pipeline = make_pipeline(
        CharTokenizer(level="word"), LSTMClassifier(early_stopping=True, **small)
    ).fit(texts, labels)
    regressor = LSTMRegressor(learning_rate_schedule="adaptive", **small).fit(X_seq, y_seq)
    generator = LSTMTextGenerator(max_length=16, **small).fit(texts)
    unseen = texts[:10] + ["zebras were good", "", "THE FOOD WAS AWFUL!!"]
    return {
        "pipeline": (pipeline, unseen),
        "regressor": (regressor, X_seq[:20]),
        "generator": (generator, unseen),
    }


def _outputs(model, X):
    """What a model computes, to compare before and after a round trip."""
    if isinstance(model, LSTMTextGenerator):
        return [model.generate("the food", n_tokens=12, temperature=0), model.score(X)]
    if hasattr(model, "predict_proba"):
        return [model.predict_proba(X), model.predict(X)]
    return [model.predict(X)]


def _assert_same_outputs(loaded, model, X):
    for got, expected in zip(_outputs(loaded, X), _outputs(model, X), strict=True):
        np.testing.assert_array_equal(got, expected)


def _walk(value, path="state"):
    """Yield (path, value) for every leaf of a saved state, estimators' states included."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _walk(item, f"{path}[{key!r}]")
    elif isinstance(value, (list, tuple)):
        for index, item in enumerate(value):
            yield from _walk(item, f"{path}[{index}]")
    elif isinstance(value, BaseEstimator):
        yield path, value
        yield from _walk(value.__getstate__(), f"{path}.__getstate__()")
    else:
        yield path, value


# -- the state ---------------------------------------------------------------------


@pytest.mark.parametrize("name", ["pipeline", "regressor", "generator"])
def test_state_holds_no_torch_or_skorch_object(fitted, name):
    model, _ = fitted[name]
    leaves = list(_walk(model.__getstate__()))
    foreign = [
        (path, type(value).__module__)
        for path, value in leaves
        if type(value).__module__.split(".")[0] in {"torch", "skorch"}
    ]
    assert foreign == []
    # The weights are there, as NumPy arrays.
    weights = [value for path, value in leaves if "module_state" in path]
    assert weights and all(isinstance(value, np.ndarray) for value in weights)


def test_state_records_the_versions_and_plain_net_parameters(fitted):
    classifier = fitted["pipeline"][0][-1]
    state = classifier.__getstate__()
    assert state["_sklstm_versions"] == {
        "sklstm": sklstm.__version__,
        "scikit-learn": sklearn.__version__,
        "torch": torch.__version__,
        "skorch": skorch.__version__,
    }
    assert "net_" not in state
    params = state["_net_state"]["params"]
    assert params["module__units"] == 8 and params["device"] == "cpu"
    assert params["criterion__reduction"] == "none"
    # Adam's moments are not saved: fit never reads them again.
    assert set(state["_net_state"]) == {"params", "module_state"}


def test_unfitted_estimator_round_trips():
    model = pickle.loads(pickle.dumps(LSTMClassifier(units=4)))
    assert model.units == 4 and not hasattr(model, "net_")


# -- pickle and joblib -----------------------------------------------------------------


@pytest.mark.parametrize("name", ["pipeline", "regressor", "generator"])
def test_joblib_and_pickle_round_trips_predict_identically(fitted, name, tmp_path):
    model, X = fitted[name]
    path = tmp_path / "model.joblib"
    joblib.dump(model, path)
    for loaded in (joblib.load(path), pickle.loads(pickle.dumps(model))):
        _assert_same_outputs(loaded, model, X)
        net = (loaded[-1] if isinstance(loaded, Pipeline) else loaded).net_
        assert net.initialized_ and net.device == "cpu"


def test_loading_leaves_the_global_torch_generator_alone(fitted):
    blob = pickle.dumps(fitted["regressor"][0])
    torch.manual_seed(0)
    expected = torch.rand(3)
    torch.manual_seed(0)
    pickle.loads(blob)
    torch.testing.assert_close(torch.rand(3), expected, rtol=0, atol=0)


def test_state_saved_before_the_stamp_still_loads(fitted):
    # Files saved before this format hold the skorch net itself (and no stamp).
    model, X = fitted["regressor"]
    old_state = dict(vars(copy.deepcopy(model)))
    loaded = LSTMRegressor.__new__(LSTMRegressor)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        loaded.__setstate__(old_state)
    _assert_same_outputs(loaded, model, X)


# -- the version stamp ----------------------------------------------------------


def test_other_versions_warn_on_load(fitted, monkeypatch):
    model, X = fitted["regressor"]
    current = _persistence.version_stamp()
    monkeypatch.setattr(
        _persistence, "version_stamp", lambda: {**current, "torch": "1.13.0", "skorch": "0.15.0"}
    )
    blob = pickle.dumps(model)
    monkeypatch.undo()
    torch_version, skorch_version = map(re.escape, (torch.__version__, skorch.__version__))
    expected = (
        r"LSTMRegressor was saved with torch 1\.13\.0, skorch 0\.15\.0 and is loaded "
        rf"with torch {torch_version}, skorch {skorch_version}\. It may predict "
        r"differently or fail; refit it, or load it where the versions it was saved "
        r"with are installed\."
    )
    with pytest.warns(InconsistentVersionWarning, match=expected) as record:
        loaded = pickle.loads(blob)
    warning = record[0].message
    # One filter on scikit-learn's warning catches sklstm's too.
    assert isinstance(warning, SklearnVersionWarning)
    assert warning.original_versions["torch"] == "1.13.0"
    assert warning.current_sklearn_version == sklearn.__version__
    _assert_same_outputs(loaded, model, X)


def test_same_versions_load_silently(fitted):
    blob = pickle.dumps(fitted["pipeline"][0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        pickle.loads(blob)


# -- the device -------------------------------------------------------------------


@pytest.mark.parametrize("name", ["pipeline", "generator"])
def test_weights_saved_on_an_absent_gpu_load_on_cpu(fitted, name, monkeypatch):
    model, X = fitted[name]
    estimator = model[-1] if isinstance(model, Pipeline) else model
    # What a model fitted on a GPU says in its state (its weights are saved
    # as arrays, from whatever device).
    state = estimator.__getstate__()
    state["device"] = "cuda"
    state["_net_state"]["params"]["device"] = "cuda"
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    loaded = type(estimator).__new__(type(estimator))
    expected = (
        rf"{type(estimator).__name__} was saved with device='cuda', which is not "
        r"available here; its weights are loaded on CPU and its device is set to 'cpu'\."
    )
    with pytest.warns(UserWarning, match=expected):
        loaded.__setstate__(state)
    assert loaded.device == "cpu" and loaded.net_.device == "cpu"
    assert {p.device.type for p in loaded.net_.module_.parameters()} == {"cpu"}
    if isinstance(model, Pipeline):
        loaded = Pipeline([*model.steps[:-1], (model.steps[-1][0], loaded)])
    _assert_same_outputs(loaded, model, X)


def test_device_available():
    assert _persistence.device_available("cpu")
    assert _persistence.device_available("cuda") == torch.cuda.is_available()
    assert not _persistence.device_available(f"cuda:{torch.cuda.device_count()}")


# -- skops.io ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "name, untrusted",
    [
        ("pipeline", ["sklstm._classifier.LSTMClassifier", "sklstm._tokenizer.CharTokenizer"]),
        ("regressor", ["sklstm._regressor.LSTMRegressor"]),
        ("generator", ["sklstm._generator.LSTMTextGenerator", "sklstm._tokenizer.CharTokenizer"]),
    ],
)
def test_skops_round_trip_trusts_only_sklstm_classes(fitted, name, untrusted, tmp_path):
    sio = pytest.importorskip("skops.io", reason=SKOPS_REASON)
    model, X = fitted[name]
    path = tmp_path / "model.skops"
    sio.dump(model, path)
    assert sio.get_untrusted_types(file=path) == untrusted
    loaded = sio.load(path, trusted=SKLSTM_TYPES)
    _assert_same_outputs(loaded, model, X)


class _WritesMarker:
    """Unpickled, runs ``eval`` that writes a file: the side effect to watch for."""

    def __init__(self, path):
        self.path = str(path)

    def __reduce__(self):
        return eval, (f"open({self.path!r}, 'w').write('ran') and {{}}",)


def _dump_with_state(sio, model, path, classifier_state, monkeypatch):
    """Write ``model`` with skops, its classifier's state replaced by ``classifier_state``."""
    with monkeypatch.context() as patch:
        patch.setattr(LSTMClassifier, "__getstate__", lambda self: classifier_state)
        sio.dump(model, path)


def test_skops_refuses_a_pickle_payload_in_the_old_net_format(fitted, tmp_path, monkeypatch):
    sio = pytest.importorskip("skops.io", reason=SKOPS_REASON)
    from skops.io.exceptions import UntrustedTypesFoundException

    model, _ = fitted["pipeline"]
    marker = tmp_path / "payload-ran"
    # What skorch's NeuralNet.__getstate__ writes, with the pickle inside replaced:
    # skorch's __setstate__ unpickles it.
    payload = {
        "device": "cpu",
        "__cuda_dependent_attributes__": pickle.dumps(_WritesMarker(marker)),
    }
    monkeypatch.setattr(SampleWeightedNet, "__getstate__", lambda self: payload)
    state = model[-1].__getstate__()
    del state["_net_state"]
    state["net_"] = SampleWeightedNet.__new__(SampleWeightedNet)
    path = tmp_path / "tampered.skops"
    _dump_with_state(sio, model, path, state, monkeypatch)

    untrusted = sio.get_untrusted_types(file=path)
    # Unlike the clean file's list, this one names the net: the tampering shows.
    assert untrusted == [
        "sklstm._classifier.LSTMClassifier",
        "sklstm._net.SampleWeightedNet",
        "sklstm._tokenizer.CharTokenizer",
    ]
    with pytest.raises(UntrustedTypesFoundException, match=r"sklstm\._net\.SampleWeightedNet"):
        sio.load(path, trusted=SKLSTM_TYPES)
    assert not marker.exists()
    # The payload is real: trusting every listed type runs it.
    sio.load(path, trusted=untrusted)
    assert marker.read_text() == "ran"


def test_skops_never_unpickles_bytes_in_place_of_weights(fitted, tmp_path, monkeypatch):
    sio = pytest.importorskip("skops.io", reason=SKOPS_REASON)
    model, _ = fitted["pipeline"]
    marker = tmp_path / "payload-ran"
    state = model[-1].__getstate__()
    state["_net_state"]["module_state"]["head.weight"] = pickle.dumps(_WritesMarker(marker))
    path = tmp_path / "tampered.skops"
    _dump_with_state(sio, model, path, state, monkeypatch)

    # bytes are a type skops trusts, and sklstm reads them as nothing but data.
    assert sio.get_untrusted_types(file=path) == [
        "sklstm._classifier.LSTMClassifier",
        "sklstm._tokenizer.CharTokenizer",
    ]
    expected = (
        r"The saved weights of LSTMClassifier hold a bytes for 'head\.weight', not an "
        r"array of numbers: the file is damaged or was not written by sklstm\."
    )
    with pytest.raises(ValueError, match=expected):
        sio.load(path, trusted=SKLSTM_TYPES)
    assert not marker.exists()


def test_a_model_saved_before_newer_parameters_existed_loads_with_their_defaults():
    import pickle

    import numpy as np

    from sklstm import LSTMClassifier

    X = np.array([[2, 3, 0], [3, 2, 2], [4, 5, 0], [5, 4, 4]] * 5)
    y = ["a", "a", "b", "b"] * 5
    model = LSTMClassifier(units=4, max_epochs=1, random_state=0).fit(X, y)
    state = model.__getstate__()
    for name in ("precision", "embeddings", "warm_start", "callbacks"):
        del state[name]  # as an earlier version saved it
    old = LSTMClassifier.__new__(LSTMClassifier)
    old.__setstate__(state)
    assert old.precision == "float32" and old.embeddings is None
    np.testing.assert_array_equal(old.predict_proba(X), model.predict_proba(X))
    assert pickle.loads(pickle.dumps(old)).get_params() == model.get_params()


def test_a_torch_device_parameter_is_saved_as_its_name(tmp_path):
    sio = pytest.importorskip("skops.io", reason=SKOPS_REASON)
    X = np.array([[2, 2, 0], [2, 0, 0], [3, 3, 3], [3, 3, 0]] * 4)
    model = LSTMClassifier(units=4, max_epochs=1, device=torch.device("cpu"), random_state=0)
    model.fit(X, [0, 0, 1, 1] * 4)
    path = tmp_path / "model.skops"
    sio.dump(model, path)
    assert sio.get_untrusted_types(file=path) == ["sklstm._classifier.LSTMClassifier"]
    loaded = sio.load(path, trusted=SKLSTM_TYPES)
    assert loaded.device == "cpu"
    assert model.device == torch.device("cpu")  # the estimator keeps what it was given
    _assert_same_outputs(loaded, model, X)
