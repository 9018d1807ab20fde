"""The estimators inside scikit-learn's tools: pipelines, searches, joblib, dask."""

import json
import os
import pathlib
import subprocess
import sys

import joblib
import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.model_selection import GridSearchCV, KFold, StratifiedKFold, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.validation import check_is_fitted

import sklstm
from sklstm import CharTokenizer, LSTMClassifier, LSTMRegressor

# The search's max_length 3 cuts every text before its sentiment word (char
# and word level alike), so the best candidates must read 30 tokens.
TEXT_GRID = {
    "lstmclassifier__units": [4, 8],
    "chartokenizer__max_length": [3, 30],
    "chartokenizer__level": ["char", "word"],
}


def text_pipeline(**classifier_params):
    classifier = {
        "units": 8,
        "max_epochs": 5,
        "learning_rate": 0.05,
        "early_stopping": False,
        # The sentiment word ends each toy sentence: the last state learns it in
        # the few steps these tests can afford.
        "pooling": "last",
        "random_state": 0,
    }
    return make_pipeline(CharTokenizer(), LSTMClassifier(**{**classifier, **classifier_params}))


def text_search(**search_params):
    return GridSearchCV(
        text_pipeline(),
        TEXT_GRID,
        cv=StratifiedKFold(n_splits=2),
        error_score="raise",
        **search_params,
    )


@pytest.fixture(scope="module")
def serial_text_search(toy_sentiment_sentences):
    texts, labels = toy_sentiment_sentences
    return text_search(n_jobs=1).fit(texts, labels)


@pytest.fixture(scope="module")
def fitted_text_pipeline(toy_sentiment_sentences):
    texts, labels = toy_sentiment_sentences
    return text_pipeline().fit(texts, labels)


@pytest.fixture(scope="module")
def dask_client():
    """One two-process local dask cluster for the module, closed afterwards."""
    import distributed  # a test dependency ("tests" extra): fail loudly if missing
    cluster = distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address=None,
    )
    try:
        client = distributed.Client(cluster)
        try:
            yield client
        finally:
            client.close()
    finally:
        cluster.close()


# -- pipelines on raw text ------------------------------------------------------


def test_pipeline_on_raw_strings_predicts_labels(toy_sentiment_sentences):
    texts, labels = toy_sentiment_sentences
    from_list = text_pipeline(max_epochs=10).fit(texts, labels)
    # A Series with an index that is not 0..n-1, as after filtering a DataFrame.
    index = pd.RangeIndex(100, 100 + len(texts))
    text_series = pd.Series(texts, index=index, name="text")
    from_series = text_pipeline(max_epochs=10).fit(text_series, pd.Series(labels, index=index))

    classifier = from_list[-1]
    np.testing.assert_array_equal(classifier.classes_, ["negative", "positive"])
    predicted = from_list.predict(texts)
    assert set(predicted.tolist()) <= {"negative", "positive"}
    assert np.mean(predicted == labels) >= 0.9

    proba = from_list.predict_proba(texts)
    assert proba.shape == (len(texts), 2)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    np.testing.assert_array_equal(predicted, classifier.classes_[proba.argmax(axis=1)])

    np.testing.assert_array_equal(from_series[-1].classes_, classifier.classes_)
    np.testing.assert_array_equal(from_series.predict_proba(text_series), proba)
    np.testing.assert_array_equal(from_series.predict(text_series), predicted)


def test_cross_val_score_on_pipeline(toy_sentiment_sentences):
    texts, labels = toy_sentiment_sentences
    scores = cross_val_score(
        text_pipeline(), texts, labels, cv=StratifiedKFold(n_splits=3), error_score="raise"
    )
    assert scores.shape == (3,)
    assert np.isfinite(scores).all()
    assert ((scores >= 0) & (scores <= 1)).all()


# -- grid search: serial, loky, dask -------------------------------------------


def test_grid_search_finds_a_learnable_candidate(serial_text_search):
    search = serial_text_search
    assert search.best_params_["chartokenizer__max_length"] == 30
    assert search.best_score_ >= 0.9
    scores = search.cv_results_["mean_test_score"]
    assert len(scores) == 8
    truncated = np.asarray(search.cv_results_["param_chartokenizer__max_length"]) == 3
    assert scores[truncated].max() < scores[~truncated].max()
    refitted = search.best_estimator_
    assert refitted[0].level == search.best_params_["chartokenizer__level"]
    assert refitted[0].max_length_ == 30
    assert refitted[-1].net_.module_.forward_layers[0].hidden_size == (
        search.best_params_["lstmclassifier__units"]
    )


def test_grid_search_two_jobs_matches_one(toy_sentiment_sentences, serial_text_search):
    texts, labels = toy_sentiment_sentences
    parallel = text_search(n_jobs=2).fit(texts, labels)
    assert parallel.best_params_ == serial_text_search.best_params_
    np.testing.assert_array_equal(
        parallel.cv_results_["mean_test_score"],
        serial_text_search.cv_results_["mean_test_score"],
    )


def test_grid_search_on_dask_matches_one_job(
    toy_sentiment_sentences, serial_text_search, dask_client
):
    from distributed import get_task_stream

    texts, labels = toy_sentiment_sentences
    with get_task_stream(dask_client) as task_stream:
        with joblib.parallel_backend("dask"):
            on_dask = text_search().fit(texts, labels)
    # The fits really ran on the cluster, not silently in this process.
    assert len(task_stream.data) > 0
    assert on_dask.best_params_ == serial_text_search.best_params_
    np.testing.assert_array_equal(
        on_dask.cv_results_["mean_test_score"],
        serial_text_search.cv_results_["mean_test_score"],
    )


