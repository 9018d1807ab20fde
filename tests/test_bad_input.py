"""Bad input is refused, or read as the user meant, with a message that says the fix.

Lists and tuples with a bad row, unordered collections, numbers misread as
token ids, empty steps, values beyond float32, batch-dependent lowercasing, one
outlier text setting every row's width, and generate's edge arguments. Each
message is pinned with ``pytest.raises(..., match=...)``.
"""

import re
import warnings

import numpy as np
import pandas as pd
import pytest
import scipy.sparse
from conftest import fast
from sklearn.pipeline import make_pipeline

from sklstm import CharTokenizer, LSTMClassifier, LSTMRegressor, LSTMTextGenerator
from sklstm._ids import TOKEN_ID_LIMIT

ESTIMATORS = [LSTMClassifier, LSTMRegressor]


def tiny(cls, **params):
    return fast(cls, **params)

def token_ids(n=8):
    return (np.arange(n * 3).reshape(n, 3) % 5 + 2).astype(np.int64)


def labels(n=8):
    return np.arange(n) % 2


# --- lists and tuples name the row, as arrays do -------------------------------


@pytest.mark.parametrize("container", [list, tuple])
def test_missing_label_in_a_list_names_the_row(container):
    y = container(["a", None, "b", "a", "b", "a", "b", "a"])
    with pytest.raises(ValueError, match=r"Input y contains NaN at row 1;"):
        tiny(LSTMClassifier).fit(token_ids(), y)


@pytest.mark.parametrize("container", [list, tuple])
def test_nan_target_in_a_list_names_the_row(container):
    y = container([0.0, 1.0, 2.0, float("nan"), 1.0, 0.0, 1.0, 2.0])
    with pytest.raises(ValueError, match=r"Input y contains NaN at row 3;"):
        tiny(LSTMRegressor).fit(token_ids(), y)


@pytest.mark.parametrize("cls", ESTIMATORS)
@pytest.mark.parametrize("container", [list, tuple])
def test_bad_row_of_a_list_x_is_named(cls, container):
    def as_container(array):
        return container(container(row) for row in array.tolist())

    numbers = np.linspace(0, 1, 24).reshape(8, 3)
    numbers[5, 1] = np.nan
    with pytest.raises(ValueError, match=r"Input X contains NaN at row 5;"):
        tiny(cls).fit(as_container(numbers), labels())
    ids = token_ids()
    ids[6, 2] = -1
    with pytest.raises(ValueError, match=r"Token ids must be >= 0 .* row 6 holds -1\."):
        tiny(cls).fit(as_container(ids), labels())
    fractional = token_ids().astype(float)
    fractional[2, 0] = 2.5
    with pytest.raises(ValueError, match=r"whole-number token ids, but row 2 holds 2.5;"):
        tiny(cls, input_type="tokens").fit(as_container(fractional), labels())
    model = tiny(cls).fit(token_ids(), labels())
    with pytest.raises(ValueError, match=r"Token ids must be >= 0 .* row 6 holds -1\."):
        model.predict(as_container(ids))


# --- unordered collections are refused ----------------------------------------

SET_REASON = r"a set has no order, so its rows would not match y"
MAPPING_REASON = (
    r"a mapping leaves it unsaid whether its keys or its values are the rows, and in "
    r"which order"
)
UNORDERED_TEXTS = [
    ({"good film", "bad film"}, "set", SET_REASON),
    (frozenset({"good film", "bad film"}), "frozenset", SET_REASON),
    ({"good film": 1, "bad film": 0}, "dict", MAPPING_REASON),
    ({"good film": 1}.keys(), "dict_keys", SET_REASON),
    ({1: "good film"}.values(), "dict_values", MAPPING_REASON),
]


@pytest.mark.parametrize("method", ["fit", "fit_transform", "transform"])
@pytest.mark.parametrize("texts, kind, reason", UNORDERED_TEXTS)
def test_tokenizer_refuses_unordered_texts(method, texts, kind, reason):
    tokenizer = CharTokenizer()
    if method == "transform":
        tokenizer.fit(["good film", "bad film"])
    expected = (
        rf"CharTokenizer expects texts as an ordered sequence \(a list, array, Series "
        rf"or DataFrame\), got a {kind}: {reason}\. Pass a list in the order of y\."
    )
    with pytest.raises(ValueError, match=expected):
        getattr(tokenizer, method)(texts)


