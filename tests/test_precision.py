"""precision='bfloat16': mixed precision in fit and predict, float32 weights, a fallback.

The tests that compute in bfloat16 tell sklstm that the CPU supports it
(``cpu_supports_bfloat16`` patched to True), so that they run on any CPU:
without native bfloat16, oneDNN emulates it, slowly but with the same results
up to rounding. Tolerances: bfloat16 keeps 8 significant bits (a relative
rounding of 2**-9, about 0.002, per operation).
"""

import pickle
import warnings

import joblib
import numpy as np
import pytest
import torch
from conftest import fast
from sklearn.pipeline import make_pipeline

from sklstm import (
    CharTokenizer,
    LSTMClassifier,
    LSTMRegressor,
    LSTMTextGenerator,
    _device,
    _net,
)
from sklstm._device import (
    cpu_supports_bfloat16,
    effective_precision,
    supports_bfloat16,
)

ESTIMATORS = [LSTMClassifier, LSTMRegressor, LSTMTextGenerator]
# Probabilities of a tiny model computed in bfloat16 against float32 on the
# same weights: a few roundings of 2**-9 through the LSTM's steps and the head.
BF16_PROBABILITY_ATOL = 2e-2
SKOPS_REASON = "skops is optional: pip install 'sklstm[skops]'"
NO_BF16_MESSAGE = r"computes in float32: this CPU has no native bfloat16 arithmetic"


@pytest.fixture
def bf16_cpu(monkeypatch):
    """Pretend the CPU has native bfloat16 (oneDNN emulates it where it has not)."""
    monkeypatch.setattr(_device, "cpu_supports_bfloat16", lambda: True)


@pytest.fixture
def plain_cpu(monkeypatch):
    """Pretend the CPU has no native bfloat16."""
    monkeypatch.setattr(_device, "cpu_supports_bfloat16", lambda: False)


def token_data(n=96, width=12, seed=0):
    """Post-padded token ids of varied lengths, labelled by their first id's parity."""
    rng = np.random.default_rng(seed)
    X = rng.integers(2, 20, size=(n, width))
    lengths = rng.integers(1, width + 1, size=n)
    X[np.arange(width) >= lengths[:, np.newaxis]] = 0
    return X, np.where(X[:, 0] % 2 == 0, "even", "odd")


def tiny(cls=LSTMClassifier, **params):
    return fast(cls, **params)

TEXTS = ["the food was good", "the food was awful", "a nice place", "a vile place"] * 6


# -- the parameter -------------------------------------------------------------------


@pytest.mark.parametrize("cls", ESTIMATORS)
def test_precision_defaults_to_float32_and_is_a_parameter(cls):
    assert cls().precision == "float32"
    assert cls(precision="bfloat16").get_params()["precision"] == "bfloat16"


@pytest.mark.parametrize("cls", ESTIMATORS)
def test_unknown_precision_is_refused(cls):
    X, y = token_data()
    target = y if cls is LSTMClassifier else X[:, 0]
    fit_args = (TEXTS,) if cls is LSTMTextGenerator else (X, target)
    with pytest.raises(
        ValueError,
        # (a set: printed in either order)
        match=rf"'precision' parameter of {cls.__name__} must be a str among "
        r"\{'(bfloat16|float32)', '(bfloat16|float32)'\}",
    ):
        cls(precision="float16").fit(*fit_args)


@pytest.mark.parametrize("cls", ESTIMATORS)
@pytest.mark.parametrize(
    "param, value, message",
    [
        ("precision", "nonsense", r"'precision' parameter of {name} must be a str among"),
        ("n_threads", 0, r"'n_threads' parameter of {name} must be an int in the range"),
    ],
)
def test_runtime_parameters_set_after_fit_are_checked_where_they_are_used(
    cls, param, value, message
):
    X, y = token_data()
    if cls is LSTMTextGenerator:
        model = tiny(cls, max_epochs=1).fit(TEXTS)
        use = [lambda: model.score(TEXTS)]
        if param == "n_threads":  # generate computes in float32 whatever the precision
            use.append(lambda: model.generate("the", n_tokens=2))
    else:
        model = tiny(cls).fit(X, y if cls is LSTMClassifier else X[:, 0])
        use = [lambda: model.predict(X)]
    model.set_params(**{param: value})
    for call in use:
        with pytest.raises(ValueError, match=message.format(name=cls.__name__)):
            call()


# -- detecting support ------------------------------------------------------------


@pytest.mark.parametrize(
    "capabilities, expected",
    [
        ({"avx512_bf16": True, "avx512_f": True}, True),  # AMD Zen 4, Intel Cooper Lake
        ({"amx_bf16": True, "avx512_bf16": False}, True),  # Intel Sapphire Rapids
        ({"bf16": True}, True),  # ARMv8.6 (Graviton 3, Apple M2)
        ({"avx512_f": True, "avx512_bf16": False, "amx_bf16": False}, False),  # Skylake
        ({"avx2": True}, False),
        ({}, False),
    ],
)
def test_support_is_read_from_the_cpu_capabilities(capabilities, expected):
    assert supports_bfloat16(capabilities) is expected


