"""Export to ONNX (sklstm.export_onnx) and serving without torch (sklstm.onnx).

The served model must answer as the estimator does, to 1e-5, whatever the
padding, architecture or input form; the serving side must never import torch.
"""

import json
import os
import pickle
import re
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest
import torch
from sklearn.dummy import DummyClassifier
from sklearn.exceptions import NotFittedError
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer

import sklstm
import sklstm.onnx
from sklstm import (
    CharTokenizer,
    LSTMClassifier,
    LSTMRegressor,
    LSTMTextGenerator,
    _onnx_export,
    export_onnx,
    make_lstm_pipeline,
)

for _name in ("onnx", "onnxscript", "onnxruntime"):
    pytest.importorskip(_name, reason=f'{_name} is optional: pip install "sklstm[onnx]"')
import onnx  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
ATOL = 1e-5
SMALL = dict(units=4, max_epochs=2, random_state=0)


def export_and_load(model, folder, name="model"):
    export_onnx(model, folder / f"{name}.onnx")
    return sklstm.onnx.load(folder / f"{name}.onnx")


def rows_of_every_length(rng, width, vocabulary_size):
    """Token-id rows of 0 to ``width`` tokens, padded after, before, and scattered."""
    rows = []
    for length in range(width + 1):
        tokens = rng.integers(1, vocabulary_size, size=length)
        padding = np.zeros(width - length, dtype=np.int64)
        rows += [np.concatenate([tokens, padding]), np.concatenate([padding, tokens])]
        scattered = np.zeros(width, dtype=np.int64)
        scattered[np.sort(rng.choice(width, size=length, replace=False))] = tokens
        rows.append(scattered)
    return np.array(rows)


def module_proba(model, ids):
    """The fitted module's probabilities on token ids of any width (the estimator
    insists on its fit's width), ids it never saw read as out-of-vocabulary."""
    ids = np.where(ids >= model.vocabulary_size_, 1, ids)
    module = model.net_.module_.eval()
    with torch.no_grad():
        return torch.softmax(module(torch.as_tensor(ids)).double(), dim=1).numpy()


def assert_serves_like(served, model, X):
    """Same answers, for the whole batch and row by row (single-row batches)."""
    if hasattr(model, "predict_proba"):
        np.testing.assert_allclose(
            served.predict_proba(X), model.predict_proba(X), rtol=0, atol=ATOL
        )
        for row in range(len(X)):
            np.testing.assert_allclose(
                served.predict_proba(X[row : row + 1]),
                model.predict_proba(X[row : row + 1]),
                rtol=0,
                atol=ATOL,
            )
    expected, got = model.predict(X), served.predict(X)
    if expected.dtype.kind == "f":
        np.testing.assert_allclose(got, expected, rtol=0, atol=ATOL)
    else:
        np.testing.assert_array_equal(got, expected)


# -- agreement --------------------------------------------------------------------


@pytest.mark.parametrize("padding", ["post", "pre"])
def test_pipeline_agrees_on_texts_of_every_length(padding, toy_sentiment_sentences, tmp_path):
    texts, labels = toy_sentiment_sentences
    model = make_pipeline(
        CharTokenizer(max_length=12, padding=padding, truncating=padding),
        LSTMClassifier(**SMALL),
    ).fit(texts, labels)
    served = export_and_load(model, tmp_path)
    # Lengths 0 to max_length, then longer texts that the tokenizer truncates.
    unseen = ["the food was superb, really"[:length] for length in range(28)] + ["ÉTÉ ☃"]
    np.testing.assert_allclose(
        served.predict_proba(unseen), model.predict_proba(unseen), rtol=0, atol=ATOL
    )
    for text in unseen:  # one text at a time, as a service is called
        np.testing.assert_allclose(
            served.predict_proba([text]), model.predict_proba([text]), rtol=0, atol=ATOL
        )
    np.testing.assert_array_equal(served.predict(unseen), model.predict(unseen))
    # The same model takes token ids, and onnxruntime alone gives the same numbers.
    ids = model[0].transform(unseen)
    np.testing.assert_allclose(served.predict_proba(ids), model.predict_proba(unseen), atol=ATOL)
    (proba,) = served.session_.run(None, {"X": ids.astype(np.int64)})  # the graph reads int64
    np.testing.assert_allclose(proba, model.predict_proba(unseen), rtol=0, atol=ATOL)