def test_text_generator_refuses_a_set():
    with pytest.raises(ValueError, match=r"LSTMTextGenerator expects texts .* got a set"):
        LSTMTextGenerator(units=4, max_epochs=1).fit({"hello", "world"})


@pytest.mark.parametrize("cls", ESTIMATORS)
def test_estimators_refuse_unordered_x(cls):
    rows = {(2, 3, 4), (3, 4, 2)}
    with pytest.raises(ValueError, match=rf"{cls.__name__} expects X as an ordered .* got a set"):
        tiny(cls).fit(rows, [0, 1])
    by_name = {"a": [2, 3, 4], "b": [3, 4, 2]}
    expected = rf"expects X as an ordered .* got a dict: {MAPPING_REASON}\. Pass a list"
    with pytest.raises(ValueError, match=expected):
        tiny(cls).fit(by_name, [0, 1])
    model = tiny(cls).fit(token_ids(), labels())
    with pytest.raises(ValueError, match=r"expects X as an ordered .* got a dict_values"):
        model.predict(by_name.values())
    # A DOK matrix is a dict subclass, but gets scikit-learn's sparse message.
    with pytest.raises(TypeError, match=r"Sparse data was passed .* but dense data is required"):
        tiny(cls).fit(scipy.sparse.dok_array(token_ids()), labels())


# --- numbers misread as token ids ----------------------------------------------


@pytest.mark.parametrize("cls", ESTIMATORS)
def test_token_ids_must_be_below_the_limit(cls):
    assert TOKEN_ID_LIMIT == 10_000_000
    ids = token_ids()
    # At the limit first: cheap (embedding_dim=1), so that a missing check fails
    # here rather than trying to allocate the timestamp's table below.
    ids[3, 1] = TOKEN_ID_LIMIT
    expected = (
        r"Token ids must be below 10,000,000 \(the embedding table has a row for every "
        r"id up to the largest\), but row 3 holds 10,000,000\. If X holds numeric "
        r"values \(timestamps, counts, prices\) rather than token ids, pass "
        r"input_type='sequences' or cast X to float\."
    )
    with pytest.raises(ValueError, match=expected):
        tiny(cls, embedding_dim=1).fit(ids, labels())
    ids[3, 1] = 1_700_000_000  # a Unix timestamp: a 27 GB table at embedding_dim=4
    with pytest.raises(ValueError, match=r"but row 3 holds 1,700,000,000\."):
        tiny(cls).fit(ids, labels())
    with pytest.raises(ValueError, match=r"but row 3 holds 1,700,000,000\."):
        tiny(cls, input_type="tokens").fit(ids.astype(float), labels())
    frame = pd.DataFrame(ids, index=[f"t{k}" for k in range(8)])
    with pytest.raises(ValueError, match=r"row 3 \(index label 't3'\) holds 1,700,000,000"):
        tiny(cls).fit(frame, labels())
    # Read as numbers, as the message suggests, the same X fits.
    tiny(cls, input_type="sequences").fit(ids, labels())


def test_largest_allowed_token_id_fits():
    ids = token_ids()
    ids[0, 0] = TOKEN_ID_LIMIT - 1
    model = tiny(LSTMClassifier, embedding_dim=1).fit(ids, labels())
    assert model.vocabulary_size_ == TOKEN_ID_LIMIT


@pytest.mark.parametrize("huge", [1.7e9, 1e39])
def test_huge_ids_at_predict_are_out_of_vocabulary(huge):
    model = tiny(LSTMClassifier).fit(token_ids(), labels())
    ids = token_ids().astype(float)
    oov = ids.copy()
    ids[:, 1], oov[:, 1] = huge, 1  # 1e39 would wrap to a negative int64 if cast
    np.testing.assert_array_equal(model.predict_proba(ids), model.predict_proba(oov))


# --- empty steps ------------------------------------------------------------------


