"""load_sentences and load_air_passengers: the demo data shipped in sklstm/data/."""

import numpy as np
import pandas as pd
import pytest

from sklstm import LSTMRegressor
from sklstm.datasets import load_air_passengers, load_sentences


def test_default_loads_both_sources_balanced():
    sentences = load_sentences()
    assert sentences.data.shape == (2000,)
    assert sentences.target.shape == (2000,)
    assert sentences.source.shape == (2000,)
    assert sentences.data.dtype == object
    assert all(isinstance(text, str) and text for text in sentences.data)
    assert sentences.target.dtype == np.int64
    assert np.bincount(sentences.target).tolist() == [1000, 1000]
    assert sentences.target_names == ["negative", "positive"]
    assert sentences.frame is None
    # Sources stay in the order asked for, each file in its own order.
    assert sentences.source[:1000].tolist() == ["yelp"] * 1000
    assert sentences.source[1000:].tolist() == ["amazon"] * 1000
    assert sentences.data[0] == "Wow... Loved this place."
    assert sentences.target[0] == 1


def test_description_names_source_and_licence():
    descr = load_sentences().DESCR
    assert "Kotzias" in descr
    assert "CC BY 4.0" in descr
    assert "archive.ics.uci.edu/dataset/331" in descr


def test_quote_characters_are_kept():
    # Read with quoting on, a sentence holding a quote would swallow the lines
    # after it; every row has a label and the counts stay at 1000 per file.
    texts = load_sentences().data
    assert any('"' in text for text in texts)
    assert len(texts) == 2000


@pytest.mark.parametrize(
    "sources, expected",
    [
        (("yelp",), {"yelp": 1000}),
        (["amazon"], {"amazon": 1000}),
        ("amazon", {"amazon": 1000}),
        (("amazon", "yelp"), {"amazon": 1000, "yelp": 1000}),
    ],
)
def test_sources(sources, expected):
    sentences = load_sentences(sources=sources)
    values, counts = np.unique(sentences.source, return_counts=True)
    assert dict(zip(values.tolist(), counts.tolist())) == expected
    for source in expected:
        in_source = sentences.target[sentences.source == source]
        assert np.bincount(in_source).tolist() == [500, 500]
    first = sentences.source[0]
    assert first == (sources if isinstance(sources, str) else sources[0])


def test_as_frame():
    sentences = load_sentences(as_frame=True)
    assert isinstance(sentences.data, pd.Series)
    assert sentences.data.name == "text"
    assert isinstance(sentences.target, pd.Series)
    assert sentences.target.name == "label"
    assert isinstance(sentences.frame, pd.DataFrame)
    assert sentences.frame.shape == (2000, 3)
    assert list(sentences.frame.columns) == ["text", "label", "source"]
    assert sentences.frame["label"].dtype == np.int64
    as_arrays = load_sentences()
    assert sentences.data.tolist() == as_arrays.data.tolist()
    assert sentences.target.tolist() == as_arrays.target.tolist()
    assert sentences.source.tolist() == as_arrays.source.tolist()


@pytest.mark.parametrize("as_frame", [False, True])
def test_return_X_y(as_frame):
    X, y = load_sentences(sources=["yelp"], return_X_y=True, as_frame=as_frame)
    bunch = load_sentences(sources=["yelp"], as_frame=as_frame)
    assert type(X) is type(bunch.data)
    assert type(y) is type(bunch.target)
    assert len(X) == len(y) == 1000
    assert list(X) == list(bunch.data)
    assert list(y) == list(bunch.target)


@pytest.mark.parametrize(
    "sources, match",
    [
        (["imdb"], r"unknown source\(s\) \['imdb'\]; valid sources are \['amazon', 'yelp'\]"),
        (("yelp", "Amazon"), r"unknown source\(s\) \['Amazon'\]"),
        ((), r"no source given; valid sources are \['amazon', 'yelp'\]"),
        (("yelp", "yelp"), r"a source is named twice in \['yelp', 'yelp'\]"),
    ],
)
def test_bad_sources_raise(sources, match):
    with pytest.raises(ValueError, match=match):
        load_sentences(sources=sources)


# The first and last year of the series, as published (thousands of passengers).
AIR_PASSENGERS_1949 = [112, 118, 132, 129, 121, 135, 148, 148, 136, 119, 104, 118]
AIR_PASSENGERS_1960 = [417, 391, 419, 461, 472, 535, 622, 606, 508, 461, 390, 432]


