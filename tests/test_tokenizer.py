"""CharTokenizer's contract, tested by hand.

scikit-learn's common checks skip almost everything for a transformer tagged as
taking strings, so these tests are its conformance suite: exact ids, every input
form, the estimator API and the wording of every error.
"""

import pickle
import re

import joblib
import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.compose import ColumnTransformer
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline

from sklstm import CharTokenizer

OOV = "\ufffd"
TEXTS = ["the cat", "a hat!", "that cat sat"]


# --- ids: 0 padding, 1 out-of-vocabulary, 2.. by frequency ---------------------


def test_ids_follow_frequency_then_token_order():
    # 'a' and 'b' both occur 3 times: the tie goes to string order, not to
    # order of appearance ('b' comes first in the text).
    tokenizer = CharTokenizer().fit(["bbcaa", "cab", "d"])
    assert tokenizer.vocabulary_ == {"a": 2, "b": 3, "c": 4, "d": 5}


def test_ties_are_broken_by_string_order_not_appearance():
    tokenizer = CharTokenizer().fit(["zyx"])
    assert tokenizer.vocabulary_ == {"x": 2, "y": 3, "z": 4}


def test_vocabulary_does_not_depend_on_text_order():
    forward = CharTokenizer(level="word").fit(TEXTS)
    backward = CharTokenizer(level="word").fit(TEXTS[::-1])
    assert forward.vocabulary_ == backward.vocabulary_
    np.testing.assert_array_equal(forward.transform(TEXTS), backward.transform(TEXTS))


def test_transform_gives_exact_ids_with_padding_and_oov():
    tokenizer = CharTokenizer(max_length=6).fit(["abba", "abc"])
    assert tokenizer.vocabulary_ == {"a": 2, "b": 3, "c": 4}
    ids = tokenizer.transform(["cab", "abcd", "zz"])
    expected = np.array([[4, 2, 3, 0, 0, 0], [2, 3, 4, 1, 0, 0], [1, 1, 0, 0, 0, 0]])
    np.testing.assert_array_equal(ids, expected)


def test_reserved_ids_are_never_tokens():
    tokenizer = CharTokenizer().fit(TEXTS)
    ids = sorted(tokenizer.vocabulary_.values())
    assert ids == list(range(2, 2 + len(ids)))


def test_output_dtype_and_shape():
    tokenizer = CharTokenizer().fit(TEXTS)
    ids = tokenizer.transform(TEXTS + ["x"])
    assert ids.dtype == np.int32  # half of int64's memory; torch's embedding reads it
    assert ids.shape == (4, tokenizer.max_length_)
    assert tokenizer.max_length_ == len("that cat sat")


def test_empty_text_at_transform_is_all_padding():
    tokenizer = CharTokenizer(max_length=3, padding="pre").fit(["ab"])
    np.testing.assert_array_equal(tokenizer.transform([""]), [[0, 0, 0]])


# --- levels and lowercasing ---------------------------------------------------


def test_char_level_counts_spaces_and_punctuation():
    tokenizer = CharTokenizer().fit(["a b, a"])
    # ' ' and 'a' occur twice; ' ' < 'a' and ',' < 'b' in string order.
    assert tokenizer.vocabulary_ == {" ": 2, "a": 3, ",": 4, "b": 5}
    np.testing.assert_array_equal(tokenizer.transform(["a b, a"]), [[3, 2, 5, 4, 2, 3]])


def test_word_level_exact_ids():
    tokenizer = CharTokenizer(level="word").fit(["Don't stop, don't!"])
    assert tokenizer.vocabulary_ == {"don't": 2, "!": 3, ",": 4, "stop": 5}
    np.testing.assert_array_equal(
        tokenizer.transform(["Don't stop, don't!", "stop it"]),
        [[2, 5, 4, 2, 3], [5, 1, 0, 0, 0]],
    )