@pytest.mark.parametrize("cls", ESTIMATORS)
@pytest.mark.parametrize(
    "shape, per_step",
    [((8, 0, 2), " and 1 value per step"), ((8, 2, 0), " and 1 value per step"), ((8, 0), "")],
)
def test_empty_steps_are_refused_naming_the_shape(cls, shape, per_step):
    expected = (
        rf"X is empty: {cls.__name__} needs at least 1 step per sample{per_step}\. Found "
        rf"array with 0 feature\(s\) \(shape={re.escape(str(shape))}\) while a minimum "
        r"of 1 is required\."
    )
    with pytest.raises(ValueError, match=expected):
        tiny(cls).fit(np.zeros(shape), labels())


# --- values beyond float32 ---------------------------------------------------------


@pytest.mark.parametrize("cls", ESTIMATORS)
@pytest.mark.parametrize("value", [1e39, -3.5e38])
def test_values_beyond_float32_are_refused_naming_the_row(cls, value):
    X = np.linspace(0, 1, 48).reshape(8, 3, 2)
    X[4, 2, 1] = value
    expected = (
        rf"Input X holds {re.escape(f'{value:g}')} at row 4, beyond float32's range "
        r"\(\+-3\.403e\+38\) in which the LSTM computes: it would become infinity\. "
        r"Rescale X first, e\.g\. divide it by its largest absolute value\."
    )
    with pytest.raises(ValueError, match=expected):
        tiny(cls).fit(X, labels())
    model = tiny(cls).fit(np.linspace(0, 1, 48).reshape(8, 3, 2), labels())
    with pytest.raises(ValueError, match=expected):
        model.predict(X)
    # The largest float32 itself is still accepted.
    X[4, 2, 1] = np.finfo(np.float32).max
    model.predict(X)


# --- the tokenizer ------------------------------------------------------------------


def test_inverse_transform_refuses_negative_ids():
    tokenizer = CharTokenizer().fit(["abc"])
    with pytest.raises(
        ValueError,
        match=r"inverse_transform expects token ids >= 0 \(0 is padding, 1 "
        r"out-of-vocabulary\), but row 1 holds -3\.",
    ):
        tokenizer.inverse_transform([[2, 3], [2, -3]])
    frame = pd.DataFrame([[2, 3], [-1, 0]], index=["x", "y"])
    with pytest.raises(ValueError, match=r"row 1 \(index label 'y'\) holds -1\."):
        tokenizer.inverse_transform(frame)


def per_text_reference(tokenizer, texts):
    """Each text alone, lowercased whole, then truncated and padded."""
    return np.vstack([tokenizer.transform([text]) for text in texts])


@pytest.mark.parametrize(
    "batch",
    [
        # capital sigma: the per-text path
        ["ΟΔΟΣ", "x"],
        ["ΟΔΟΣ", "Α"],
        ["ΟΔΟΣ", "", "'s"],
        ["ΣΟΦΟΣ ΟΔΟΣ", "ΟΔΟΣΑ", "ς σ Σ"],
        # no capital sigma: the joined fast path, ASCII and not
        ["The CAT", "sat ON", "a MAT"],
        ["ΟΔΟ", "ΑΛΦΑ", "Éé"],
    ],
)
@pytest.mark.parametrize("truncating", ["pre", "post"])
def test_lowercased_ids_do_not_depend_on_the_batch(batch, truncating):
    for max_length in (None, 4):
        tokenizer = CharTokenizer(max_length=max_length, truncating=truncating)
        tokenizer.fit(batch + ["ς σ α ο δ φ λ x '"])
        expected = per_text_reference(tokenizer, batch)
        np.testing.assert_array_equal(tokenizer.transform(batch), expected)
        refit = CharTokenizer(max_length=max_length, truncating=truncating)
        refit.fit_transform(batch + ["ς σ α ο δ φ λ x '"])
        assert refit.vocabulary_ == tokenizer.vocabulary_