@pytest.mark.parametrize(
    "pooling, bidirectional, num_layers",
    [("last", True, 2), ("max", True, 1), ("mean", True, 1), ("mean", False, 2)],
)
def test_architectures_agree_on_token_ids(pooling, bidirectional, num_layers, tmp_path):
    rng = np.random.default_rng(0)
    X = rows_of_every_length(rng, width=7, vocabulary_size=9)
    y = np.where(X.sum(axis=1) % 2 == 0, "even", "odd")
    model = LSTMClassifier(
        pooling=pooling, bidirectional=bidirectional, num_layers=num_layers, **SMALL
    ).fit(X, y)
    served = export_and_load(model, tmp_path)
    # Ids the estimator never saw in fit are out-of-vocabulary, in the graph too.
    unseen = rows_of_every_length(rng, width=7, vocabulary_size=12)
    assert_serves_like(served, model, unseen)
    (proba,) = served.session_.run(None, {"X": unseen})
    np.testing.assert_allclose(proba, model.predict_proba(unseen), rtol=0, atol=ATOL)
    # Any width, a single step among them: the graph against the fitted module.
    for width in (1, 2, 30):
        ids = rows_of_every_length(rng, width, vocabulary_size=9)
        expected = module_proba(model, ids)
        np.testing.assert_allclose(served.predict_proba(ids), expected, rtol=0, atol=ATOL)
        np.testing.assert_allclose(
            served.session_.run(None, {"X": ids})[0], expected, rtol=0, atol=ATOL
        )


def test_regressor_on_token_ids_with_two_targets(tmp_path):
    rng = np.random.default_rng(1)
    X = rows_of_every_length(rng, width=6, vocabulary_size=8)
    Y = np.column_stack([np.count_nonzero(X, axis=1) * 100.0, X.sum(axis=1) - 500.0])
    model = LSTMRegressor(pooling="max", **SMALL).fit(X, Y)
    served = export_and_load(model, tmp_path)
    assert not hasattr(served, "predict_proba")
    unseen = rows_of_every_length(rng, width=6, vocabulary_size=8)
    assert served.predict(unseen).shape == (len(unseen), 2)
    assert_serves_like(served, model, unseen)
    assert_serves_like(served, model, unseen[:1])


def test_numeric_sequences_2d_regressor(toy_sine_windows, tmp_path):
    X, y = toy_sine_windows
    model = LSTMRegressor(**SMALL).fit(X, y)
    served = export_and_load(model, tmp_path)
    assert served.input_type_ == "sequences"
    assert served.predict(X).shape == (len(X),)
    assert_serves_like(served, model, X)
    (predictions,) = served.session_.run(None, {"X": X.astype(np.float32)})
    np.testing.assert_allclose(predictions, model.predict(X), rtol=0, atol=ATOL)
    # Sequences of one step, and longer ones, against the fitted module.
    module = model.net_.module_.eval()
    for steps in (1, 20):
        windows = np.random.default_rng(steps).normal(50, 10, size=(3, steps))
        with torch.no_grad():
            raw = module(torch.as_tensor(windows[:, :, None], dtype=torch.float32))
        expected = raw.double().numpy()[:, 0] * model.target_scale_[0] + model.target_mean_[0]
        np.testing.assert_allclose(served.predict(windows), expected, rtol=0, atol=ATOL)


def test_numeric_sequences_3d_classifier(toy_sine_windows, tmp_path):
    X, y = toy_sine_windows
    X3 = np.stack([X, X[:, ::-1] - 50.0], axis=2)  # 2 values per step
    labels = np.where(y > 50, "up", "down")
    model = LSTMClassifier(pooling="mean", bidirectional=True, num_layers=2, **SMALL).fit(
        X3, labels
    )
    served = export_and_load(model, tmp_path)
    assert_serves_like(served, model, X3[:30])
    (proba,) = served.session_.run(None, {"X": X3.astype(np.float32)})
    np.testing.assert_allclose(proba, model.predict_proba(X3), rtol=0, atol=ATOL)


def test_pretrained_vectors_are_exported_into_a_self_contained_file(
    toy_sentiment_sentences, tmp_path
):
    texts, labels = toy_sentiment_sentences
    rng = np.random.default_rng(0)
    # "superb" and "terrible" have vectors but "terrible" never occurs in fit;
    # "vile" and "zebra" have none.
    words = ["the", "food", "was", "good", "bad", "superb", "terrible", "movie", "great"]
    vectors_path = tmp_path / "tiny.vec"
    vectors_path.write_text(
        f"{len(words)} 5\n"
        + "".join(f"{word} {' '.join(map(str, rng.normal(size=5)))}\n" for word in words)
    )
    model = make_lstm_pipeline(LSTMClassifier(**SMALL), embeddings=str(vectors_path))
    model.fit(texts, labels)
    export_onnx(model, tmp_path / "model.onnx")
    state = json.loads((tmp_path / "model.tokenizer.json").read_text())
    assert state["vector_words"] == words
    unseen = ["the food was terrible", "the zebra was vile", "superb movie", "", "great"]
    expected = model.predict_proba(unseen)
    assert model[0].transform(["terrible"])[0, 0] == 2 + words.index("terrible")
    vectors_path.unlink()  # serving needs neither the vectors nor their file
    served = sklstm.onnx.load(tmp_path / "model.onnx")
    np.testing.assert_allclose(served.predict_proba(unseen), expected, rtol=0, atol=ATOL)
    for text, row in zip(unseen, expected):
        np.testing.assert_allclose(served.predict_proba([text])[0], row, rtol=0, atol=ATOL)


