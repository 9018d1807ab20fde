"""Training control: warm_start, partial_fit, callbacks, progress, convergence,
regularisation and multilabel y (sklstm/_training.py and its hooks)."""

import io
import re
import sys
import warnings

import numpy as np
import pandas as pd
import pytest
import torch
from conftest import fail_on_forward_call, fast
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from skorch.callbacks import Callback, Checkpoint, EpochScoring, LRScheduler

from sklstm import CharTokenizer, LSTMClassifier, LSTMRegressor, LSTMTextGenerator
from sklstm._progress import warn_if_not_converged

ANSI = re.compile(r"\x1b\[")


def ids_and_labels(n=40, seed=0, high=9):
    rng = np.random.default_rng(seed)
    X = rng.integers(2, high, size=(n, 5))
    y = np.where(np.arange(n) % 2 == 0, "a", "b")
    return X, y


def tiny(cls=LSTMClassifier, **params):
    # Two epochs: the epoch counts and convergence tests below rely on it.
    return fast(cls, **{"units": 4, "max_epochs": 2, "early_stopping": False, **params})



class StartRecorder(Callback):
    """Records the module's weights and Adam's step count when training begins."""

    def on_train_begin(self, net, **kwargs):
        self.weights_ = {k: v.clone() for k, v in net.module_.state_dict().items()}
        state = net.optimizer_.state_dict()["state"]
        self.steps_ = float(state[0]["step"]) if state else 0.0


class EpochCounter(Callback):
    def __init__(self, calls=None):
        self.calls = calls

    def initialize(self):
        if self.calls is None:
            self.calls = []
        return self

    def on_epoch_end(self, net, **kwargs):
        self.calls.append(len(net.history))


def n_steps(net):
    return float(net.optimizer_.state_dict()["state"][0]["step"])


# -- 1. warm_start -----------------------------------------------------------------


@pytest.mark.parametrize("cls", [LSTMClassifier, LSTMRegressor])
def test_warm_start_continues_from_the_weights_and_the_optimizer(cls):
    X, y = ids_and_labels()
    target = y if cls is LSTMClassifier else (y == "a").astype(float)
    model = tiny(cls).fit(X, target)
    weights = {k: v.clone() for k, v in model.net_.module_.state_dict().items()}
    steps = n_steps(model.net_)
    recorder = StartRecorder()
    model.set_params(warm_start=True, max_epochs=3, callbacks=[recorder])
    model.fit(X, target)
    for name, value in weights.items():
        torch.testing.assert_close(recorder.weights_[name], value, rtol=0, atol=0)
    assert recorder.steps_ == steps > 0
    assert n_steps(model.net_) == steps + 3 * np.ceil(len(X) / model.batch_size)
    assert model.n_iter_ == 5
    assert [record["epoch"] for record in model.history_] == [1, 2, 3, 4, 5]


def test_without_warm_start_a_second_fit_starts_over():
    X, y = ids_and_labels()
    model = tiny().fit(X, y)
    recorder = StartRecorder()
    model.set_params(callbacks=[recorder]).fit(X, y)
    assert recorder.steps_ == 0
    assert model.n_iter_ == 2


def test_a_failed_warm_start_leaves_the_model_predicting_as_before(monkeypatch):
    X, y = ids_and_labels()
    model = tiny(warm_start=True).fit(X, y)
    before = model.predict_proba(X)
    weights = {k: v.clone() for k, v in model.net_.module_.state_dict().items()}
    moments = model.net_.optimizer_.state_dict()["state"][0]["exp_avg"].clone()
    history = list(model.history_)
    fail_on_forward_call(monkeypatch, 3, RuntimeError("out of memory"))
    with pytest.raises(RuntimeError, match="out of memory"):
        model.fit(X + 5, y)  # new ids too: the embedding would grow
    monkeypatch.undo()
    np.testing.assert_array_equal(model.predict_proba(X), before)
    for name, value in model.net_.module_.state_dict().items():
        torch.testing.assert_close(value, weights[name], rtol=0, atol=0)
    torch.testing.assert_close(
        model.net_.optimizer_.state_dict()["state"][0]["exp_avg"], moments, rtol=0, atol=0
    )
    assert model.history_ == history and model.vocabulary_size_ == 9


def test_warm_start_grows_the_embedding_for_new_ids():
    X, y = ids_and_labels()
    model = tiny(warm_start=True).fit(X, y)
    old_rows = model.net_.module_.embedding.weight.detach().clone()
    recorder = StartRecorder()
    model.set_params(callbacks=[recorder]).fit(np.where(X == 8, 12, X), y)
    assert model.vocabulary_size_ == 13
    assert model.net_.module_.embedding.weight.shape == (13, 32)
    torch.testing.assert_close(recorder.weights_["embedding.weight"][:9], old_rows)
    assert not torch.equal(model.net_.module_.embedding.weight[:9], old_rows)