def test_final_sigma_is_lowercased_as_in_the_text_alone():
    tokenizer = CharTokenizer().fit(["ΟΔΟΣ x σ"])
    alone = tokenizer.transform(["ΟΔΟΣ"])
    in_a_batch = tokenizer.transform(["ΟΔΟΣ", "x"])[:1]
    np.testing.assert_array_equal(alone, in_a_batch)
    assert tokenizer.inverse_transform(in_a_batch).tolist() == ["οδος"]
    # truncated after lowercasing: the sigma that ended the whole text stays final
    cut = CharTokenizer(max_length=3, truncating="pre").fit(["ΟΔΟΣ x σ ς"])
    assert cut.inverse_transform(cut.transform(["ΟΔΟΣ", "x"])).tolist() == ["δος", "x"]


def short_texts(n):
    return [f"short text number {k}" for k in range(n)]


def test_one_outlier_text_does_not_widen_every_row():
    texts = short_texts(700) + ["x" * 100_000]
    expected = (
        r"max_length=None: the longest text in fit has 100000 tokens, over 4 times the "
        r"99th percentile of the other texts' lengths \(21\), so rows are capped at max\(1000, "
        r"4 \* 21\) = 1000 tokens, which truncates 1 of the 701 texts\. The width is "
        r"chosen once, for every later transform\. Pass max_length=100000 to keep every "
        r"text whole"
    )
    with pytest.warns(UserWarning, match=expected):
        tokenizer = CharTokenizer().fit(texts)
    assert tokenizer.max_length_ == 1000
    assert tokenizer.transform(texts[:700]).shape == (700, 1000)
    with pytest.warns(UserWarning, match=expected):
        ids = CharTokenizer().fit_transform(texts)
    assert ids.shape == (701, 1000)
    np.testing.assert_array_equal(ids, tokenizer.transform(texts))


def test_cap_is_four_times_the_99th_percentile_when_above_1000():
    texts = [f"{k:04d}" + "a" * 400 for k in range(300)] + ["b" * 2000]
    with pytest.warns(UserWarning, match=r"capped at max\(1000, 4 \* 404\) = 1616 tokens"):
        assert CharTokenizer().fit(texts).max_length_ == 1616


@pytest.mark.parametrize("n_short", [1, 99])
def test_one_long_text_in_a_small_corpus_does_not_widen_every_row(n_short):
    texts = short_texts(n_short) + ["x" * 100_000]
    with pytest.warns(
        UserWarning,
        match=r"the longest text in fit has 100000 tokens, over 4 times the 99th percentile "
        r"of the other texts' lengths \(\d+\), so rows are capped at max\(1000, 4 \* \d+\) = "
        r"1000 tokens, .* The width is chosen once, for every later transform\.",
    ):
        tokenizer = CharTokenizer().fit(texts)
    assert tokenizer.max_length_ == 1000
    assert tokenizer.transform(short_texts(700)).shape == (700, 1000)


def test_the_chosen_width_is_bounded_as_max_length_is():
    with pytest.warns(
        UserWarning,
        match=r"has 100001 tokens, rows are capped at 100000 tokens, the most max_length "
        r"takes, which truncates 1 of the 1 texts\. .* Pass a max_length to choose",
    ):
        assert CharTokenizer().fit(["x" * 100_001]).max_length_ == 100_000


@pytest.mark.parametrize("make", [
    lambda: CharTokenizer(max_length=10**9).fit(["abc"]),
    lambda: make_pipeline(CharTokenizer(max_length=10**9), LSTMClassifier()).fit(
        ["abc", "def"], [0, 1]),
    lambda: LSTMTextGenerator(max_length=10**9).fit(["abc"]),
])
def test_max_length_is_bounded_with_an_error_naming_it(make):
    with pytest.raises(
        ValueError,
        match=r"The 'max_length' parameter of (CharTokenizer|LSTMTextGenerator) must be an "
        r"int in the range \[1, 100000\]",
    ):
        make()


@pytest.mark.parametrize(
    "texts",
    [
        short_texts(98) + ["x" * 5000] * 2,  # 100 texts: the second longest is as long
        short_texts(700) + ["x" * 1000],  # under the 1000-token floor
        short_texts(700) + ["x" * 84] * 8,  # over 1% of the texts: not an outlier
    ],
    ids=["100 texts", "floor", "tail"],
)
def test_longest_text_sets_the_width_when_not_an_outlier(texts):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        tokenizer = CharTokenizer().fit(texts)
    assert tokenizer.max_length_ == max(map(len, texts))