@pytest.mark.parametrize(
    "text, tokens",
    [
        ("don't stop", ["don't", "stop"]),
        ("it's.", ["it's", "."]),
        ("rock'n'roll", ["rock'n'roll"]),
        ("dogs' bone", ["dogs", "'", "bone"]),
        ("'quoted'", ["'", "quoted", "'"]),
        ("wait...what?!", ["wait", ".", ".", ".", "what", "?", "!"]),
        ("a  b\tc\nd", ["a", "b", "c", "d"]),
        ("snake_case 42x", ["snake_case", "42x"]),
        ("café ☕", ["café", "☕"]),
    ],
)
def test_word_level_tokenization_rule(text, tokens):
    tokenizer = CharTokenizer(level="word", lowercase=False).fit([text])
    assert tokenizer.max_length_ == len(tokens)
    assert set(tokenizer.vocabulary_) == set(tokens)
    assert tokenizer.inverse_transform(tokenizer.transform([text]))[0] == " ".join(tokens)


def test_lowercase_true_merges_cases_at_fit_and_transform():
    tokenizer = CharTokenizer(lowercase=True).fit(["Aa"])
    assert tokenizer.vocabulary_ == {"a": 2}
    np.testing.assert_array_equal(tokenizer.transform(["AA"]), [[2, 2]])


def test_lowercase_false_keeps_cases_apart():
    tokenizer = CharTokenizer(lowercase=False).fit(["Aaa"])
    assert tokenizer.vocabulary_ == {"a": 2, "A": 3}
    np.testing.assert_array_equal(tokenizer.transform(["AB", "aA"]), [[3, 1, 0], [2, 3, 0]])


def test_word_level_lowercase_false():
    tokenizer = CharTokenizer(level="word", lowercase=False).fit(["Cat cat"])
    assert tokenizer.vocabulary_ == {"Cat": 2, "cat": 3}


# --- max_length, padding and truncating -----------------------------------------


def test_max_length_none_uses_longest_text_in_fit():
    tokenizer = CharTokenizer().fit(["ab", "abcde", ""])
    assert tokenizer.max_length_ == 5
    ids = tokenizer.transform(["abcdeabcde"])
    assert ids.shape == (1, 5)
    np.testing.assert_array_equal(ids, [[2, 3, 4, 5, 6]])


def test_max_length_none_counts_words_at_word_level():
    tokenizer = CharTokenizer(level="word").fit(["one two three", "four"])
    assert tokenizer.max_length_ == 3


def test_explicit_max_length_overrides_longest_text():
    tokenizer = CharTokenizer(max_length=3).fit(["abcdef"])
    assert tokenizer.max_length_ == 3
    assert tokenizer.transform(["a"]).shape == (1, 3)
    wide = CharTokenizer(max_length=8).fit(["ab"])
    np.testing.assert_array_equal(wide.transform(["ab"]), [[2, 3, 0, 0, 0, 0, 0, 0]])


@pytest.mark.parametrize(
    "padding, truncating, expected",
    [
        ("post", "post", [[2, 3, 0], [2, 3, 4]]),
        ("pre", "post", [[0, 2, 3], [2, 3, 4]]),
        ("post", "pre", [[2, 3, 0], [4, 5, 6]]),
        ("pre", "pre", [[0, 2, 3], [4, 5, 6]]),
    ],
)
def test_padding_and_truncating(padding, truncating, expected):
    tokenizer = CharTokenizer(max_length=3, padding=padding, truncating=truncating)
    tokenizer.fit(["abcde"])
    assert tokenizer.vocabulary_ == {"a": 2, "b": 3, "c": 4, "d": 5, "e": 6}
    np.testing.assert_array_equal(tokenizer.transform(["ab", "abcde"]), expected)


def test_text_of_exactly_max_length_is_neither_padded_nor_truncated():
    for padding in ("pre", "post"):
        for truncating in ("pre", "post"):
            tokenizer = CharTokenizer(max_length=3, padding=padding, truncating=truncating)
            np.testing.assert_array_equal(tokenizer.fit_transform(["abc"]), [[2, 3, 4]])


# --- max_tokens and min_frequency ------------------------------------------------


def test_max_tokens_keeps_the_most_frequent():
    tokenizer = CharTokenizer(max_tokens=2).fit(["aaabbc"])
    assert tokenizer.vocabulary_ == {"a": 2, "b": 3}
    np.testing.assert_array_equal(tokenizer.transform(["cab"]), [[1, 2, 3, 0, 0, 0]])


def test_max_tokens_cuts_ties_by_string_order():
    tokenizer = CharTokenizer(max_tokens=2).fit(["dcba"])
    assert tokenizer.vocabulary_ == {"a": 2, "b": 3}