@pytest.mark.parametrize(
    "change, message",
    [
        ({"units": 8}, r"warm_start=True continues the fitted LSTMClassifier, built with "
         r"units=4, but this fit would build units=8. Set it back, or set warm_start=False"),
        ({"bidirectional": True}, r"built with bidirectional=False"),
    ],
)
def test_warm_start_refuses_another_architecture(change, message):
    X, y = ids_and_labels()
    model = tiny(warm_start=True).fit(X, y)
    with pytest.raises(ValueError, match=message):
        model.set_params(**change).fit(X, y)


@pytest.mark.parametrize(
    "change, message",
    [
        ({"level": "word"}, r"warm_start=True continues the fitted LSTMTextGenerator with its "
         r"vocabulary, which was made with level='char' \(now 'word'\)\. Set them back"),
        ({"lowercase": True}, r"made with lowercase=False \(now True\)"),
        ({"max_tokens": 3}, r"made with max_tokens=None \(now 3\)"),
    ],
)
def test_generator_warm_start_refuses_another_vocabulary(change, message):
    generator = LSTMTextGenerator(max_length=8, units=8, max_epochs=1, random_state=0)
    generator.fit(["Hello world"] * 4).set_params(warm_start=True, **change)
    with pytest.raises(ValueError, match=message):
        generator.fit(["Hello there"] * 4)
    with pytest.raises(ValueError, match=message):
        generator.partial_fit(["Hello there"] * 4)
    assert generator.n_iter_ == 1


def test_warm_start_refuses_new_classes_and_accepts_a_subset():
    X, y = ids_and_labels()
    model = tiny(warm_start=True).fit(X, y)
    with pytest.raises(
        ValueError,
        match=r"y holds classes \['c'\] that LSTMClassifier does not know: its classes_ "
        r"are \['a', 'b'\]. Continuing training \(warm_start=True, partial_fit\) keeps",
    ):
        model.fit(X, np.where(y == "a", "c", y))
    model.fit(X[y == "a"], y[y == "a"])  # one class only: still the two outputs
    assert model.classes_.tolist() == ["a", "b"] and model.n_iter_ == 4


def test_warm_start_refuses_other_values_per_step_and_targets():
    X = np.random.default_rng(0).normal(size=(20, 4, 2))
    model = tiny(LSTMRegressor, warm_start=True).fit(X, X[:, -1, 0])
    with pytest.raises(ValueError, match=r"X has 3 values per step, but LSTMRegressor was "
                       r"fitted with 2\."):
        model.fit(np.concatenate([X, X[:, :, :1]], axis=2), X[:, -1, 0])
    with pytest.raises(ValueError, match=r"y has 2 target\(s\), but the fitted "
                       r"LSTMRegressor predicts 1. Continuing training"):
        model.fit(X, X[:, -1, :])


def test_warm_start_keeps_the_target_scaling():
    X, y = ids_and_labels()
    target = np.arange(len(X), dtype=float)
    model = tiny(LSTMRegressor, warm_start=True).fit(X, target)
    mean, scale = model.target_mean_, model.target_scale_
    model.fit(X, target * 100 + 7)
    assert model.target_mean_ == mean and model.target_scale_ == scale


# -- 1. the tokenizer's warm_start and the pipeline ---------------------------------


def test_tokenizer_warm_start_keeps_ids_and_adds_new_tokens_after_them():
    tokenizer = CharTokenizer(warm_start=True).fit(["abba", "abc"])
    assert tokenizer.vocabulary_ == {"a": 2, "b": 3, "c": 4}
    width = tokenizer.max_length_
    tokenizer.fit(["zzz cc", "dz"])  # z, then c by count; 'c' keeps its id
    assert tokenizer.vocabulary_ == {"a": 2, "b": 3, "c": 4, "z": 5, " ": 6, "d": 7}
    assert tokenizer.max_length_ == width
    assert tokenizer.transform(["abz"]).tolist() == [[2, 3, 5, 0]]
    fresh = CharTokenizer().fit(["zzz cc", "dz"])
    assert fresh.vocabulary_["c"] != 4


def test_tokenizer_warm_start_caps_at_max_tokens_and_refuses_another_level():
    tokenizer = CharTokenizer(warm_start=True, max_tokens=4).fit(["aab"])
    tokenizer.fit(["xxyyz"])
    assert tokenizer.vocabulary_ == {"a": 2, "b": 3, "x": 4, "y": 5}
    with pytest.raises(
        ValueError,
        match=r"warm_start=True keeps the ids of the fitted vocabulary, which was made "
        r"with level='char' \(now 'word'\). Set them back, or set warm_start=False",
    ):
        tokenizer.set_params(level="word").fit(["ab"])


def texts_and_labels(n=60, seed=0):
    rng = np.random.default_rng(seed)
    words = {"a": ["good", "great", "fine"], "b": ["bad", "poor", "vile"]}
    y = np.where(np.arange(n) % 2 == 0, "a", "b")
    texts = [f"it was {rng.choice(words[label])}" for label in y]
    return texts, y