# --- token ids that are padding only ------------------------------------------------


@pytest.mark.parametrize("cls", ESTIMATORS)
def test_token_ids_that_are_all_padding_are_refused(cls):
    X = np.zeros((8, 3), dtype=np.int64)
    with pytest.raises(
        ValueError,
        match=rf"Every row of X is padding \(token id 0\): {cls.__name__} would see no token",
    ):
        tiny(cls).fit(X, labels())
    model = tiny(cls).partial_fit(token_ids(), labels(), **(
        {"classes": [0, 1]} if cls is LSTMClassifier else {}
    ))
    with pytest.raises(ValueError, match=r"Every row of X is padding"):
        model.partial_fit(X, labels())
    assert model.n_iter_ == 1


def test_rows_of_padding_among_others_are_named_in_a_warning():
    X = pd.DataFrame(token_ids(), index=[f"t{k}" for k in range(8)])
    X.iloc[[3, 5]] = 0
    with pytest.warns(
        UserWarning,
        match=r"2 of the 8 rows of X hold padding only \(token id 0\), the first row 3 "
        r"\(index label 't3'\): LSTMClassifier sees no token there",
    ):
        tiny(LSTMClassifier).fit(X, labels())


# --- generate's arguments ----------------------------------------------------------


@pytest.fixture(scope="module")
def generator():
    return LSTMTextGenerator(max_length=8, units=8, max_epochs=2, random_state=0).fit(
        ["hello world"] * 4
    )


@pytest.mark.parametrize(
    "temperature, error", [(np.inf, ValueError), (float("nan"), ValueError), (True, TypeError)]
)
def test_generate_refuses_infinite_temperature_and_bools(generator, temperature, error):
    expected = rf"temperature must be a finite number >= 0 \(0 is greedy\), got {temperature!r}\."
    with pytest.raises(error, match=expected):
        generator.generate("h", temperature=temperature)


@pytest.mark.parametrize("n_tokens", [True, False])
def test_generate_refuses_a_bool_n_tokens(generator, n_tokens):
    with pytest.raises(TypeError, match=rf"n_tokens must be a non-negative int, got {n_tokens}\."):
        generator.generate("h", n_tokens=n_tokens)


@pytest.mark.parametrize("temperature", [5e-324, 1e-300])
def test_tiny_temperature_samples_like_greedy(generator, temperature):
    greedy = generator.generate("he", n_tokens=12, temperature=0)
    sampled = generator.generate("he", n_tokens=12, temperature=temperature, random_state=0)
    assert sampled == greedy


def test_huge_temperature_samples_known_tokens(generator):
    text = generator.generate("he", n_tokens=20, temperature=1e300, random_state=0)
    assert len(text) == 20 and set(text) <= set("helo wrd\n")


# --- parameters changed after fit ---------------------------------------------------


@pytest.mark.parametrize(
    "name, value, message",
    [
        ("n_threads", 0, r"'n_threads' parameter of \w+ must be an int in the range \[1, inf\)"),
        ("n_threads", 1.5, r"'n_threads' parameter of \w+ must be an int"),
        ("precision", "nonsense", r"'precision' parameter of \w+ must be a str among"),
        ("batch_size", "64", r"'batch_size' parameter of \w+ must be an int"),
    ],
)
@pytest.mark.parametrize("cls", [*ESTIMATORS, LSTMTextGenerator])
def test_parameters_set_after_fit_are_checked_where_predict_reads_them(cls, name, value, message):
    if cls is LSTMTextGenerator:
        model = LSTMTextGenerator(max_length=8, units=4, max_epochs=1, random_state=0)
        model.fit(["hello world", "a text"])
        predict = lambda: model.score(["hello"])  # noqa: E731
    else:
        model = tiny(cls).fit(token_ids(), labels())
        predict = lambda: model.predict(token_ids())  # noqa: E731
    model.set_params(**{name: value})
    with pytest.raises(ValueError, match=message):
        predict()
    if cls is LSTMTextGenerator and name == "n_threads":
        with pytest.raises(ValueError, match=message):
            model.generate("he", n_tokens=2)