def test_cpu_support_matches_torchs_capabilities():
    if not hasattr(torch.cpu, "get_capabilities"):
        pytest.skip(reason=f"torch {torch.__version__} has no torch.cpu.get_capabilities")
    capabilities = torch.cpu.get_capabilities()
    assert cpu_supports_bfloat16() == bool(
        capabilities.get("avx512_bf16") or capabilities.get("amx_bf16") or capabilities.get("bf16")
    )


def test_without_torchs_capabilities_the_cpuinfo_flags_are_read(tmp_path, monkeypatch):
    x86 = tmp_path / "x86"
    x86.write_text("processor\t: 0\nflags\t\t: fpu sse2 avx512f avx512_bf16\n\n")
    arm = tmp_path / "arm"
    arm.write_text("processor\t: 0\nFeatures\t: fp asimd bf16 i8mm\n")
    old = tmp_path / "old"
    old.write_text("flags\t\t: fpu sse2 avx2 avx512f\n")
    monkeypatch.delattr(torch.cpu, "get_capabilities", raising=False)
    for path, expected in [(x86, True), (arm, True), (old, False), (tmp_path / "none", False)]:
        monkeypatch.setattr(_device, "_CPUINFO", str(path))
        cpu_supports_bfloat16.cache_clear()
        try:
            assert cpu_supports_bfloat16() is expected, path.name
        finally:
            cpu_supports_bfloat16.cache_clear()


def test_unsupported_devices_warn_and_compute_in_float32(plain_cpu, monkeypatch):
    message = r"LSTMClassifier\(precision='bfloat16'\) " + NO_BF16_MESSAGE
    with pytest.warns(UserWarning, match=message):
        assert effective_precision("bfloat16", torch.device("cpu"), "LSTMClassifier") == "float32"
    monkeypatch.setattr(torch.cuda, "is_bf16_supported", lambda *args, **kwargs: False)
    message = r"computes in float32: the GPU cuda:1 does not support bfloat16"
    with pytest.warns(UserWarning, match=message):
        assert effective_precision("bfloat16", torch.device("cuda:1"), "LSTMRegressor") == "float32"
    with pytest.warns(UserWarning, match=r"on CPU and CUDA devices only, not on 'mps'"):
        assert effective_precision("bfloat16", torch.device("mps"), "LSTMRegressor") == "float32"
    monkeypatch.setattr(torch.cuda, "is_bf16_supported", lambda *args, **kwargs: True)
    assert effective_precision("bfloat16", torch.device("cuda"), "LSTMRegressor") == "bfloat16"
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert effective_precision("float32", torch.device("cpu"), "LSTMClassifier") == "float32"


def test_a_cpu_without_bf16_warns_and_fits_exactly_as_float32(plain_cpu):
    X, y = token_data()
    expected = tiny().fit(X, y).predict_proba(X)
    model = tiny(precision="bfloat16")
    with pytest.warns(UserWarning, match=r"Pass precision='float32' to silence this warning"):
        model.fit(X, y)
    assert model.net_.precision == "float32"
    with pytest.warns(UserWarning, match=NO_BF16_MESSAGE):
        np.testing.assert_array_equal(model.predict_proba(X), expected)


def test_a_generator_on_a_cpu_without_bf16_warns_in_fit_and_score(plain_cpu):
    generator = LSTMTextGenerator(max_length=8, units=8, max_epochs=1, precision="bfloat16",
                                  random_state=0)
    with pytest.warns(UserWarning, match=r"LSTMTextGenerator\(precision='bfloat16'\) computes"):
        generator.fit(TEXTS)
    with pytest.warns(UserWarning, match=NO_BF16_MESSAGE):
        generator.score(TEXTS)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # generate computes in float32 anyway
        generator.generate("the", n_tokens=3)


# -- what computes in bfloat16, and what stays float32 -----------------------------------