def test_a_text_pipeline_continues_with_a_warm_tokenizer():
    texts, y = texts_and_labels()
    pipeline = make_pipeline(
        CharTokenizer(level="word", warm_start=True, max_length=4), tiny(warm_start=True)
    ).fit(texts, y)
    old_ids = dict(pipeline[0].vocabulary_)
    recorder = StartRecorder()
    pipeline.set_params(lstmclassifier__callbacks=[recorder])
    new_texts = [text.replace("it was", "the soup was") for text in texts]
    pipeline.fit(new_texts, y)
    vocabulary = pipeline[0].vocabulary_
    assert {token: vocabulary[token] for token in old_ids} == old_ids
    assert pipeline[-1].vocabulary_size_ == max(vocabulary.values()) + 1 > max(old_ids.values()) + 1
    assert pipeline[-1].n_iter_ == 4 and recorder.steps_ > 0


def test_a_pipeline_whose_tokenizer_renumbers_is_refused():
    texts, y = texts_and_labels()
    pipeline = make_pipeline(CharTokenizer(level="word"), tiny(warm_start=True)).fit(texts, y)
    before = pipeline.predict_proba(texts)
    # Other texts: a fresh vocabulary numbers the words by their new counts.
    other = [f"{text} soup soup soup" for text in texts]
    with pytest.raises(
        ValueError,
        match=r"X comes from a CharTokenizer whose vocabulary differs from the one "
        r"LSTMClassifier was trained with: 'it' had id 2 and is now id \d+, so continuing "
        r".* Give the CharTokenizer warm_start=True as well",
    ):
        pipeline.fit(other, y)
    # The tokenizer step was refitted, the model was not.
    pipeline[0].set_params(warm_start=False).fit(texts)
    np.testing.assert_array_equal(pipeline.predict_proba(texts), before)


def test_a_pipeline_with_pandas_output_refuses_a_renumbering_tokenizer_too():
    texts, y = texts_and_labels()
    pipeline = make_pipeline(
        CharTokenizer(level="char", max_length=12), tiny(warm_start=True)
    ).set_output(transform="pandas")
    pipeline.fit(texts, y)
    with pytest.raises(ValueError, match=r"whose vocabulary differs .* had id 2 and is now"):
        pipeline.fit([text.upper().replace("I", "Z") + " qqqq" for text in texts], y)
    # A refit on the same texts keeps every id: training continues.
    pipeline.fit(texts, y)
    assert pipeline[-1].n_iter_ == 4


def test_warm_start_refuses_another_input_type():
    X, y = ids_and_labels()
    model = tiny().fit(X, y).set_params(warm_start=True, input_type="sequences")
    with pytest.raises(
        ValueError,
        match=r"read X as tokens \(input_type_='tokens'\), but input_type='sequences' "
        r"would read it otherwise\. Set input_type back to 'auto' or 'tokens'",
    ):
        model.fit(X.astype(float), y)
    assert model.n_iter_ == 2
    model.set_params(input_type="tokens").fit(X, y)
    assert model.n_iter_ == 4


def test_a_loaded_pipeline_still_refuses_a_renumbering_tokenizer():
    import pickle

    texts, y = texts_and_labels()
    pipeline = make_pipeline(CharTokenizer(level="word"), tiny(warm_start=True)).fit(texts, y)
    state = pipeline[-1].__getstate__()
    assert isinstance(state["_token_vocabulary"], str)  # one JSON string, for skops
    loaded = pickle.loads(pickle.dumps(pipeline))
    assert loaded[-1]._token_vocabulary == pipeline[0].vocabulary_
    with pytest.raises(ValueError, match=r"'it' had id 2 and is now id \d+"):
        loaded.fit([f"{text} soup soup soup" for text in texts], y)


def test_partial_fit_refuses_ids_of_a_refitted_tokenizer():
    texts, y = texts_and_labels()
    tokenizer = CharTokenizer(level="word").fit(texts)
    model = tiny().partial_fit(tokenizer.transform(texts), y, classes=["a", "b"])
    model.partial_fit(tokenizer.transform(texts[:10]), y[:10])  # same tokenizer: fine
    tokenizer.fit([f"soup soup {text}" for text in texts])
    with pytest.raises(ValueError, match=r"'it' had id 2 and is now id 3"):
        model.partial_fit(tokenizer.transform(texts), y)


def test_warm_start_with_word_vectors_keeps_each_words_trained_row(tmp_path):
    from sklstm import make_lstm_pipeline

    path = tmp_path / "tiny.vec"
    path.write_text("4 2\nthe 0 1\nsoup 0.1 0.9\ngood 1 0\nbad -1 0\n", encoding="utf-8")
    pipeline = make_lstm_pipeline(
        tiny(warm_start=True), embeddings=str(path), warm_start=True, max_length=4
    )
    pipeline.fit(["the soup good", "the soup bad"] * 10, ["a", "b"] * 10)
    vocabulary = pipeline[0].vocabulary_
    model = pipeline[-1]
    rows = model.net_.module_.embedding.weight.detach().clone()
    old_ids = model._embedding_ids.copy()
    recorder = StartRecorder()
    model.set_params(callbacks=[recorder])
    # 'zzz' is not in the vectors: a new trainable row, after the table.
    pipeline.fit(["zzz soup good", "the zzz bad"] * 10, ["a", "b"] * 10)
    new_ids = model._embedding_ids
    assert set(old_ids) < set(new_ids) and pipeline[0].vocabulary_["zzz"] in new_ids
    start = recorder.weights_["embedding.weight"]
    for position, token_id in enumerate(old_ids):
        new_position = int(np.searchsorted(new_ids, token_id))
        torch.testing.assert_close(start[1 + new_position], rows[1 + position])
    assert {word: pipeline[0].vocabulary_[word] for word in vocabulary} == vocabulary