def test_max_tokens_above_vocabulary_size_keeps_all():
    tokenizer = CharTokenizer(max_tokens=100).fit(["abc"])
    assert tokenizer.vocabulary_ == {"a": 2, "b": 3, "c": 4}


def test_max_tokens_at_word_level():
    tokenizer = CharTokenizer(level="word", max_tokens=1).fit(["the cat the hat the"])
    assert tokenizer.vocabulary_ == {"the": 2}
    np.testing.assert_array_equal(tokenizer.transform(["the dog"]), [[2, 1, 0, 0, 0]])


@pytest.mark.parametrize(
    "min_frequency, vocabulary",
    [(1, {"a": 2, "b": 3, "c": 4}), (2, {"a": 2, "b": 3}), (3, {"a": 2})],
)
def test_min_frequency_drops_rare_tokens(min_frequency, vocabulary):
    tokenizer = CharTokenizer(min_frequency=min_frequency).fit(["aab", "abc"])
    assert tokenizer.vocabulary_ == vocabulary


def test_min_frequency_counts_over_the_whole_corpus():
    # 'b' occurs once per text but twice in all: it is kept.
    tokenizer = CharTokenizer(min_frequency=2).fit(["ab", "bc"])
    assert tokenizer.vocabulary_ == {"b": 2}
    np.testing.assert_array_equal(tokenizer.transform(["abc"]), [[1, 2]])


def test_min_frequency_and_max_tokens_together():
    tokenizer = CharTokenizer(min_frequency=2, max_tokens=1).fit(["aaabbc"])
    assert tokenizer.vocabulary_ == {"a": 2}


def test_min_frequency_above_every_count_is_empty_vocabulary():
    with pytest.raises(ValueError, match=r"empty vocabulary.*min_frequency=4.*2 texts"):
        CharTokenizer(min_frequency=4).fit(["aab", "abc"])


# --- inverse_transform ---------------------------------------------------------


@pytest.mark.parametrize("padding", ["pre", "post"])
def test_inverse_transform_round_trips_char_level(padding):
    texts = ["hello, world", "hi", ""]
    tokenizer = CharTokenizer(padding=padding).fit(texts)
    restored = tokenizer.inverse_transform(tokenizer.transform(texts))
    assert restored.dtype == object
    assert restored.shape == (3,)
    assert restored.tolist() == texts


def test_inverse_transform_lowercases_and_drops_truncated_part():
    tokenizer = CharTokenizer(max_length=4).fit(["Hello"])
    assert tokenizer.inverse_transform(tokenizer.transform(["Hello"])).tolist() == ["hell"]


def test_inverse_transform_joins_words_with_single_spaces():
    texts = ["Hello,   world!", "don't\tgo"]
    tokenizer = CharTokenizer(level="word").fit(texts)
    restored = tokenizer.inverse_transform(tokenizer.transform(texts))
    assert restored.tolist() == ["hello , world !", "don't go"]


def test_inverse_transform_writes_oov_as_replacement_character():
    tokenizer = CharTokenizer(max_length=5).fit(["ab"])
    ids = tokenizer.transform(["azb"])
    np.testing.assert_array_equal(ids, [[2, 1, 3, 0, 0]])
    assert tokenizer.inverse_transform(ids).tolist() == [f"a{OOV}b"]
    words = CharTokenizer(level="word").fit(["the cat"])
    assert words.inverse_transform(words.transform(["the dog"])).tolist() == [f"the {OOV}"]


def test_inverse_transform_accepts_nested_lists_and_dataframes():
    tokenizer = CharTokenizer().fit(["abc"])
    assert tokenizer.inverse_transform([[4, 3, 2]]).tolist() == ["cba"]
    frame = tokenizer.set_output(transform="pandas").transform(["cab"])
    assert tokenizer.inverse_transform(frame).tolist() == ["cab"]


@pytest.mark.parametrize(
    "ids, match",
    [
        (np.array([2, 3]), r"2-D integer array of token ids, got an array of shape \(2,\)"),
        (np.array([[2.0, 3.0]]), r"2-D integer array.*shape \(1, 2\) and dtype float64"),
        (np.array([[["a"]]]), r"2-D integer array.*shape \(1, 1, 1\)"),
    ],
)
def test_inverse_transform_rejects_bad_ids(ids, match):
    tokenizer = CharTokenizer().fit(["abc"])
    with pytest.raises(ValueError, match=match):
        tokenizer.inverse_transform(ids)