def test_fit_runs_the_forward_pass_in_bf16_and_keeps_float32_state(bf16_cpu):
    X, y = token_data()
    seen = {"lstm": set(), "loss": set()}
    model = tiny(precision="bfloat16", early_stopping=True, validation_fraction=0.25)

    def record_lstm(module, inputs, outputs):
        seen["lstm"].add((outputs[0].dtype, torch.is_autocast_enabled("cpu")))

    real_get_loss = _net.SampleWeightedNet.get_loss

    def get_loss(net, y_pred, y_true, X=None, training=False):
        seen["loss"].add((y_pred.dtype, torch.is_autocast_enabled("cpu")))
        return real_get_loss(net, y_pred, y_true, X=X, training=training)

    real_initialize_module = _net.SampleWeightedNet.initialize_module

    def initialize_module(net):
        real_initialize_module(net)
        net.module_.forward_layers[0].register_forward_hook(record_lstm)
        return net

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(_net.SampleWeightedNet, "get_loss", get_loss)
        patch.setattr(_net.SampleWeightedNet, "initialize_module", initialize_module)
        model.fit(X, y)
    assert seen["lstm"] == {(torch.bfloat16, True)}
    # The loss (training and validation) reads float32 outputs, outside autocast.
    assert seen["loss"] == {(torch.float32, False)}
    assert model.net_.precision == "bfloat16"
    assert all(p.dtype == torch.float32 for p in model.net_.module_.parameters())
    moments = [value for state in model.net_.optimizer_.state.values() for value in state.values()]
    assert moments and all(value.dtype == torch.float32 for value in moments)
    assert all(isinstance(epoch["train_loss"], float) for epoch in model.history_)


def test_predict_runs_in_bf16_and_returns_float64_close_to_float32(bf16_cpu):
    X, y = token_data()
    model = tiny().fit(X, y)
    exact = model.predict_proba(X)
    dtypes = []
    model.net_.module_.forward_layers[0].register_forward_hook(
        lambda module, inputs, outputs: dtypes.append(outputs[0].dtype)
    )
    # The same float32 weights, computed in bfloat16.
    model.set_params(precision="bfloat16")
    mixed = model.predict_proba(X)
    assert set(dtypes) == {torch.bfloat16}
    assert mixed.dtype == np.float64
    np.testing.assert_allclose(mixed.sum(axis=1), 1.0, rtol=1e-12)
    assert not np.array_equal(mixed, exact)
    np.testing.assert_allclose(mixed, exact, atol=BF16_PROBABILITY_ATOL)


def test_a_single_row_computes_in_float32(bf16_cpu):
    # One text (a served prediction) gains nothing from bfloat16: see
    # _device.MIN_MIXED_PRECISION_ROWS.
    X, y = token_data()
    model = tiny().fit(X, y)
    exact = [model.predict_proba(X[row : row + 1]) for row in range(3)]
    dtypes = []
    model.net_.module_.forward_layers[0].register_forward_hook(
        lambda module, inputs, outputs: dtypes.append(outputs[0].dtype)
    )
    model.set_params(precision="bfloat16")
    for row in range(3):
        np.testing.assert_array_equal(model.predict_proba(X[row : row + 1]), exact[row])
    assert set(dtypes) == {torch.float32}
    model.predict_proba(X[:2])
    assert dtypes[-1] == torch.bfloat16


def test_generate_computes_in_float32(bf16_cpu):
    generator = LSTMTextGenerator(max_length=8, units=8, max_epochs=1, random_state=0).fit(TEXTS)
    expected = generator.generate("the", n_tokens=8, temperature=0)
    assert generator.set_params(precision="bfloat16").generate(
        "the", n_tokens=8, temperature=0
    ) == expected


def test_the_output_layer_computes_in_float32_under_autocast(bf16_cpu):
    X, y = token_data()
    model = tiny(precision="bfloat16").fit(X, y)
    seen = []
    model.net_.module_.head.register_forward_hook(
        lambda module, inputs, outputs: seen.append((inputs[0].dtype, outputs.dtype))
    )
    model.predict_proba(X)
    assert set(seen) == {(torch.float32, torch.float32)}


def test_regressor_in_bf16_predicts_close_to_float32(bf16_cpu, toy_sine_windows):
    X, y = toy_sine_windows
    X = (X - 50) / 10  # bfloat16 reads inputs to 3 significant digits: scale them
    model = tiny(LSTMRegressor, max_epochs=5).fit(X, y)
    exact = model.predict(X)
    mixed = model.set_params(precision="bfloat16").predict(X)
    assert mixed.dtype == np.float64 and mixed.shape == exact.shape
    np.testing.assert_allclose(mixed, exact, atol=0.05 * np.std(y))


def test_generator_fits_scores_and_generates_in_bf16(bf16_cpu):
    generator = LSTMTextGenerator(max_length=8, units=8, max_epochs=2, precision="bfloat16",
                                  random_state=0).fit(TEXTS)
    assert generator.net_.precision == "bfloat16"
    score = generator.score(TEXTS)
    assert isinstance(score, float) and score < 0
    exact = generator.set_params(precision="float32").score(TEXTS)
    assert score == pytest.approx(exact, rel=1e-2)
    generator.set_params(precision="bfloat16")
    text = generator.generate("the", n_tokens=6, random_state=0)
    assert len(text) == 6 and text == generator.generate("the", n_tokens=6, random_state=0)