def test_a_model_saved_with_warm_start_continues_exactly(tmp_path):
    import joblib

    X, y = ids_and_labels()
    model = tiny(warm_start=True).fit(X, y)
    joblib.dump(model, tmp_path / "model.joblib")
    loaded = joblib.load(tmp_path / "model.joblib")
    np.testing.assert_array_equal(
        loaded.fit(X, y).predict_proba(X), model.fit(X, y).predict_proba(X)
    )
    state = tiny().fit(X, y).__getstate__()["_net_state"]
    assert "optimizer_state" not in state  # weights only, without warm_start


# -- 2. partial_fit ------------------------------------------------------------------


def test_classifier_partial_fit_needs_classes_first_and_the_same_later():
    X, y = ids_and_labels()
    model = tiny()
    with pytest.raises(ValueError, match=r"classes must be passed on the first call to "
                       r"partial_fit"):
        model.partial_fit(X, y)
    model.partial_fit(X[:10], y[:10], classes=["b", "a", "c"])
    assert model.classes_.tolist() == ["a", "b", "c"]
    with pytest.raises(ValueError, match=r"classes=\['a', 'b'\] is not the classes_ of the "
                       r"fitted LSTMClassifier, \['a', 'b', 'c'\]"):
        model.partial_fit(X, y, classes=["a", "b"])
    with pytest.raises(ValueError, match=r"y holds classes \['d'\] that LSTMClassifier"):
        model.partial_fit(X, np.where(y == "a", "d", y))
    with pytest.raises(ValueError, match=r"y holds classes \['z'\] that LSTMClassifier"):
        tiny().partial_fit(X, np.where(y == "a", "z", y), classes=["a", "b"])
    assert model.n_iter_ == 1


def test_partial_fit_runs_one_epoch_per_call_and_records_each():
    X, y = ids_and_labels(n=60)
    model = tiny(early_stopping=True, max_epochs=50)
    for chunk in np.array_split(np.arange(60), 3):
        model.partial_fit(X[chunk], y[chunk], classes=["a", "b"])
    assert model.n_iter_ == 3 and model.do_early_stopping_ is False
    assert [record["epoch"] for record in model.history_] == [1, 2, 3]
    assert all("valid_loss" not in record for record in model.history_)
    assert n_steps(model.net_) == 3  # 20 rows in one batch of 64, per call


def test_partial_fit_reads_ids_beyond_the_first_vocabulary_as_oov():
    X, y = ids_and_labels()
    first = tiny().partial_fit(X, y, classes=["a", "b"])
    second = tiny().partial_fit(X, y, classes=["a", "b"])
    new_ids = np.where(X == 8, 30, X)
    first.partial_fit(new_ids, y)
    second.partial_fit(np.where(X == 8, 1, X), y)
    assert first.vocabulary_size_ == 9
    np.testing.assert_array_equal(first.predict_proba(X), second.predict_proba(X))


def test_a_failed_partial_fit_leaves_the_model_as_before(monkeypatch):
    X, y = ids_and_labels()
    model = tiny().partial_fit(X, y, classes=["a", "b"])
    before = model.predict_proba(X)
    fail_on_forward_call(monkeypatch, 1, KeyboardInterrupt())
    with pytest.raises(KeyboardInterrupt):
        model.partial_fit(X, y)
    monkeypatch.undo()
    np.testing.assert_array_equal(model.predict_proba(X), before)
    assert model.n_iter_ == 1
    fail_on_forward_call(monkeypatch, 1, RuntimeError("boom"))
    with pytest.raises(RuntimeError, match="boom"):
        tiny().partial_fit(X, y, classes=["a", "b"])


def test_partial_fit_refuses_balanced_class_weight():
    X, y = ids_and_labels()
    with pytest.raises(ValueError, match=r"class_weight='balanced' needs the class "
                       r"frequencies of all the data, which partial_fit sees one chunk"):
        tiny(class_weight="balanced").partial_fit(X, y, classes=["a", "b"])


def test_regressor_partial_fit_fixes_the_target_scaling_on_the_first_call():
    X = np.random.default_rng(0).normal(size=(30, 4))
    model = tiny(LSTMRegressor).partial_fit(X, X[:, -1] * 10 + 3)
    mean, scale = model.target_mean_, model.target_scale_
    model.partial_fit(X, X[:, -1] * 1000)
    assert model.target_mean_ == mean and model.target_scale_ == scale and model.n_iter_ == 2