def test_a_second_export_in_one_process_keeps_its_dimensions_dynamic(tmp_path):
    # torch.onnx has been seen to fix the sequence length of a second export
    # in one process; every export here is checked, and this one again.
    rng = np.random.default_rng(2)
    for width in (5, 3):
        X = rows_of_every_length(rng, width, vocabulary_size=6)
        y = np.arange(len(X)) % 2
        model = LSTMClassifier(**SMALL).fit(X, y)
        served = export_and_load(model, tmp_path, name=f"width{width}")
        dims = onnx.load(tmp_path / f"width{width}.onnx").graph.input[0].type.tensor_type.shape.dim
        assert [dim.dim_param for dim in dims] == ["batch", "steps"]
        for ids in (np.array([[3]]), np.array([[0]]), rows_of_every_length(rng, 9, 6)):
            np.testing.assert_allclose(
                served.predict_proba(ids), module_proba(model, ids), rtol=0, atol=ATOL
            )


# -- serving without torch ----------------------------------------------------------

_SERVE_WITHOUT_TORCH = """
import json, sys

class BlockTorch:
    # An import of torch or skorch fails, as where they are not installed.
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in ("torch", "skorch"):
            raise ModuleNotFoundError(f"No module named {name!r} (blocked)")

sys.meta_path.insert(0, BlockTorch())
import sklstm
import sklstm.onnx

model = sklstm.onnx.load(sys.argv[1])
texts = json.loads(sys.argv[2])
result = {
    "version": sklstm.__version__,
    "proba": model.predict_proba(texts).tolist(),
    "labels": model.predict(texts).tolist(),
    "imported": sorted(name for name in sys.modules if name.split(".")[0] in ("torch", "skorch")),
}
try:
    from sklstm import LSTMClassifier  # needs torch: the block must hold
except ModuleNotFoundError:
    result["estimators_blocked"] = True
print(json.dumps(result))
"""


@pytest.fixture(scope="module")
def served_pipeline(toy_sentiment_sentences, tmp_path_factory):
    """A fitted word-level pipeline, exported; and the folder it is in."""
    texts, labels = toy_sentiment_sentences
    model = make_pipeline(CharTokenizer(level="word"), LSTMClassifier(**SMALL)).fit(
        texts, labels
    )
    folder = tmp_path_factory.mktemp("served")
    paths = export_onnx(model, folder / "model.onnx")
    assert paths == [folder / "model.onnx", folder / "model.tokenizer.json"]
    return model, folder


def test_serving_imports_neither_torch_nor_skorch(served_pipeline, tmp_path):
    model, folder = served_pipeline
    texts = ["the food was good", "our waiter was awful!", "", "zebras"]
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), *filter(None, [env.get("PYTHONPATH")])])
    child = subprocess.run(
        [sys.executable, "-c", _SERVE_WITHOUT_TORCH, str(folder / "model.onnx"),
         json.dumps(texts)],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=120,
    )
    assert child.returncode == 0, child.stderr
    result = json.loads(child.stdout)
    assert result["imported"] == []
    assert result["estimators_blocked"]
    assert result["version"] == sklstm.__version__
    np.testing.assert_allclose(result["proba"], model.predict_proba(texts), rtol=0, atol=ATOL)
    assert result["labels"] == model.predict(texts).tolist()


def test_package_imports_its_public_names_lazily():
    for name in sklstm.__all__:
        assert getattr(sklstm, name) is not None
        assert name in dir(sklstm)
    assert sklstm.export_onnx is _onnx_export.export_onnx
    with pytest.raises(AttributeError, match="module 'sklstm' has no attribute 'nothing'"):
        sklstm.nothing


def test_served_model_reads_texts_and_token_ids(served_pipeline):
    model, folder = served_pipeline
    served = sklstm.onnx.load(folder / "model.onnx", n_threads=None)
    assert repr(served) == "OnnxModel(CharTokenizer + LSTMClassifier)"
    np.testing.assert_array_equal(served.classes_, model.classes_)
    assert served.classes_.dtype == model.classes_.dtype
    texts = ["the food was good", "the movie was boring"]
    ids = model[0].transform(texts)
    np.testing.assert_allclose(
        served.predict_proba(ids.tolist()), model.predict_proba(texts), rtol=0, atol=ATOL
    )
    # Texts are checked by the tokenizer, with its messages.
    with pytest.raises(ValueError, match="row 1 is missing"):
        served.predict(["the food", None])
    with pytest.raises(ValueError, match="got a single str; wrap it in a list"):
        served.predict("the food was good")
    # Many rows: sorted by length and fed in batches, answered in their order.
    many = [f"{'the food was good ' * (row % 5)}{row}" for row in range(600)]
    np.testing.assert_allclose(served.predict_proba(many), model.predict_proba(many), atol=ATOL)


# -- what cannot be exported, and errors ----------------------------------------------