# -- persistence ------------------------------------------------------------------

_LOAD_AND_PREDICT = """
import json, sys
import joblib, numpy as np
import sklstm
model_path, texts_path, proba_path = sys.argv[1:]
with open(texts_path, encoding="utf-8") as file:
    texts = json.load(file)
model = joblib.load(model_path)
np.save(proba_path, model.predict_proba(texts))
print(sklstm.__file__)
"""


def test_joblib_round_trip_in_a_fresh_process(
    toy_sentiment_sentences, fitted_text_pipeline, tmp_path
):
    texts, _ = toy_sentiment_sentences
    unseen = texts[:10] + ["zebras were good", "", "THE FOOD WAS AWFUL!!"]
    model_path = tmp_path / "pipeline.joblib"
    texts_path = tmp_path / "texts.json"
    proba_path = tmp_path / "proba.npy"
    joblib.dump(fitted_text_pipeline, model_path)
    texts_path.write_text(json.dumps(unseen), encoding="utf-8")

    # The child imports the very sklstm under test, wherever it is run from.
    package_root = str(pathlib.Path(sklstm.__file__).resolve().parents[1])
    env = {**os.environ, "PYTHONPATH": package_root}
    child = subprocess.run(
        [sys.executable, "-c", _LOAD_AND_PREDICT, str(model_path), str(texts_path),
         str(proba_path)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert child.returncode == 0, child.stderr
    assert pathlib.Path(child.stdout.strip()).resolve() == pathlib.Path(sklstm.__file__).resolve()
    np.testing.assert_array_equal(
        np.load(proba_path), fitted_text_pipeline.predict_proba(unseen)
    )


# -- clone and nested parameters -----------------------------------------------------


def test_clone_of_fitted_pipeline_is_unfitted(fitted_text_pipeline, toy_sentiment_sentences):
    texts, _ = toy_sentiment_sentences
    cloned = clone(fitted_text_pipeline)
    for step in cloned:
        with pytest.raises(NotFittedError):
            check_is_fitted(step)
    with pytest.raises(NotFittedError):
        cloned.predict(texts)
    assert cloned[-1].get_params() == fitted_text_pipeline[-1].get_params()
    assert cloned[0].get_params() == fitted_text_pipeline[0].get_params()
    # Cloning left the original fitted.
    check_is_fitted(fitted_text_pipeline[-1])
    fitted_text_pipeline.predict(texts[:2])


def test_set_params_on_nested_steps_takes_effect(toy_sentiment_sentences):
    texts, labels = toy_sentiment_sentences
    pipeline = text_pipeline()
    returned = pipeline.set_params(
        lstmclassifier__units=4,
        lstmclassifier__max_epochs=2,
        chartokenizer__level="word",
        chartokenizer__max_length=6,
    )
    assert returned is pipeline
    assert pipeline.get_params()["lstmclassifier__units"] == 4
    assert pipeline.get_params()["chartokenizer__level"] == "word"
    pipeline.fit(texts, labels)
    tokenizer, classifier = pipeline[0], pipeline[-1]
    assert tokenizer.max_length_ == 6
    assert "food" in tokenizer.vocabulary_
    assert tokenizer.transform(texts).shape == (len(texts), 6)
    assert classifier.net_.module_.forward_layers[0].hidden_size == 4
    assert classifier.n_iter_ == 2
    assert classifier.n_features_in_ == 6


# -- regression on numeric windows --------------------------------------------------


def regression_pipeline(**regressor_params):
    regressor = {"units": 8, "max_epochs": 5, "learning_rate": 0.05, "random_state": 0}
    return make_pipeline(StandardScaler(), LSTMRegressor(**{**regressor, **regressor_params}))


def test_regressor_pipeline_with_scaling_step(toy_sine_windows):
    X, y = toy_sine_windows
    pipeline = regression_pipeline().fit(X, y)
    scaler, regressor = pipeline[0], pipeline[-1]
    assert regressor.input_type_ == "sequences"
    assert regressor.input_shape_ == (X.shape[1],)
    predicted = pipeline.predict(X)
    assert predicted.shape == y.shape
    np.testing.assert_array_equal(predicted, regressor.predict(scaler.transform(X)))
    # Predictions are on y's scale (around 50), not the scaled inputs' (around 0).
    assert abs(predicted.mean() - y.mean()) < 5
    assert pipeline.score(X, y) > 0.5


def test_regressor_pipeline_in_grid_search(toy_sine_windows):
    X, y = toy_sine_windows
    search = GridSearchCV(
        regression_pipeline(),
        {"lstmregressor__units": [4, 8]},
        cv=KFold(n_splits=2),
        error_score="raise",
    ).fit(X, y)
    scores = search.cv_results_["mean_test_score"]
    assert scores.shape == (2,)
    assert np.isfinite(scores).all()
    assert search.best_params_["lstmregressor__units"] in (4, 8)
    best_units = search.best_estimator_[-1].net_.module_.forward_layers[0].hidden_size
    assert best_units == search.best_params_["lstmregressor__units"]
    assert search.predict(X).shape == y.shape