def test_generator_partial_fit_continues_with_the_first_vocabulary():
    generator = LSTMTextGenerator(max_length=8, units=16, learning_rate=0.02, random_state=0)
    generator.partial_fit(["hello world"] * 8)
    vocabulary = dict(generator.tokenizer_.vocabulary_)
    scores = [generator.score(["hello world"])]
    for _ in range(3):
        generator.partial_fit(["hello world, xyz"] * 8)
        scores.append(generator.score(["hello world"]))
    assert generator.tokenizer_.vocabulary_ == vocabulary
    assert generator.n_iter_ == 4 and scores[-1] > scores[0]


def test_generator_warm_start_continues():
    generator = LSTMTextGenerator(max_length=8, units=8, max_epochs=2, random_state=0)
    generator.fit(["hello world"] * 4)
    steps = n_steps(generator.net_)
    generator.set_params(warm_start=True).fit(["hello there"] * 4)
    assert generator.n_iter_ == 4 and n_steps(generator.net_) == steps + 2


def chunked_csv(tmp_path, texts, y):
    path = tmp_path / "texts.csv"
    pd.DataFrame({"text": texts, "label": y}).to_csv(path, index=False)
    return path


def test_training_from_chunks_matches_one_fit(tmp_path):
    texts, y = texts_and_labels(n=400)
    test_texts, test_y = texts_and_labels(n=100, seed=1)
    path = chunked_csv(tmp_path, texts, y)
    tokenizer = CharTokenizer(level="word", max_length=4).fit(texts[:50])  # a sample
    params = dict(units=8, learning_rate=0.01, batch_size=16, random_state=0)
    whole = make_pipeline(
        tokenizer, LSTMClassifier(max_epochs=3, early_stopping=False, **params)
    ).fit(texts, y)
    streamed = LSTMClassifier(**params)
    for _ in range(3):
        for chunk in pd.read_csv(path, chunksize=40):
            streamed.partial_fit(tokenizer.transform(chunk["text"]), chunk["label"],
                                 classes=["a", "b"])
    assert streamed.n_iter_ == 30
    whole_accuracy = whole.score(test_texts, test_y)
    streamed_accuracy = streamed.score(tokenizer.transform(test_texts), test_y)
    assert streamed_accuracy >= 0.9 and whole_accuracy >= 0.9
    assert abs(streamed_accuracy - whole_accuracy) <= 0.05


# -- 3. callbacks -------------------------------------------------------------------


def test_user_callbacks_run_with_sklstms_own():
    X, y = ids_and_labels(n=80)
    counter = EpochCounter()
    model = tiny(
        max_epochs=30, early_stopping=True, n_iter_no_change=1, learning_rate=0.5,
        callbacks=[counter, ("halve", LRScheduler(policy="StepLR", step_size=1, gamma=0.5))],
    ).fit(X, y)
    assert model.n_iter_ < 30  # sklstm's early stopping still stops
    assert counter.calls == list(range(1, model.n_iter_ + 1))  # the last epoch included
    assert "valid_score" in model.history_[-1]
    assert model.net_.optimizer_.param_groups[0]["lr"] < 0.5
    assert model.net_.callbacks_[0][0] == "epoch_timer"
    assert "halve" in dict(model.net_.callbacks_)


def test_callbacks_survive_clone_and_grid_search():
    X, y = ids_and_labels()
    model = tiny(callbacks=[EpochCounter(), LRScheduler(policy="StepLR", step_size=1)])
    copy = clone(model)
    assert copy.callbacks is not model.callbacks
    assert [type(cb) for cb in copy.callbacks] == [EpochCounter, LRScheduler]
    assert copy.callbacks[1].get_params()["step_size"] == 1
    search = GridSearchCV(model, {"units": [4, 8]}, cv=2).fit(X, y)
    counter = search.best_estimator_.callbacks[0]
    assert counter.calls == [1, 2]
    assert model.callbacks[0].calls is None  # the given instance was cloned, not used


def test_checkpoint_with_safetensors(tmp_path):
    pytest.importorskip("safetensors", reason="safetensors is not installed (tests extra)")
    X, y = ids_and_labels(n=80)
    checkpoint = Checkpoint(
        monitor="valid_loss_best", dirname=str(tmp_path), use_safetensors=True,
        f_params="params.safetensors", f_optimizer=None, f_criterion=None, f_history="history.json",
    )
    model = tiny(max_epochs=3, early_stopping=True, callbacks=[checkpoint]).fit(X, y)
    from safetensors.torch import load_file

    saved = load_file(tmp_path / "params.safetensors")
    assert set(saved) == set(model.net_.module_.state_dict())


def test_callbacks_that_are_not_skorch_callbacks_are_refused():
    X, y = ids_and_labels()
    with pytest.raises(ValueError, match=r"LSTMClassifier\(callbacks=...\) takes skorch "
                       r"callbacks .* but item 0 is 'print'"):
        tiny(callbacks=["print"]).fit(X, y)
    with pytest.raises(ValueError, match=r"The 'callbacks' parameter of LSTMClassifier"):
        tiny(callbacks=EpochCounter()).fit(X, y)