def test_refuses_what_it_cannot_export(toy_sentiment_sentences, tmp_path):
    texts, labels = toy_sentiment_sentences
    with pytest.raises(NotFittedError):
        export_onnx(LSTMClassifier(), tmp_path / "model.onnx")
    with pytest.raises(ValueError, match="does not export an LSTMTextGenerator"):
        export_onnx(LSTMTextGenerator(), tmp_path / "model.onnx")
    other = make_pipeline(FunctionTransformer(), LSTMClassifier())
    with pytest.raises(ValueError, match=r"this one's steps are \['FunctionTransformer'"):
        export_onnx(other, tmp_path / "model.onnx")
    with pytest.raises(TypeError, match="got a DummyClassifier"):
        export_onnx(DummyClassifier(), tmp_path / "model.onnx")
    with pytest.raises(ValueError, match=r"cannot hold the label \(1\+2j\)"):
        _onnx_export._labels_as_json(np.array(["a", 1 + 2j], dtype=object))
    assert _onnx_export._labels_as_json(np.array([1, 2])) == [1, 2]
    assert list(tmp_path.iterdir()) == []


def _fitted_token_classifier():
    X = np.array([[2, 2, 0], [2, 0, 0], [3, 3, 3], [3, 3, 0]] * 4)
    return LSTMClassifier(**SMALL).fit(X, ["a", "a", "b", "b"] * 4), X


def test_a_multilabel_classifier_exports_and_serves(tmp_path):
    rng = np.random.default_rng(0)
    X = rng.integers(2, 9, size=(128, 5))
    Y = np.stack([(X == 2).any(axis=1), (X == 3).any(axis=1), X[:, 0] > 5], axis=1)
    # Half held out: enough rows for a fitted temperature, which the graph applies too.
    model = LSTMClassifier(validation_fraction=0.5, **SMALL).fit(X, Y.astype(np.int64))
    assert model.calibrated_ and model.temperature_ != 1.0
    served = export_and_load(model, tmp_path)
    assert_serves_like(served, model, X)
    assert served.predict(X).dtype == np.int64
    np.testing.assert_array_equal(served.classes_, [0, 1, 2])


def test_two_exports_in_threads_both_succeed(tmp_path):
    model, X = _fitted_token_classifier()
    start = threading.Barrier(2)

    def export(name):
        start.wait()
        return export_and_load(model, tmp_path, name)

    with ThreadPoolExecutor(2) as pool:
        served = list(pool.map(export, ["first", "second"]))
    for one in served:
        assert_serves_like(one, model, X)


def test_a_served_model_pickles_and_predicts_the_same(served_pipeline):
    model, folder = served_pipeline
    served = sklstm.onnx.load(folder / "model.onnx", n_threads=2)
    texts = ["the food was good", "our waiter was awful!", ""]
    copy = pickle.loads(pickle.dumps(served))
    np.testing.assert_array_equal(copy.predict_proba(texts), served.predict_proba(texts))
    np.testing.assert_array_equal(copy.predict(texts), model.predict(texts))
    assert copy.session_.get_session_options().intra_op_num_threads == 2
    assert copy.metadata_ == served.metadata_


def test_a_model_built_from_a_session_pickles_when_given_its_graph(served_pipeline):
    model, folder = served_pipeline
    served = sklstm.onnx.load(folder / "model.onnx")
    graph = (folder / "model.onnx").read_bytes()
    args = (served.session_, served.metadata_, served.tokenizer_)
    with pytest.raises(TypeError, match="cannot be pickled; build it with sklstm.onnx.load"):
        pickle.dumps(sklstm.onnx.OnnxModel(*args))
    built = sklstm.onnx.OnnxModel(*args, graph=graph, n_threads=3)
    copy = pickle.loads(pickle.dumps(built))
    assert copy.session_.get_session_options().intra_op_num_threads == 3
    texts = ["the food was good", ""]
    np.testing.assert_array_equal(copy.predict_proba(texts), served.predict_proba(texts))


def _export_folder(folder):
    return {path.name: path.read_bytes() for path in sorted(folder.iterdir())}


def test_an_export_that_fails_half_way_leaves_the_earlier_one(
    toy_sentiment_sentences, monkeypatch, tmp_path
):
    texts, labels = toy_sentiment_sentences
    first = make_pipeline(CharTokenizer(level="word"), LSTMClassifier(**SMALL)).fit(
        texts, labels
    )
    second = make_pipeline(CharTokenizer(), LSTMClassifier(**SMALL)).fit(texts, labels)
    export_onnx(first, tmp_path / "model.onnx")
    before = _export_folder(tmp_path)

    def refuse_the_tokenizer(file, *args, **kwargs):
        if "tokenizer" in os.path.basename(os.fspath(file)):
            raise OSError(28, "No space left on device")
        return open(file, *args, **kwargs)

    with monkeypatch.context() as patched:
        patched.setattr(_onnx_export, "open", refuse_the_tokenizer, raising=False)
        with pytest.raises(OSError, match="No space left on device"):
            export_onnx(second, tmp_path / "model.onnx")
    assert _export_folder(tmp_path) == before  # no temporary file left either

    renamed = []

    def fail_on_the_second_rename(source, target):
        if renamed:
            raise PermissionError(13, "Permission denied")
        renamed.append(target)
        os.replace(source, target)

    with monkeypatch.context() as patched:
        patched.setattr(_onnx_export, "_rename", fail_on_the_second_rename)
        with pytest.raises(PermissionError, match="Permission denied"):
            export_onnx(second, tmp_path / "model.onnx")
    assert renamed  # the first file was renamed, then put back
    assert _export_folder(tmp_path) == before
    served = sklstm.onnx.load(tmp_path / "model.onnx")
    np.testing.assert_allclose(
        served.predict_proba(texts), first.predict_proba(texts), rtol=0, atol=ATOL
    )