def test_air_passengers_default_windows():
    passengers = load_air_passengers()
    assert passengers.series.shape == (144,)
    assert passengers.series.dtype == np.float64
    assert passengers.series[:12].tolist() == AIR_PASSENGERS_1949
    assert passengers.series[-12:].tolist() == AIR_PASSENGERS_1960
    assert passengers.series.sum() == 40363
    assert passengers.dates.dtype == np.dtype("datetime64[M]")
    assert passengers.dates[0] == np.datetime64("1949-01")
    assert passengers.dates[-1] == np.datetime64("1960-12")
    assert (np.diff(passengers.dates) == np.timedelta64(1, "M")).all()
    assert passengers.data.shape == (132, 12)
    assert passengers.data.dtype == np.float64
    assert passengers.target.shape == (132,)
    assert passengers.target.dtype == np.float64
    assert passengers.data[0].tolist() == AIR_PASSENGERS_1949
    assert passengers.target[0] == 115
    assert passengers.target_dates[0] == np.datetime64("1950-01")
    assert passengers.target_dates[-1] == np.datetime64("1960-12")
    assert passengers.frame is None


@pytest.mark.parametrize("n_steps", [1, 3, 12, 24, 143, np.int64(6)])
def test_air_passengers_windows_follow_the_series(n_steps):
    passengers = load_air_passengers(n_steps=n_steps)
    series = passengers.series
    assert passengers.data.shape == (144 - n_steps, n_steps)
    for row in {0, len(passengers.target) // 2, len(passengers.target) - 1}:
        assert passengers.data[row].tolist() == series[row : row + n_steps].tolist()
        assert passengers.target[row] == series[row + n_steps]
        assert passengers.target_dates[row] == passengers.dates[row + n_steps]
    # The arrays are the caller's own: writing to one changes no other.
    passengers.data[0, 0] = -1
    assert passengers.series[0] == 112
    assert load_air_passengers(n_steps=n_steps).data[0, 0] == 112


def test_air_passengers_as_frame():
    passengers = load_air_passengers(n_steps=3, as_frame=True)
    arrays = load_air_passengers(n_steps=3)
    assert isinstance(passengers.data, pd.DataFrame)
    assert list(passengers.data.columns) == ["lag_3", "lag_2", "lag_1"]
    assert passengers.data.index.name == "date"
    assert passengers.data.index[0] == pd.Timestamp("1949-04-01")
    np.testing.assert_array_equal(passengers.data.to_numpy(), arrays.data)
    assert isinstance(passengers.target, pd.Series)
    assert passengers.target.name == "passengers"
    assert passengers.target.index.equals(passengers.data.index)
    np.testing.assert_array_equal(passengers.target.to_numpy(), arrays.target)
    assert isinstance(passengers.series, pd.Series)
    assert passengers.series.index[-1] == pd.Timestamp("1960-12-01")
    np.testing.assert_array_equal(passengers.series.to_numpy(), arrays.series)
    assert list(passengers.frame.columns) == ["lag_3", "lag_2", "lag_1", "passengers"]
    assert passengers.frame.shape == (141, 4)


@pytest.mark.parametrize("as_frame", [False, True])
def test_air_passengers_return_X_y(as_frame):
    X, y = load_air_passengers(return_X_y=True, as_frame=as_frame)
    bunch = load_air_passengers(as_frame=as_frame)
    assert type(X) is type(bunch.data)
    assert type(y) is type(bunch.target)
    np.testing.assert_array_equal(np.asarray(X), np.asarray(bunch.data))
    np.testing.assert_array_equal(np.asarray(y), np.asarray(bunch.target))


def test_air_passengers_description_names_source_and_licence():
    descr = load_air_passengers().DESCR
    assert "Box and Jenkins" in descr
    assert "Series G" in descr
    assert "Licence" in descr


def test_air_passengers_windows_are_read_as_sequences():
    # Float windows: the estimators read numbers, not token ids, with no warning.
    X, y = load_air_passengers(return_X_y=True)
    model = LSTMRegressor(units=4, max_epochs=1, random_state=0).fit(X, y)
    assert model.input_type_ == "sequences"
    assert model.predict(X[:2]).shape == (2,)


@pytest.mark.parametrize("n_steps", [12.0, "12", True, None])
def test_air_passengers_n_steps_of_wrong_type(n_steps):
    with pytest.raises(TypeError, match=r"load_air_passengers: n_steps must be an int, got"):
        load_air_passengers(n_steps=n_steps)


@pytest.mark.parametrize("n_steps", [0, -1, 144, 1000])
def test_air_passengers_n_steps_out_of_range(n_steps):
    match = rf"n_steps must be between 1 and 143 \(the series has 144 months\), got {n_steps}\."
    with pytest.raises(ValueError, match=match):
        load_air_passengers(n_steps=n_steps)