# --- feature names and set_output ------------------------------------------------


def test_get_feature_names_out_has_max_length_names():
    tokenizer = CharTokenizer().fit(["abcd"])
    names = tokenizer.get_feature_names_out()
    np.testing.assert_array_equal(
        names, ["chartokenizer0", "chartokenizer1", "chartokenizer2", "chartokenizer3"]
    )
    assert names.dtype == object
    assert len(CharTokenizer(max_length=7).fit(["a"]).get_feature_names_out()) == 7


def test_set_output_pandas_gives_a_dataframe():
    series = pd.Series(["cab", "ab"], index=["first", "second"])
    plain = CharTokenizer().fit(series).transform(series)
    tokenizer = CharTokenizer().set_output(transform="pandas")
    frame = tokenizer.fit_transform(series)
    assert isinstance(frame, pd.DataFrame)
    assert list(frame.columns) == ["chartokenizer0", "chartokenizer1", "chartokenizer2"]
    assert list(frame.index) == ["first", "second"]
    np.testing.assert_array_equal(frame.to_numpy(), plain)
    assert isinstance(tokenizer.transform(["ab"]), pd.DataFrame)


# --- every input form gives the same ids -----------------------------------------

INPUT_FORMS = {
    "list": lambda texts: list(texts),
    "tuple": lambda texts: tuple(texts),
    "ndarray_str": lambda texts: np.array(texts),
    "ndarray_object": lambda texts: np.array(texts, dtype=object),
    "ndarray_column": lambda texts: np.array(texts).reshape(-1, 1),
    "ndarray_object_column": lambda texts: np.array(texts, dtype=object).reshape(-1, 1),
    "series": lambda texts: pd.Series(texts),
    "series_labelled": lambda texts: pd.Series(
        texts, index=[10 * k + 5 for k in range(len(texts))]
    ),
    "series_object": lambda texts: pd.Series(texts, dtype=object),
    "dataframe": lambda texts: pd.DataFrame({"text": texts}, index=list("xyz")[: len(texts)]),
    "generator": lambda texts: (text for text in texts),
}


@pytest.mark.parametrize("level", ["char", "word"])
@pytest.mark.parametrize("form", INPUT_FORMS)
def test_every_input_form_gives_the_same_ids(form, level):
    reference = CharTokenizer(level=level).fit(TEXTS)
    expected = reference.transform(TEXTS)
    tokenizer = CharTokenizer(level=level).fit(INPUT_FORMS[form](TEXTS))
    assert tokenizer.vocabulary_ == reference.vocabulary_
    assert tokenizer.max_length_ == reference.max_length_
    np.testing.assert_array_equal(tokenizer.transform(INPUT_FORMS[form](TEXTS)), expected)
    np.testing.assert_array_equal(reference.transform(INPUT_FORMS[form](TEXTS)), expected)


# --- scikit-learn estimator contract ---------------------------------------------

PARAMS = dict(
    level="word",
    max_length=5,
    lowercase=False,
    max_tokens=10,
    min_frequency=2,
    padding="pre",
    truncating="pre",
    embeddings=None,
    warm_start=True,
)


def test_clone_is_unfitted_with_same_params():
    tokenizer = CharTokenizer(**PARAMS).fit(["a a b b c c"])
    copy = clone(tokenizer)
    assert copy is not tokenizer
    assert copy.get_params() == PARAMS
    assert not hasattr(copy, "vocabulary_")
    assert not hasattr(copy, "max_length_")
    with pytest.raises(NotFittedError):
        copy.transform(["a"])


def test_get_params_set_params_round_trip():
    tokenizer = CharTokenizer()
    assert tokenizer.get_params() == {
        "level": "char",
        "max_length": None,
        "lowercase": True,
        "max_tokens": None,
        "min_frequency": 1,
        "padding": "post",
        "truncating": "post",
        "embeddings": None,
        "warm_start": False,
    }
    assert tokenizer.set_params(**PARAMS) is tokenizer
    assert tokenizer.get_params() == PARAMS
    assert CharTokenizer(**tokenizer.get_params()).get_params() == PARAMS