def test_an_export_replaces_both_files(toy_sentiment_sentences, tmp_path):
    texts, labels = toy_sentiment_sentences
    first = make_pipeline(CharTokenizer(level="word"), LSTMClassifier(**SMALL)).fit(
        texts, labels
    )
    second = make_pipeline(CharTokenizer(), LSTMClassifier(**SMALL)).fit(texts, labels)
    export_onnx(first, tmp_path / "model.onnx")
    export_onnx(second, tmp_path / "model.onnx")
    assert sorted(path.name for path in tmp_path.iterdir()) == [
        "model.onnx", "model.tokenizer.json"
    ]
    served = sklstm.onnx.load(tmp_path / "model.onnx")
    np.testing.assert_allclose(
        served.predict_proba(texts), second.predict_proba(texts), rtol=0, atol=ATOL
    )


def test_a_wrong_graph_is_never_written(monkeypatch, tmp_path):
    model, _ = _fitted_token_classifier()

    def gates_in_torch_order(steps, weight_ih, weight_hh, bias_ih, bias_hh):
        from onnxscript import opset18 as op

        # ONNX reads the gates in another order than torch stacks them.
        unsqueeze = lambda weights: op.Unsqueeze(weights, [0])  # noqa: E731
        outputs, _, _ = op.LSTM(
            op.Transpose(steps, perm=[1, 0, 2]),
            unsqueeze(weight_ih),
            unsqueeze(weight_hh),
            unsqueeze(op.Concat(bias_ih, bias_hh, axis=0)),
            hidden_size=weight_hh.shape[1],
        )
        return op.Transpose(op.Squeeze(outputs, [1]), perm=[1, 0, 2])

    monkeypatch.setattr(_onnx_export, "_lstm_layer_onnx", gates_in_torch_order)
    with pytest.raises(RuntimeError, match="graph disagrees with the LSTMClassifier by"):
        export_onnx(model, tmp_path / "model.onnx")
    assert list(tmp_path.iterdir()) == []


def test_export_failures_write_nothing(monkeypatch, tmp_path):
    model, _ = _fitted_token_classifier()

    def failing_export(*args, **kwargs):
        raise KeyError("no ONNX function for some operator")

    with monkeypatch.context() as patched:
        patched.setattr(torch.onnx, "export", failing_export)
        with pytest.raises(RuntimeError, match="torch.onnx could not export this LSTMClassifier"):
            export_onnx(model, tmp_path / "model.onnx")
    with monkeypatch.context() as patched:
        patched.setattr(_onnx_export, "MAX_FILE_BYTES", 100)
        with pytest.raises(ValueError, match="over ONNX's 2 GB limit"):
            export_onnx(model, tmp_path / "model.onnx")
    assert list(tmp_path.iterdir()) == []


def test_a_graph_with_a_fixed_dimension_is_refused(served_pipeline):
    model, folder = served_pipeline
    proto = onnx.load(folder / "model.onnx")
    proto.graph.input[0].type.tensor_type.shape.dim[1].dim_value = 12
    with pytest.raises(RuntimeError, match="fixed the sequence length = 12 of the exported"):
        _onnx_export._check_dynamic(proto, model[-1])


def test_missing_packages_name_the_extra(monkeypatch, tmp_path):
    model, _ = _fitted_token_classifier()
    monkeypatch.setitem(sys.modules, "onnxscript", None)  # as if not installed
    extra = r'pip install "sklstm\[onnx\]"'
    with pytest.raises(ImportError, match="but onnxscript is not installed: " + extra):
        export_onnx(model, tmp_path / "model.onnx")
    monkeypatch.delitem(sys.modules, "onnxscript")
    monkeypatch.delattr(torch.compiler, "is_exporting")
    with pytest.raises(ImportError, match="export_onnx needs torch 2.6 or later .* this is torch"):
        export_onnx(model, tmp_path / "model.onnx")
    monkeypatch.setitem(sys.modules, "onnxruntime", None)
    with pytest.raises(ImportError, match="sklstm.onnx.load needs onnxruntime: " + extra):
        sklstm.onnx.load(tmp_path / "model.onnx")


