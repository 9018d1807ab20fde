"""load_sentences: the demo data shipped in sklstm/data/."""

import numpy as np
import pandas as pd
import pytest

from sklstm.datasets import load_sentences


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