@pytest.mark.parametrize("scoring", ["accuracy", "f1_macro", "roc_auc", "neg_log_loss"])
@pytest.mark.parametrize("on_train", [True, False])
def test_skorch_scoring_callbacks_score_the_classifiers_outputs(scoring, on_train):
    X, y = ids_and_labels()
    scorer = EpochScoring(scoring, on_train=on_train, name="extra_score")
    model = tiny(callbacks=[scorer], early_stopping=not on_train).fit(X, y)
    scores = [record["extra_score"] for record in model.net_.history]
    assert len(scores) == model.n_iter_ and np.isfinite(scores).all()
    if scoring != "neg_log_loss":
        assert all(0 <= score <= 1 for score in scores)


def test_skorch_scoring_callbacks_score_multilabel_and_regression_outputs():
    X, _ = ids_and_labels()
    Y = np.column_stack([X[:, 0] > 4, X[:, 1] > 5]).astype(int)
    scorer = EpochScoring("accuracy", on_train=True, name="extra_score")
    model = tiny(callbacks=[scorer]).fit(X, Y)
    assert 0 <= model.net_.history[-1, "extra_score"] <= 1
    scorer = EpochScoring("r2", on_train=True, name="extra_score")
    model = tiny(LSTMRegressor, callbacks=[scorer]).fit(X, X[:, 0] + 0.5)
    assert np.isfinite(model.net_.history[-1, "extra_score"])


# -- 4. progress ---------------------------------------------------------------------


class FakeTerminal(io.StringIO):
    def isatty(self):
        return True


def epoch_lines(text):
    return [line for line in text.splitlines() if re.match(r"\s*\d+\s", line)]


def test_verbose_prints_every_epoch_with_the_stopping_one_and_no_terminal_codes(capsys):
    X, y = ids_and_labels(n=80)
    model = tiny(
        max_epochs=30, early_stopping=True, n_iter_no_change=1, learning_rate=0.5, verbose=1
    ).fit(X, y)
    out = capsys.readouterr()
    lines = epoch_lines(out.out)
    assert len(lines) == model.n_iter_ < 30
    assert out.out.splitlines()[0].split() == [
        "epoch", "train_loss", "valid_loss", "valid_score", "dur"
    ]
    assert "Stopping since valid_loss has not improved in the last 1 epochs." in out.out
    assert not ANSI.search(out.out + out.err) and "\r" not in out.out + out.err


def test_warm_start_and_partial_fit_number_epochs_on(capsys):
    X, y = ids_and_labels()
    model = tiny(verbose=1, warm_start=True).fit(X, y)
    model.fit(X, y)
    for _ in range(2):
        model.partial_fit(X, y)
    printed = capsys.readouterr().out
    assert [int(line.split()[0]) for line in epoch_lines(printed)] == [1, 2, 3, 4, 5, 6]
    assert printed.count("train_loss") == 2  # a header per fit, none per partial_fit


def test_colours_only_on_a_terminal(monkeypatch):
    X, y = ids_and_labels()
    terminal = FakeTerminal()
    monkeypatch.setattr(sys, "stdout", terminal)
    tiny(verbose=1).fit(X, y)
    assert ANSI.search(terminal.getvalue())


def test_verbose_2_draws_a_bar_on_a_terminal_only(monkeypatch, capsys):
    X, y = ids_and_labels(n=100)
    tiny(verbose=2, batch_size=10).fit(X, y)
    captured = capsys.readouterr()
    assert captured.err == "" and len(epoch_lines(captured.out)) == 2
    terminal = FakeTerminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    tiny(verbose=2, batch_size=10).fit(X, y)
    assert re.search(r"epoch 1: +0%.*\| 0/10 \[", terminal.getvalue())
    assert "epoch 2:" in terminal.getvalue()
    assert len(epoch_lines(capsys.readouterr().out)) == 2


def test_grid_search_output_stays_one_message_per_line(capsys):
    X, y = ids_and_labels()
    GridSearchCV(tiny(verbose=1), {"units": [4, 8]}, cv=2, verbose=2).fit(X, y)
    printed = capsys.readouterr().out
    for line in printed.splitlines():
        assert (
            line.startswith(("Fitting", "[CV]"))
            or re.fullmatch(r"\s+\d+\s+\d\.\d{4}\s+\d+\.\d\d", line)
            or line.split() == ["epoch", "train_loss", "dur"]
        ), line
    assert len(epoch_lines(printed)) == 2 * 2 * 2 + 2  # folds, candidates, epochs; refit


# -- 5. ConvergenceWarning -----------------------------------------------------------


@pytest.mark.parametrize("cls", [LSTMClassifier, LSTMRegressor])
def test_convergence_warning_at_max_epochs_while_improving(cls):
    X, y = ids_and_labels()
    target = y if cls is LSTMClassifier else (y == "a").astype(float)
    with pytest.warns(
        ConvergenceWarning,
        match=rf"{cls.__name__} ran all max_epochs=2 epochs and the train_loss still "
        r"improved in the last 2 \(to [\d.]+\): training has not converged. Raise "
        r"max_epochs, or continue training with warm_start=True",
    ):
        tiny(cls).fit(X, target)