def test_load_refuses_files_it_cannot_read(served_pipeline, tmp_path):
    _, folder = served_pipeline
    proto = onnx.load(folder / "model.onnx")
    metadata = json.loads(proto.metadata_props[0].value)
    del proto.metadata_props[:]
    onnx.save(proto, tmp_path / "foreign.onnx")
    with pytest.raises(ValueError, match="holds no 'sklstm' metadata: it was not written by"):
        sklstm.onnx.load(tmp_path / "foreign.onnx")
    entry = proto.metadata_props.add()
    entry.key, entry.value = "sklstm", json.dumps({**metadata, "format": 3})
    onnx.save(proto, tmp_path / "later.onnx")
    with pytest.raises(ValueError, match="written in format 3 of sklstm's ONNX files"):
        sklstm.onnx.load(tmp_path / "later.onnx")
    del proto.metadata_props[:]
    entry = proto.metadata_props.add()
    entry.key, entry.value = "sklstm", json.dumps(metadata)
    onnx.save(proto, tmp_path / "alone.onnx")  # its model.tokenizer.json stayed behind
    with pytest.raises(FileNotFoundError, match="model.tokenizer.json, which is missing"):
        sklstm.onnx.load(tmp_path / "alone.onnx")


@pytest.fixture(scope="module")
def served_estimators(toy_sine_windows, tmp_path_factory):
    """A token-id classifier and a 3-D sequence regressor, exported alone."""
    folder = tmp_path_factory.mktemp("estimators")
    classifier, _ = _fitted_token_classifier()
    X, y = toy_sine_windows
    regressor = LSTMRegressor(**SMALL).fit(np.stack([X, X], axis=2), y)
    return export_and_load(classifier, folder, "classifier"), export_and_load(
        regressor, folder, "regressor"
    )


@pytest.mark.parametrize(
    "X, message",
    [
        (
            ["some text"],
            "This LSTMClassifier was exported alone, without a CharTokenizer, so it "
            "reads token ids",
        ),
        ([2, 3], r"Expected a 2-D array of token ids \(n_samples, n_steps\), got .* \(2,\)"),
        ([[2.5, 3.0]], "Token ids must be whole numbers, but row 0 holds 2.5"),
        ([[2, 3], [-1, 0]], r"Token ids must be >= 0 .* but row 1 holds -1"),
        (np.zeros((2, 0), dtype=int), r"X is empty \(shape \(2, 0\)\)"),
        (np.zeros((0, 3), dtype=int), r"X is empty \(shape \(0, 3\)\)"),
        ([[True, False]], "Expected token ids \\(integers\\), got an array of dtype bool"),
    ],
)
def test_served_token_ids_are_checked(served_estimators, X, message):
    classifier, _ = served_estimators
    with pytest.raises(ValueError, match=message):
        classifier.predict(X)


def test_out_of_range_token_ids_are_out_of_vocabulary(served_estimators):
    classifier, _ = served_estimators
    huge = np.array([[2, np.iinfo(np.uint64).max]], dtype=np.uint64)
    np.testing.assert_allclose(
        classifier.predict_proba(huge), classifier.predict_proba([[2, 1]]), rtol=0, atol=0
    )


@pytest.mark.parametrize(
    "X, message",
    [
        (np.zeros((2, 3)), r"Expected a 3-D array of numeric sequences \(n_samples, n_steps, n"),
        (np.zeros((2, 3, 1)), "X has 1 values per step, but the model was fitted with 2"),
        (np.array([[[0.0, np.nan]]]), "Input X contains NaN at row 0"),
        (np.array([[[0.0, 1e39]]]), "beyond float32's range"),
        (np.array([[["a", "b"]]], dtype=object), "reads numeric sequences, not texts"),
        (np.array([[[None, 1]]], dtype=object), "Expected numeric sequences, got .* dtype object"),
    ],
)
def test_served_sequences_are_checked(served_estimators, X, message):
    _, regressor = served_estimators
    with pytest.raises(ValueError, match=message):
        regressor.predict(X)


# -- crafted and damaged files ------------------------------------------------------


def _copy_with(folder, tmp_path, metadata=None, tokenizer=None, name="model"):
    """The served pipeline's files in tmp_path, with its metadata (a dict, or raw text)
    and its tokenizer's file (a dict, or raw bytes) replaced where given."""
    proto = onnx.load(folder / "model.onnx")
    if metadata is not None:
        proto.metadata_props[0].value = (
            metadata if isinstance(metadata, str) else json.dumps(metadata)
        )
    onnx.save(proto, tmp_path / f"{name}.onnx")
    state = (folder / "model.tokenizer.json").read_bytes() if tokenizer is None else tokenizer
    if isinstance(state, dict):
        state = json.dumps(state).encode("ascii")
    (tmp_path / f"{name}.tokenizer.json").write_bytes(state)
    return tmp_path / f"{name}.onnx"


def _metadata(folder):
    return json.loads(onnx.load(folder / "model.onnx").metadata_props[0].value)


def _tokenizer_state(folder):
    return json.loads((folder / "model.tokenizer.json").read_text())


def _damaged_file(name, problem):
    return rf"{name} is damaged or was not written by sklstm\.export_onnx: {problem}\."


