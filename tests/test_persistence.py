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


# -- damaged and crafted states -----------------------------------------------------


def _load_state(estimator, state):
    """What pickle, joblib and skops.io do with a saved state."""
    loaded = type(estimator).__new__(type(estimator))
    loaded.__setstate__(state)
    return loaded


def _damaged(problem):
    return rf"The saved {problem}: the file is damaged or was not written by sklstm\."


@pytest.fixture
def never_allocates(monkeypatch):
    """Fail the test if loading initializes a net (allocating its weights)."""

    def initialize(self):
        raise AssertionError("the net was initialized before its sizes were checked")

    monkeypatch.setattr(skorch.NeuralNet, "initialize", initialize)


@pytest.mark.parametrize(
    "attribute, param, value, problem",
    [
        # 2**29 rows of 32 values: 64 GiB of embedding.
        ("vocabulary_size_", "module__vocabulary_size", 2**29,
         r"holds weights 'embedding\.weight' of shape \(\d+, \d+\) where its sizes give "
         r"\(536870912, \d+\)"),
        ("units", "module__units", 10**6,
         r"holds weights 'forward_layers\.0\.weight_ih_l0' of shape \(32, \d+\) where its "
         r"sizes give \(4000000, \d+\)"),
        ("embedding_dim", "module__embedding_dim", -3,
         r"holds sizes that build no network \(RuntimeError\)"),
    ],
)
def test_an_edited_size_is_refused_before_anything_of_it_is_allocated(
    fitted, attribute, param, value, problem, never_allocates
):
    classifier = fitted["pipeline"][0][-1]
    state = classifier.__getstate__()
    state[attribute] = value
    state["_net_state"]["params"][param] = value
    with pytest.raises(ValueError, match=_damaged(rf"LSTMClassifier {problem}")):
        _load_state(classifier, state)


def _without(mapping, key):
    mapping = dict(mapping)
    del mapping[key]
    return mapping


def _weights(state):
    return state["_net_state"]["module_state"]


def _with_weights(state, weights):
    return {**state, "_net_state": {**state["_net_state"], "module_state": weights}}


@pytest.mark.parametrize(
    "edit, problem",
    [
        (lambda s: {**s, "_sklstm_versions": "0.1.0"},
         "has a version stamp that is not a dict of version strings"),
        (lambda s: {**s, "_sklstm_versions": {"sklstm": 1}},
         "has a version stamp that is not a dict of version strings"),
        (lambda s: {**s, "_net_state": _without(s["_net_state"], "module_state")},
         r"lacks its network's 'module_state'"),
        (lambda s: {**s, "_net_state": _without(s["_net_state"], "params")},
         r"lacks its network's 'params'"),
        (lambda s: {**s, "_net_state": {**s["_net_state"], "params": {}}},
         r"has no positive number of outputs \('module__n_outputs'\)"),
        (lambda s: _with_weights(s, _without(_weights(s), "head.weight")),
         r"lacks the weights \['head\.weight'\]"),
        (lambda s: _with_weights(s, {**_weights(s), "x": np.ones(2)}),
         r"holds 1 weights that its network does not have"),
        (lambda s: _without(s, "vocabulary_size_"),
         r"lacks its fitted attribute 'vocabulary_size_'"),
        (lambda s: {**s, "vocabulary_size_": 3},
         r"has a network whose 'module__vocabulary_size' disagrees with its fitted attributes"),
        (lambda s: {**s, "classes_": np.array(["negative", "neutral", "positive"])},
         "has a network of 2 outputs for 3 classes or targets"),
        (lambda s: _without(s, "classes_"), r"lacks its fitted attribute 'classes_'"),
        (lambda s: {**s, "_token_vocabulary": "{not json"},
         "holds a vocabulary that is not a JSON object of ids"),
        (lambda s: ["not", "a", "dict"], "is a list, not a dict of attributes"),
    ],
)
def test_a_damaged_state_raises_the_damaged_error(fitted, edit, problem):
    classifier = fitted["pipeline"][0][-1]
    state = edit(classifier.__getstate__())
    with pytest.raises(ValueError, match=_damaged(rf"LSTMClassifier {problem}")):
        _load_state(classifier, state)


def test_network_parameters_that_build_no_network_are_refused(fitted):
    classifier = fitted["pipeline"][0][-1]
    state = classifier.__getstate__()
    state["_net_state"]["params"]["lr"] = "fast"
    problem = r"LSTMClassifier holds network parameters that build no network \(TypeError\)"
    with pytest.raises(ValueError, match=_damaged(problem)):
        _load_state(classifier, state)


@pytest.mark.parametrize(
    "name, edit, problem",
    [
        ("pipeline", lambda s: {**s, "vocabulary_": {"food": -4}},
         "has a vocabulary_ other than str tokens to ids from 2"),
        ("pipeline", lambda s: {**s, "vocabulary_": ["food"]},
         "has a vocabulary_ other than str tokens to ids from 2"),
        ("pipeline", lambda s: {**s, "max_length_": "12"}, "has no max_length_ from 1 to 100000"),
        ("pipeline", lambda s: {**s, "max_length_": 10**9}, "has no max_length_ from 1 to 100000"),
        ("generator", lambda s: _without(s, "_id_of_code_point"),
         "lacks its table of character ids"),
        ("generator", lambda s: {**s, "_id_of_code_point": np.zeros(2**22, dtype=np.int32)},
         "lacks its table of character ids"),
    ],
)
def test_a_damaged_tokenizer_state_raises_the_damaged_error(fitted, name, edit, problem):
    model = fitted[name][0]
    tokenizer = model[0] if isinstance(model, Pipeline) else model.tokenizer_
    with pytest.raises(ValueError, match=_damaged(rf"CharTokenizer {problem}")):
        _load_state(tokenizer, edit(tokenizer.__getstate__()))