# -- correctness -------------------------------------------------------------------------


def test_padding_invariance_holds_in_bf16(bf16_cpu):
    # Padding is compacted away before the LSTM, so moving it (before, inside
    # or after the tokens of a row) leaves the bfloat16 computation as it was.
    # The tolerance is bfloat16's; it holds here exactly.
    X, y = token_data(width=12)
    X[:, 8:] = 0  # every row ends in at least 4 padding ids
    model = tiny(precision="bfloat16").fit(X, y)
    expected = model.predict_proba(X)
    lengths = np.count_nonzero(X, axis=1)
    pre = np.zeros_like(X)
    inside = np.zeros_like(X)
    for row, length in enumerate(lengths):
        pre[row, X.shape[1] - length :] = X[row, :length]
        half = length // 2
        inside[row, :half] = X[row, :half]
        inside[row, half + 4 : length + 4] = X[row, half:length]
    for padded in (pre, inside):
        np.testing.assert_allclose(
            model.predict_proba(padded), expected, atol=BF16_PROBABILITY_ATOL
        )
        np.testing.assert_array_equal(model.predict_proba(padded), expected)


def test_random_state_gives_identical_bf16_fits(bf16_cpu):
    X, y = token_data()
    first = tiny(precision="bfloat16", early_stopping=True).fit(X, y)
    second = tiny(precision="bfloat16", early_stopping=True).fit(X, y)
    np.testing.assert_array_equal(first.predict_proba(X), second.predict_proba(X))
    assert [epoch["train_loss"] for epoch in first.history_] == [
        epoch["train_loss"] for epoch in second.history_
    ]
    for name, weight in first.net_.module_.state_dict().items():
        torch.testing.assert_close(weight, second.net_.module_.state_dict()[name], rtol=0, atol=0)


def test_bf16_training_learns_what_float32_learns(bf16_cpu, toy_sentiment_sentences):
    texts, labels = toy_sentiment_sentences
    for precision in ("float32", "bfloat16"):
        model = make_pipeline(
            CharTokenizer(level="word"),
            LSTMClassifier(units=16, max_epochs=15, learning_rate=0.02, precision=precision,
                           random_state=0),
        ).fit(texts, labels)
        assert model.score(texts, labels) == 1.0, precision


# -- saving and loading ---------------------------------------------------------------------


@pytest.fixture
def bf16_models(bf16_cpu):
    X, y = token_data()
    classifier = tiny(precision="bfloat16").fit(X, y)
    generator = LSTMTextGenerator(max_length=8, units=8, max_epochs=1, precision="bfloat16",
                                  random_state=0).fit(TEXTS)
    return [(classifier, X), (generator, TEXTS)]


def _outputs(model, X):
    if isinstance(model, LSTMTextGenerator):
        return [model.score(X), model.generate("the", n_tokens=5, temperature=0)]
    return [model.predict_proba(X)]


def _assert_float32_on_disk_and_same_outputs(model, loaded, X):
    state = model.__getstate__()["_net_state"]
    assert state["params"]["precision"] == "bfloat16"
    assert all(weight.dtype == np.float32 for weight in state["module_state"].values())
    assert loaded.precision == "bfloat16" and loaded.net_.precision == "bfloat16"
    assert all(p.dtype == torch.float32 for p in loaded.net_.module_.parameters())
    for got, expected in zip(_outputs(loaded, X), _outputs(model, X), strict=True):
        np.testing.assert_array_equal(got, expected)


def test_joblib_round_trip_of_bf16_models_stays_float32(bf16_models, tmp_path):
    for model, X in bf16_models:
        path = tmp_path / f"{type(model).__name__}.joblib"
        joblib.dump(model, path)
        _assert_float32_on_disk_and_same_outputs(model, joblib.load(path), X)


def test_skops_round_trip_of_bf16_models_stays_float32(bf16_models, tmp_path):
    sio = pytest.importorskip("skops.io", reason=SKOPS_REASON)
    for model, X in bf16_models:
        path = tmp_path / f"{type(model).__name__}.skops"
        sio.dump(model, path)
        loaded = sio.load(path, trusted=sio.get_untrusted_types(file=path))
        _assert_float32_on_disk_and_same_outputs(model, loaded, X)


def test_a_bf16_model_loaded_on_a_cpu_without_bf16_predicts_in_float32(bf16_cpu, monkeypatch):
    X, y = token_data()
    model = tiny(precision="bfloat16").fit(X, y)
    loaded = pickle.loads(pickle.dumps(model))
    exact = model.set_params(precision="float32").predict_proba(X)
    monkeypatch.setattr(_device, "cpu_supports_bfloat16", lambda: False)
    with pytest.warns(UserWarning, match=NO_BF16_MESSAGE):
        np.testing.assert_array_equal(loaded.predict_proba(X), exact)