@pytest.mark.parametrize(
    "edit, problem",
    [
        (lambda m: "{not json",
         r"its metadata is not JSON \(Expecting property name enclosed in double quotes, "
         r"line 1 column 2\)"),
        (lambda m: [m], "its metadata is not a JSON object"),
        (lambda m: {**m, "format": "1"}, "its metadata has no format number"),
        (lambda m: {k: v for k, v in m.items() if k != "task"},
         "'task' disagrees with 'estimator'"),
        (lambda m: {**m, "estimator": "LSTMTextGenerator"},
         "'estimator' is not LSTMClassifier or LSTMRegressor"),
        (lambda m: {**m, "input_type": 3}, "'input_type' is not tokens or sequences"),
        (lambda m: {**m, "input_shape": ["7"]},
         "'input_shape' is not 1 or 2 positive sizes as its input_type needs"),
        (lambda m: {**m, "vocabulary_size": -5},
         "'vocabulary_size' is not a positive number of token ids"),
        (lambda m: {**m, "classes": [*m["classes"], "neutral"]},
         "its graph has 2 outputs per row but 'classes' says 3"),
        (lambda m: {**m, "classes": ["negative", "negative"]}, "'classes' holds a label twice"),
        (lambda m: {**m, "classes": [["negative"], "positive"]},
         r"'classes' is not a list of labels \(str, int, float or bool\)"),
        (lambda m: {**m, "classes_dtype": "<U1000000000"},
         "'classes_dtype' is not a NumPy dtype of labels that holds the classes"),
        (lambda m: {**m, "classes_dtype": "<U1"}, "'classes_dtype' changes the classes"),
        (lambda m: {**m, "tokenizer": 5},
         r"'tokenizer' is not the name of a file \*\.tokenizer\.json beside the graph"),
    ],
)
def test_damaged_metadata_names_the_file(served_pipeline, tmp_path, edit, problem):
    _, folder = served_pipeline
    path = _copy_with(folder, tmp_path, metadata=edit(_metadata(folder)))
    with pytest.raises(ValueError, match=_damaged_file(re.escape(str(path)), problem)):
        sklstm.onnx.load(path)


@pytest.mark.parametrize(
    "name",
    [
        "../model.tokenizer.json",
        "/etc/model.tokenizer.json",
        "secrets.json",
        "sub/x.tokenizer.json",
    ],
)
def test_the_tokenizer_file_is_only_one_beside_the_graph(served_pipeline, tmp_path, name):
    _, folder = served_pipeline
    # A valid tokenizer file where the crafted name points: never opened.
    (tmp_path / "inner").mkdir()
    _copy_with(folder, tmp_path, name="model")
    path = _copy_with(folder, tmp_path / "inner", metadata={**_metadata(folder), "tokenizer": name})
    problem = r"'tokenizer' is not the name of a file \*\.tokenizer\.json beside the graph"
    with pytest.raises(ValueError, match=_damaged_file(re.escape(str(path)), problem)):
        sklstm.onnx.load(path)


def _edit_params(state, **params):
    return {**state, "params": {**state["params"], **params}}


@pytest.mark.parametrize(
    "edit, problem",
    [
        (lambda s: b"DB_PASSWORD=hunter2",
         r"its tokenizer is not JSON \(Expecting value, line 1 column 1\)"),
        (lambda s: b'{"format": 1, "params": "\xff"}', r"its tokenizer is not ASCII \(byte 25\)"),
        (lambda s: {k: v for k, v in s.items() if k != "params"},
         r"its 'params' are not the CharTokenizer parameters \[.*\]"),
        (lambda s: _edit_params(s, embeddings="/etc/passwd"),
         r"its 'params' are not the CharTokenizer parameters \[.*\]"),
        (lambda s: _edit_params(s, level="byte"),
         r"'params' gives level other than \('char', 'word'\)"),
        (lambda s: _edit_params(s, lowercase="yes"), "'params' gives a lowercase not bool"),
        (lambda s: _edit_params(s, max_length=12),
         "'max_length_' is not the width its max_length gives, from 1 to 100000"),
        (lambda s: {**s, "max_length_": "12"},
         "'max_length_' is not the width its max_length gives, from 1 to 100000"),
        (lambda s: {**_edit_params(s, max_length=None), "max_length_": 10**9},
         "'max_length_' is not the width its max_length gives, from 1 to 100000"),
        (lambda s: {**s, "format": sklstm.onnx.FORMAT_VERSION + 1},
         rf"its 'format' is not a number from 1 to {sklstm.onnx.FORMAT_VERSION}"),
        (lambda s: {**s, "vocabulary": [[token, 2] for token, _ in s["vocabulary"]]},
         "'vocabulary' gives two tokens the same id"),
        (lambda s: {**s, "vocabulary": [*s["vocabulary"], s["vocabulary"][0]]},
         "'vocabulary' lists a token twice"),
        (lambda s: {**s, "vocabulary": [[token, -1] for token, _ in s["vocabulary"]]},
         r"'vocabulary' is not a list of \[token, id\] pairs with ids from 2 \(one "
         r"character per token at char level\)"),
        (lambda s: {**s, "vector_words": ["the", "the"]},
         r"'vector_words' is not None or a list of distinct words \(at word level\)"),
        (lambda s: {**s, "vector_words": ["unseen"]},  # id 2, as the first token
         "'vocabulary' gives two tokens the same id"),
    ],
)
def test_a_damaged_tokenizer_file_names_the_file(served_pipeline, tmp_path, edit, problem):
    _, folder = served_pipeline
    path = _copy_with(folder, tmp_path, tokenizer=edit(_tokenizer_state(folder)))
    name = re.escape(str(tmp_path / "model.tokenizer.json"))
    with pytest.raises(ValueError, match=_damaged_file(name, problem)) as error:
        sklstm.onnx.load(path)
    assert "hunter2" not in str(error.value)