def test_a_fitted_attribute_of_the_wrong_type_is_refused(fitted):
    regressor = fitted["regressor"][0]
    state = {**regressor.__getstate__(), "input_shape_": 7}
    expected = _damaged(r"LSTMRegressor holds a fitted attribute of the wrong type \(TypeError\)")
    with pytest.raises(ValueError, match=expected):
        _load_state(regressor, state)


def test_saved_optimizer_moments_are_checked_against_the_weights(toy_sine_windows):
    X, y = toy_sine_windows
    regressor = LSTMRegressor(units=4, max_epochs=1, warm_start=True, random_state=0).fit(X, y)
    state = regressor.__getstate__()
    moments = state["_net_state"]["optimizer_state"]
    index = next(iter(moments))
    moments[index]["exp_avg"] = np.zeros((10**4, 3), dtype=np.float32)
    problem = "LSTMRegressor holds optimizer moments of another shape than its weights"
    with pytest.raises(ValueError, match=_damaged(problem)):
        _load_state(regressor, state)
    moments["99"] = moments.pop(index)
    problem = "LSTMRegressor holds optimizer moments for weights it does not have"
    with pytest.raises(ValueError, match=_damaged(problem)):
        _load_state(regressor, state)


@pytest.mark.parametrize("boundary", [10**6, -1, "3"])
def test_a_generator_boundary_outside_its_network_is_refused(fitted, boundary):
    generator = fitted["generator"][0]
    state = generator.__getstate__()
    state["boundary_id_"] = boundary
    problem = r"has a boundary_id_ or vocabulary outside its network's \d+ ids"
    with pytest.raises(ValueError, match=_damaged(rf"LSTMTextGenerator {problem}")):
        _load_state(generator, state)


def test_a_damaged_skops_file_raises_the_damaged_error(fitted, tmp_path, monkeypatch):
    sio = pytest.importorskip("skops.io", reason=SKOPS_REASON)
    model, _ = fitted["pipeline"]
    state = model[-1].__getstate__()
    state["_sklstm_versions"] = "0.1.0"
    path = tmp_path / "damaged.skops"
    _dump_with_state(sio, model, path, state, monkeypatch)
    expected = _damaged("LSTMClassifier has a version stamp that is not a dict of version strings")
    with pytest.raises(ValueError, match=expected):
        sio.load(path, trusted=SKLSTM_TYPES)


def test_an_edited_size_in_a_skops_schema_is_refused(fitted, tmp_path, never_allocates):
    sio = pytest.importorskip("skops.io", reason=SKOPS_REASON)
    import json
    import zipfile

    model, _ = fitted["pipeline"]
    path = tmp_path / "model.skops"
    sio.dump(model, path)
    with zipfile.ZipFile(path) as archive:
        files = {name: archive.read(name) for name in archive.namelist()}
    schema = json.loads(files["schema.json"])
    classifier = schema["content"]["content"]["steps"]["content"][1]["content"][1]
    # 2**29 ids of 32 values: an embedding of 64 GiB, as in the issue.
    classifier["content"]["content"]["vocabulary_size_"]["content"] = str(2**29)
    files["schema.json"] = json.dumps(schema)
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    problem = (
        r"LSTMClassifier holds weights 'embedding\.weight' of shape \(\d+, 32\) where its "
        r"sizes give \(536870912, 32\)"
    )
    with pytest.raises(ValueError, match=_damaged(problem)):
        sio.load(path, trusted=SKLSTM_TYPES)


def test_a_loaded_generator_checks_its_window_before_scoring(fitted):
    generator = fitted["generator"][0]
    loaded = _load_state(generator, {**generator.__getstate__(), "max_length": 10**9})
    with pytest.raises(ValueError, match=r"The 'max_length' parameter of LSTMTextGenerator"):
        loaded.score(["the food was good"])


def test_models_saved_with_the_earlier_private_names_load_with_the_public_ones(fitted):
    """The regressor's target scaling and the classifier's output activation were private."""
    regressor, X = fitted["regressor"]
    state = regressor.__getstate__()
    state["_y_mean"], state["_y_scale"] = state.pop("target_mean_"), state.pop("target_scale_")
    old = LSTMRegressor.__new__(LSTMRegressor)
    old.__setstate__(state)
    np.testing.assert_array_equal(old.target_mean_, regressor.target_mean_)
    assert not hasattr(old, "_y_mean") and not hasattr(old, "_y_scale")
    np.testing.assert_array_equal(old.predict(X), regressor.predict(X))

    pipeline, texts = fitted["pipeline"]
    classifier = pipeline[-1]
    ids = pipeline[0].transform(texts)
    state = classifier.__getstate__()
    del state["out_activation_"]  # 1-D labels, saved before the attribute was public
    old = LSTMClassifier.__new__(LSTMClassifier)
    old.__setstate__(state)
    assert old.out_activation_ == "softmax"
    np.testing.assert_array_equal(old.predict_proba(ids), classifier.predict_proba(ids))
    state = {**classifier.__getstate__(), "_multilabel": True}  # a multilabel y
    del state["out_activation_"]
    old = LSTMClassifier.__new__(LSTMClassifier)
    old.__setstate__(state)
    assert old.out_activation_ == "logistic" and not hasattr(old, "_multilabel")