def test_set_params_takes_effect_at_next_fit():
    tokenizer = CharTokenizer().fit(["ab cd"])
    tokenizer.set_params(level="word")
    assert tokenizer.fit(["ab cd"]).vocabulary_ == {"ab": 2, "cd": 3}


def test_pickle_round_trip():
    tokenizer = CharTokenizer(level="word", max_length=4).fit(TEXTS)
    restored = pickle.loads(pickle.dumps(tokenizer))
    assert restored.vocabulary_ == tokenizer.vocabulary_
    np.testing.assert_array_equal(restored.transform(TEXTS), tokenizer.transform(TEXTS))
    np.testing.assert_array_equal(
        restored.get_feature_names_out(), tokenizer.get_feature_names_out()
    )


def test_joblib_round_trip(tmp_path):
    tokenizer = CharTokenizer(padding="pre").fit(TEXTS)
    path = tmp_path / "tokenizer.joblib"
    joblib.dump(tokenizer, path)
    restored = joblib.load(path)
    np.testing.assert_array_equal(restored.transform(TEXTS), tokenizer.transform(TEXTS))
    ids = tokenizer.transform(TEXTS)
    assert restored.inverse_transform(ids).tolist() == tokenizer.inverse_transform(ids).tolist()


def test_refit_replaces_vocabulary_and_length():
    tokenizer = CharTokenizer().fit(["aaaa", "ab"])
    tokenizer.fit(["xyz"])
    assert tokenizer.vocabulary_ == {"x": 2, "y": 3, "z": 4}
    assert tokenizer.max_length_ == 3
    assert len(tokenizer.get_feature_names_out()) == 3
    np.testing.assert_array_equal(tokenizer.transform(["ax"]), [[1, 2, 0]])
    fresh = CharTokenizer().fit(["xyz"])
    np.testing.assert_array_equal(tokenizer.transform(TEXTS), fresh.transform(TEXTS))


def test_refit_after_max_length_change():
    tokenizer = CharTokenizer(max_length=2).fit(["abcd"])
    tokenizer.set_params(max_length=None).fit(["abcd"])
    assert tokenizer.max_length_ == 4


@pytest.mark.parametrize(
    "method, argument",
    [
        ("transform", ["a"]),
        ("inverse_transform", [[2]]),
        ("get_feature_names_out", None),
    ],
)
def test_not_fitted_error_before_fit(method, argument):
    tokenizer = CharTokenizer()
    args = () if argument is None else (argument,)
    with pytest.raises(NotFittedError, match="CharTokenizer instance is not fitted yet"):
        getattr(tokenizer, method)(*args)


def test_fit_returns_self():
    tokenizer = CharTokenizer()
    assert tokenizer.fit(TEXTS) is tokenizer
    assert tokenizer.fit(TEXTS, y=[0, 1, 0]) is tokenizer


@pytest.mark.parametrize("params", [{}, PARAMS, {"level": "word", "padding": "pre"}])
def test_fit_transform_equals_fit_then_transform(params):
    texts = TEXTS + ["The the THE cat, cat!"]
    expected = CharTokenizer(**params).fit(texts).transform(texts)
    np.testing.assert_array_equal(CharTokenizer(**params).fit_transform(texts), expected)


@pytest.mark.parametrize("level", ["char", "word"])
@pytest.mark.parametrize("truncating", ["pre", "post"])
@pytest.mark.parametrize("padding", ["pre", "post"])
def test_single_pass_fit_transform_truncates_like_transform(level, truncating, padding):
    # fit_transform tokenizes once and truncates the flat tokens itself: long,
    # short and empty texts, and "İ" (which lowercases to two code points).
    texts = ["İstanbul is big, really big!", "", "ok", "a b c d e f g h", "İİ x"]
    params = dict(level=level, max_length=4, truncating=truncating, padding=padding)
    expected = CharTokenizer(**params).fit(texts).transform(texts)
    np.testing.assert_array_equal(CharTokenizer(**params).fit_transform(texts), expected)