def test_a_huge_tokenizer_width_costs_predict_no_memory(served_pipeline, tmp_path):
    import tracemalloc

    model, folder = served_pipeline
    state = _edit_params(_tokenizer_state(folder), max_length=None)
    limit = sklstm._tokenizer.MAX_LENGTH_LIMIT
    wide = _copy_with(folder, tmp_path, tokenizer={**state, "max_length_": limit})
    served = sklstm.onnx.load(wide)
    texts = ["the food was good", "awful", ""]  # within the fitted width: none truncated
    tracemalloc.start()
    try:
        proba = served.predict_proba(texts)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    # Rows of 100,000 ids (and their mask) would take 2.3 MB: the texts' own
    # width takes bytes.
    assert peak < 500_000
    np.testing.assert_allclose(proba, model.predict_proba(texts), atol=ATOL)


@pytest.mark.parametrize("n_threads", ["2", 0, -1, 1.5, True])
def test_load_names_a_wrong_n_threads(served_pipeline, n_threads):
    _, folder = served_pipeline
    with pytest.raises(ValueError, match=(
        r"sklstm\.onnx\.load's n_threads must be a whole number >= 1, or None to let "
        rf"onnxruntime choose; got {re.escape(repr(n_threads))}\. Pass e\.g\. n_threads=2\."
    )):
        sklstm.onnx.load(folder / "model.onnx", n_threads=n_threads)


def test_a_file_that_is_no_graph_names_the_file(served_pipeline, tmp_path):
    _, folder = served_pipeline
    truncated = tmp_path / "truncated.onnx"
    truncated.write_bytes((folder / "model.onnx").read_bytes()[:3000])
    for path in (truncated, tmp_path / "text.onnx"):
        if not path.exists():
            path.write_text("DB_PASSWORD=hunter2")
        problem = r"onnxruntime reads no graph in it \(InvalidProtobuf\)"
        with pytest.raises(ValueError, match=_damaged_file(re.escape(str(path)), problem)):
            sklstm.onnx.load(path)


def test_damaged_multilabel_metadata_names_the_file(tmp_path):
    X = np.array([[2, 2, 0], [2, 3, 0], [3, 3, 3], [4, 3, 0]] * 4)
    Y = np.stack([(X == 2).any(axis=1), (X == 3).any(axis=1)], axis=1).astype(np.int64)
    export_onnx(LSTMClassifier(**SMALL).fit(X, Y), tmp_path / "model.onnx")
    proto = onnx.load(tmp_path / "model.onnx")
    metadata = json.loads(proto.metadata_props[0].value)
    assert metadata["multilabel"] is True
    for edit, problem in [
        ({"multilabel": "yes"}, "'multilabel' is not true or false"),
        ({"label_dtype": "<U1000000000"},
         "'label_dtype' is not the NumPy dtype of a label indicator matrix"),
        ({"label_dtype": None}, "'label_dtype' is not the NumPy dtype of a label indicator matrix"),
    ]:
        proto.metadata_props[0].value = json.dumps({**metadata, **edit})
        onnx.save(proto, tmp_path / "edited.onnx")
        name = re.escape(str(tmp_path / "edited.onnx"))
        with pytest.raises(ValueError, match=_damaged_file(name, problem)):
            sklstm.onnx.load(tmp_path / "edited.onnx")


def test_files_are_written_in_the_oldest_format_that_holds_them(served_pipeline, tmp_path):
    # Format 1, which every loader reads, for a model that a format-1 loader
    # serves correctly; format 2 only for a multilabel graph.
    _, folder = served_pipeline
    graph = onnx.load(folder / "model.onnx")
    metadata = json.loads(
        next(entry.value for entry in graph.metadata_props if entry.key == "sklstm")
    )
    tokenizer = json.loads((folder / "model.tokenizer.json").read_text())
    assert metadata["format"] == tokenizer["format"] == 1
    X = np.array([[2, 3, 0], [3, 2, 2], [4, 5, 0], [5, 4, 4]] * 5)
    indicator = np.array([[1, 0], [1, 1], [0, 1], [0, 0]] * 5)
    export_onnx(LSTMClassifier(**SMALL).fit(X, indicator), tmp_path / "multi.onnx")
    graph = onnx.load(tmp_path / "multi.onnx")
    metadata = json.loads(
        next(entry.value for entry in graph.metadata_props if entry.key == "sklstm")
    )
    assert metadata["format"] == sklstm.onnx.MULTILABEL_FORMAT_VERSION == 2