def test_no_convergence_warning_when_stopped_early_or_filtered():
    X, y = ids_and_labels(n=80)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        tiny(max_epochs=30, early_stopping=True, n_iter_no_change=1,
             learning_rate=0.5).fit(X, y)
        warnings.filterwarnings("ignore", category=ConvergenceWarning)
        tiny().fit(X, y)
        tiny().partial_fit(X, y, classes=["a", "b"])  # one epoch by design


class History:
    def __init__(self, losses, max_epochs, n_iter_no_change=2):
        self.history_ = [{"train_loss": loss} for loss in losses]
        self.max_epochs, self.n_iter_no_change = max_epochs, n_iter_no_change


@pytest.mark.parametrize(
    "losses, max_epochs, warns",
    [
        ([1.0, 0.9, 0.8, 0.7], 4, True),
        ([1.0, 0.5, 0.6, 0.55], 4, False),  # no improvement in the last 2
        ([1.0, 0.9, 0.8], 5, False),  # stopped before max_epochs
        ([1.0, 0.5, 0.5, 0.49999999], 4, False),  # below the threshold
        ([2.0, 1.0, 0.5, 0.4], 2, True),  # a warm start: the earlier fit counts too
    ],
)
def test_convergence_rule(losses, max_epochs, warns):
    estimator = History(losses, max_epochs)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        warn_if_not_converged(estimator, min(len(losses), max_epochs), "train_loss", 1)
    assert bool(caught) == warns


# -- 6. weight_decay and gradient_clip -----------------------------------------------


def weight_norm(model):
    return sum(p.detach().pow(2).sum() for p in model.net_.module_.parameters()).sqrt()


@pytest.mark.parametrize("cls", [LSTMClassifier, LSTMRegressor])
def test_weight_decay_uses_adamw_and_shrinks_the_weights(cls):
    X, y = ids_and_labels()
    target = y if cls is LSTMClassifier else (y == "a").astype(float)
    plain = tiny(cls, max_epochs=3).fit(X, target)
    decayed = tiny(cls, max_epochs=3, weight_decay=10.0).fit(X, target)
    assert type(plain.net_.optimizer_) is torch.optim.Adam
    assert type(decayed.net_.optimizer_) is torch.optim.AdamW
    assert decayed.net_.optimizer_.param_groups[0]["weight_decay"] == 10.0
    assert weight_norm(decayed) < weight_norm(plain)


class GradientNorms(Callback):
    def initialize(self):
        self.norms_ = []
        return self

    def on_grad_computed(self, net, named_parameters, **kwargs):
        grads = [p.grad.norm() for _, p in named_parameters if p.grad is not None]
        self.norms_.append(float(torch.stack(grads).norm()))


@pytest.mark.parametrize("cls", [LSTMClassifier, LSTMTextGenerator])
def test_gradient_clip_bounds_the_gradient_norm(cls):
    if cls is LSTMTextGenerator:
        X, y = ["hello world"] * 8, None
        make = lambda **p: LSTMTextGenerator(max_length=8, units=8, max_epochs=2,  # noqa: E731
                                             random_state=0, **p)
    else:
        X, y = ids_and_labels()
        make = lambda **p: tiny(**p)  # noqa: E731
    unclipped, clipped = GradientNorms(), GradientNorms()
    make(callbacks=[unclipped]).fit(X, y)
    make(callbacks=[clipped], gradient_clip=1e-3).fit(X, y)
    assert min(unclipped.norms_) > 1e-3
    assert max(clipped.norms_) <= 1e-3 * (1 + 1e-4)


@pytest.mark.parametrize(
    "params, message",
    [
        ({"weight_decay": -1}, r"The 'weight_decay' parameter of LSTMClassifier must be "
         r"a float in the range \[0.0, inf\)"),
        ({"gradient_clip": 0}, r"The 'gradient_clip' parameter of LSTMClassifier must be "
         r"a float in the range \(0.0, inf\) or None"),
        ({"warm_start": "yes"}, r"The 'warm_start' parameter of LSTMClassifier must be"),
    ],
)
def test_invalid_training_parameters(params, message):
    X, y = ids_and_labels()
    with pytest.raises(ValueError, match=message):
        tiny(**params).fit(X, y)


# -- 7. multilabel ---------------------------------------------------------------------


TOPICS = {"food": ["soup", "bread", "cake"], "film": ["movie", "plot", "actor"]}
SENTIMENT = {1: ["loved", "enjoyed", "liked"], 0: ["hated", "disliked", "loathed"]}


def topic_and_sentiment(n=200, seed=0):
    """Texts with two labels: 'is about food' and 'is positive'."""
    rng = np.random.default_rng(seed)
    texts, Y = [], []
    for _ in range(n):
        food, positive = rng.integers(0, 2, size=2)
        topic = TOPICS["food" if food else "film"]
        texts.append(f"i {rng.choice(SENTIMENT[positive])} the {rng.choice(topic)}")
        Y.append([food, positive])
    return texts, np.array(Y)