def test_works_inside_a_pipeline():
    texts = ["good", "great", "fine", "bad", "awful", "poor"] * 3
    labels = [1, 1, 1, 0, 0, 0] * 3
    pipeline = Pipeline(
        [("tokenizer", CharTokenizer(max_length=5)), ("model", LogisticRegression())]
    )
    pipeline.fit(texts, labels)
    fitted = pipeline.named_steps["tokenizer"]
    standalone = CharTokenizer(max_length=5).fit(texts)
    assert fitted.vocabulary_ == standalone.vocabulary_
    np.testing.assert_array_equal(pipeline[:-1].transform(texts), standalone.transform(texts))
    assert pipeline.predict(texts).shape == (18,)
    np.testing.assert_array_equal(
        pipeline[:-1].get_feature_names_out(), [f"chartokenizer{k}" for k in range(5)]
    )
    pipeline.set_params(tokenizer__max_length=3).fit(texts, labels)
    assert pipeline[:-1].transform(texts).shape == (18, 3)


@pytest.mark.parametrize("column", ["text", ["text"]])
def test_works_in_column_transformer(column):
    frame = pd.DataFrame({"text": ["ab c", "ba", "c"], "n": [7, 8, 9]})
    transformer = ColumnTransformer(
        [("tokens", CharTokenizer(), column)], remainder="passthrough"
    )
    out = transformer.fit_transform(frame)
    tokens = CharTokenizer().fit(frame["text"]).transform(frame["text"])
    np.testing.assert_array_equal(out, np.column_stack([tokens, frame["n"]]))
    assert list(transformer.get_feature_names_out()) == [
        f"tokens__chartokenizer{k}" for k in range(4)
    ] + ["remainder__n"]
    np.testing.assert_array_equal(transformer.transform(frame.iloc[:1]), out[:1])


# --- bad input: each message pinned ----------------------------------------------


@pytest.mark.parametrize("method", ["fit", "transform"])
@pytest.mark.parametrize(
    "texts, match",
    [
        ("a text", r"expects an iterable of str .*got a single str; wrap it in a list"),
        (b"a text", r"got a single bytes; wrap it in a list"),
        (42, r"expects an iterable of str, got int"),
        ([], r"CharTokenizer got 0 texts; at least one is required"),
        (np.array([], dtype=str), r"got 0 texts"),
        (pd.Series([], dtype=object), r"got 0 texts"),
        (["a", "b", None], r"row 2 is missing \(None\); drop or fill missing texts"),
        (["a", "b", "c", np.nan], r"row 3 is missing \(nan\); drop or fill missing texts"),
        (np.array(["a", np.float32("nan")], dtype=object), r"row 1 is missing"),
        (["a", 3, "b"], r"expects str texts, but row 1 is of type int \(3\); convert it to str"),
        (["a", b"b"], r"row 1 is of type bytes \(b'b'\); convert it to str"),
        (
            pd.DataFrame({"a": ["x"], "b": ["y"]}),
            r"expects one column of texts, got a DataFrame with 2 columns \['a', 'b'\]; "
            r"select the text column",
        ),
        (np.array([["a", "b"]]), r"expects a 1-D array of texts .*shape \(1, 2\)"),
    ],
)
def test_bad_texts_raise_with_message(method, texts, match):
    tokenizer = CharTokenizer()
    if method == "transform":
        tokenizer.fit(["abc"])
    with pytest.raises(ValueError, match=match):
        getattr(tokenizer, method)(texts)


@pytest.mark.parametrize("missing, shown", [(None, "None"), (np.nan, "nan")])
@pytest.mark.parametrize("method", ["fit", "transform"])
def test_missing_text_in_series_names_the_index_label(missing, shown, method):
    texts = pd.Series(["a", "b", missing], index=["x", "y", "z"], dtype=object)
    tokenizer = CharTokenizer()
    if method == "transform":
        tokenizer.fit(["abc"])
    with pytest.raises(ValueError, match=rf"row 2 \(index label 'z'\) is missing \({shown}\)"):
        getattr(tokenizer, method)(texts)


def test_missing_text_in_string_series_names_the_index_label():
    texts = pd.Series(["a", None, "b"], index=[100, 200, 300], dtype="string")
    with pytest.raises(ValueError, match=r"row 1 \(index label 200\) is missing \(<NA>\)"):
        CharTokenizer().fit(texts)


def test_missing_text_in_dataframe_names_the_index_label():
    frame = pd.DataFrame({"text": ["a", np.nan]}, index=["first", "second"])
    with pytest.raises(ValueError, match=r"row 1 \(index label 'second'\) is missing"):
        CharTokenizer().fit(frame)


def test_non_str_in_series_names_the_index_label():
    texts = pd.Series(["a", 7], index=["p", "q"], dtype=object)
    with pytest.raises(ValueError, match=r"row 1 \(index label 'q'\) is of type int \(7\)"):
        CharTokenizer().fit(texts)


@pytest.mark.parametrize("level", ["char", "word"])
def test_only_empty_texts_is_empty_vocabulary(level):
    texts = ["", ""] if level == "char" else ["", "  \t\n"]
    with pytest.raises(ValueError, match=r"empty vocabulary: no token occurs .*2 texts"):
        CharTokenizer(level=level).fit(texts)


@pytest.mark.parametrize(
    "params, match",
    [
        ({"level": "sentence"}, r"'level' parameter of CharTokenizer must be a str among"),
        ({"max_length": 0}, r"'max_length' parameter of CharTokenizer must be an int"),
        ({"max_length": 2.5}, r"'max_length' parameter of CharTokenizer must be an int"),
        ({"padding": "middle"}, r"'padding' parameter of CharTokenizer must be a str among"),
        ({"truncating": "middle"}, r"'truncating' parameter of CharTokenizer"),
        ({"min_frequency": 0}, r"'min_frequency' parameter of CharTokenizer must be an int"),
        ({"max_tokens": 0}, r"'max_tokens' parameter of CharTokenizer must be an int"),
        ({"lowercase": "yes"}, r"'lowercase' parameter of CharTokenizer"),
    ],
)
def test_invalid_parameters_raise_at_fit(params, match):
    tokenizer = CharTokenizer(**params)  # __init__ only stores
    assert tokenizer.get_params()[next(iter(params))] == next(iter(params.values()))
    with pytest.raises(ValueError, match=match) as error:
        tokenizer.fit(["abc"])
    assert isinstance(error.value, ValueError)
    with pytest.raises(ValueError, match=match):
        tokenizer.fit_transform(["abc"])


def reference_transform(tokenizer, texts):
    """The tutorials' per-token dict loop, as a reference for the vectorised code."""
    rows = []
    for text in texts:
        text = text.lower() if tokenizer.lowercase else text
        if tokenizer.level == "char":
            tokens = list(text)
        else:
            tokens = re.findall(r"\w+(?:'\w+)*|[^\w\s]", text)
        width = tokenizer.max_length_
        tokens = tokens[:width] if tokenizer.truncating == "post" else tokens[-width:]
        ids = [tokenizer.vocabulary_.get(token, 1) for token in tokens]
        padding = [0] * (width - len(ids))
        rows.append(ids + padding if tokenizer.padding == "post" else padding + ids)
    return np.array(rows, dtype=np.int64)


@pytest.mark.parametrize("level", ["char", "word"])
@pytest.mark.parametrize("padding", ["pre", "post"])
@pytest.mark.parametrize("truncating", ["pre", "post"])
@pytest.mark.parametrize("lowercase", [True, False])
def test_vectorised_transform_matches_a_per_token_loop(level, padding, truncating, lowercase):
    rng = np.random.default_rng(0)
    alphabet = list("abcAB  .,!'xyzÉé") + ["İ", "😀", "\u4e2d", "\t", "_"]
    texts = ["".join(rng.choice(alphabet, size=rng.integers(0, 40))) for _ in range(300)]
    tokenizer = CharTokenizer(
        level=level,
        max_length=25,
        padding=padding,
        truncating=truncating,
        lowercase=lowercase,
        max_tokens=12,
    ).fit(texts[:200])
    np.testing.assert_array_equal(
        tokenizer.transform(texts), reference_transform(tokenizer, texts)
    )


# --- the public seams: encode, decode, to_dict, from_dict ------------------------