def test_multilabel_texts_beat_each_labels_majority():
    texts, Y = topic_and_sentiment()
    test_texts, test_Y = topic_and_sentiment(n=100, seed=1)
    model = make_pipeline(
        CharTokenizer(level="word"),
        LSTMClassifier(units=8, max_epochs=15, learning_rate=0.02, random_state=0),
    ).fit(texts, Y)
    predicted = model.predict(test_texts)
    assert predicted.shape == (100, 2) and predicted.dtype == Y.dtype
    assert set(np.unique(predicted)) <= {0, 1}
    majority = (Y.mean(axis=0) > 0.5).astype(int)
    majority_accuracy = (test_Y == majority).mean(axis=0)
    label_accuracy = (predicted == test_Y).mean(axis=0)
    assert (label_accuracy > majority_accuracy + 0.3).all()
    proba = model.predict_proba(test_texts)
    assert proba.shape == (100, 2) and ((proba > 0) & (proba < 1)).all()
    np.testing.assert_array_equal(model[-1].classes_, [0, 1])


def test_multilabel_with_early_stopping_and_default_settings():
    X, _ = ids_and_labels(n=2600)
    Y = np.column_stack([X[:, 0] > 4, X[:, 1] > 5, X[:, 2] == 2]).astype(int)
    model = LSTMClassifier(units=4, max_epochs=1, random_state=0).fit(X, Y)  # 'auto'
    assert model.do_early_stopping_ is True and "valid_score" in model.history_[0]
    assert model.predict(X[:3]).shape == (3, 3)
    model = tiny(early_stopping=True).fit(X[:40], Y[:40])
    assert 0 <= model.history_[-1]["valid_score"] <= 1


def test_multilabel_continues_and_refuses_what_does_not_fit():
    X, _ = ids_and_labels()
    Y = np.column_stack([X[:, 0] > 4, X[:, 1] > 5]).astype(int)
    model = tiny().partial_fit(X, Y)  # no classes needed
    model.partial_fit(X, Y)
    assert model.n_iter_ == 2 and model.classes_.tolist() == [0, 1]
    assert model.out_activation_ == "logistic"
    assert tiny().fit(X, Y[:, 0]).out_activation_ == "softmax"
    with pytest.raises(ValueError, match=r"y has 3 labels \(columns\), but the fitted "
                       r"LSTMClassifier predicts 2"):
        model.partial_fit(X, np.column_stack([Y, Y[:, 0]]))
    with pytest.raises(ValueError, match=r"The fitted LSTMClassifier was trained on a "
                       r"multilabel indicator matrix, and continues on the same kind"):
        model.partial_fit(X, Y[:, 0])
    with pytest.raises(ValueError, match=r"classes has 3 entries, but the multilabel y "
                       r"has 2 columns \(labels\)"):
        tiny().partial_fit(X, Y, classes=[0, 1, 2])


@pytest.mark.parametrize(
    "Y, params, message",
    [
        (np.array([["a", "b"]] * 20 + [["b", "a"]] * 20), {},
         r"LSTMClassifier reads a 2-D y as a multilabel indicator matrix \(one column per "
         r"label, 0 or 1\), but y is 'multiclass-multioutput'"),
        (np.array([[0, 1], [1, 0]] * 20), {"class_weight": "balanced"},
         r"class_weight weighs the classes of 1-D labels; a multilabel y takes none"),
        (np.array([[0, 0], [2, 0]] * 20), {},
         r"LSTMClassifier reads a 2-D y as a multilabel indicator matrix of 0 and 1, but "
         r"row 1 of y holds 2\. Binarize it first"),
        (np.array([[1, -1], [-1, 1]] * 20), {}, r"row 0 of y holds -1\. Binarize"),
    ],
)
def test_multilabel_refusals(Y, params, message):
    X, _ = ids_and_labels()
    with pytest.raises(ValueError, match=message):
        tiny(**params).fit(X, Y)


def test_multilabel_takes_a_sparse_indicator_matrix():
    from scipy.sparse import csr_matrix

    X, _ = ids_and_labels()
    Y = np.column_stack([X[:, 0] > 4, X[:, 1] > 5]).astype(int)
    dense = tiny().fit(X, Y)
    sparse = tiny().fit(X, csr_matrix(Y))
    np.testing.assert_array_equal(sparse.predict_proba(X), dense.predict_proba(X))
    assert sparse.predict(X).shape == Y.shape


def test_multilabel_tags():
    assert LSTMClassifier().__sklearn_tags__().classifier_tags.multi_label is True


def test_a_learning_rate_column_where_a_schedule_changes_it(capsys):
    X, y = ids_and_labels()
    tiny(verbose=1, learning_rate_schedule="adaptive").fit(X, y)
    assert capsys.readouterr().out.splitlines()[0].split() == [
        "epoch", "train_loss", "lr", "dur"
    ]