@pytest.mark.parametrize("level", ["char", "word"])
@pytest.mark.parametrize("truncating", ["pre", "post"])
def test_encode_gives_transforms_ids_unpadded(level, truncating):
    tokenizer = CharTokenizer(level=level, max_length=3, truncating=truncating).fit(TEXTS)
    texts = ["that hat sat", "", "zz cat", "a"]
    ids, lengths = tokenizer.encode(texts, truncate=True)
    rows = tokenizer.transform(texts)
    assert ids.dtype == np.int32
    np.testing.assert_array_equal(lengths, (rows != 0).sum(axis=1))
    np.testing.assert_array_equal(ids, rows[rows != 0])
    whole_ids, whole_lengths = tokenizer.encode(texts)
    assert whole_lengths.tolist() == {"char": [12, 0, 6, 1], "word": [3, 0, 2, 1]}[level]
    wide = clone(tokenizer).set_params(max_length=20).fit(TEXTS)  # the same vocabulary
    rows = wide.transform(texts)
    np.testing.assert_array_equal(whole_ids, rows[rows != 0])


def test_decode_writes_one_row_as_inverse_transform_does():
    tokenizer = CharTokenizer(level="word").fit(TEXTS)
    row = [2, 1, 0, 5, 99]
    assert tokenizer.decode(row) == tokenizer.inverse_transform([row])[0]
    assert tokenizer.decode(np.array(row, dtype=np.uint8)) == tokenizer.decode(row)
    assert tokenizer.decode([]) == ""
    ids, _ = tokenizer.encode(["that cat sat"])
    assert tokenizer.decode(ids) == "that cat sat"
    with pytest.raises(ValueError, match=r"decode expects one sequence of integer token ids "
                       r"\(1-D\), got an array of shape \(1, 2\) and dtype int64"):
        tokenizer.decode(np.array([[2, 3]]))
    with pytest.raises(ValueError, match=r"got an array of shape \(2,\) and dtype float64"):
        tokenizer.decode([2.0, 3.5])
    with pytest.raises(ValueError, match=r"decode expects token ids >= 0 \(0 is padding, 1 "
                       r"out-of-vocabulary\), but ids holds -4"):
        tokenizer.decode([2, -4])


@pytest.mark.parametrize("method, args", [
    ("encode", (["a"],)), ("decode", ([2],)), ("to_dict", ()),
])
def test_the_seams_need_a_fitted_tokenizer(method, args):
    with pytest.raises(NotFittedError):
        getattr(CharTokenizer(), method)(*args)


@pytest.mark.parametrize("params", [
    dict(),
    dict(level="word", max_length=4, padding="pre", truncating="pre", lowercase=False),
    dict(max_tokens=3, min_frequency=2),
])
def test_to_dict_is_plain_json_and_from_dict_transforms_alike(params):
    import json

    tokenizer = CharTokenizer(**params).fit(TEXTS)
    state = tokenizer.to_dict()
    assert json.loads(json.dumps(state)) == state
    assert list(state) == ["params", "max_length_", "vocabulary", "vector_words"]
    assert state["vector_words"] is None
    rebuilt = CharTokenizer.from_dict(json.loads(json.dumps(state)))
    assert rebuilt.get_params() == {**tokenizer.get_params()}
    assert rebuilt.vocabulary_ == tokenizer.vocabulary_
    texts = ["That CAT", "", "zebra hat!!", "a" * 30]
    np.testing.assert_array_equal(rebuilt.transform(texts), tokenizer.transform(texts))
    assert rebuilt.get_feature_names_out().tolist() == tokenizer.get_feature_names_out().tolist()


def test_to_dict_holds_the_vectors_words_so_from_dict_needs_no_vectors(tmp_path):
    path = tmp_path / "tiny.vec"
    path.write_text("3 2\nthe 0 1\nzebra 1 0\nhat 0.5 0.5\n", encoding="utf-8")
    tokenizer = CharTokenizer(level="word", embeddings=str(path)).fit(TEXTS)
    state = tokenizer.to_dict()
    assert state["vector_words"] == ["the", "zebra", "hat"]
    path.unlink()  # the rebuilt tokenizer reads no file
    rebuilt = CharTokenizer.from_dict(state)
    assert rebuilt.embeddings is None
    # "zebra" was never in fit: it still reads its vector's id (row 1 + 2).
    np.testing.assert_array_equal(rebuilt.transform(["zebra the cat"]), [[3, 2, 5]])
