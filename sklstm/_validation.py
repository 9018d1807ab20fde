"""Input checking for texts, token ids and numeric sequences.

This is the only module that imports private scikit-learn names, so that a
scikit-learn upgrade that moves them edits one file.
"""

import warnings
from collections.abc import Mapping, MappingView, Set

import numpy as np
import pandas as pd
from scipy.sparse import issparse
from sklearn.base import _fit_context, is_regressor
from sklearn.utils._param_validation import (  # noqa: F401
    Interval,
    StrOptions,
    validate_parameter_constraints,
)
from sklearn.utils.validation import _check_sample_weight, validate_data  # noqa: F401

from ._ids import FIRST_TOKEN_ID, OOV_ID, TOKEN_ID_LIMIT, first_fractional, holds_text

#: scikit-learn's decorator of ``fit`` methods: validates the parameters first.
fit_context = _fit_context

__all__ = [
    "fit_context",
    "Interval",
    "StrOptions",
    "validate_data",
    "check_texts",
    "check_params_in_use",
    "check_ordered",
    "check_finite",
    "check_float32_range",
    "check_token_ids",
    "check_some_token_seen",
    "pandas_index",
    "check_sample_weight",
    "row_label",
    "validate_lstm_input",
    "out_of_vocabulary",
]


def check_params_in_use(estimator, names):
    """Validate the parameters ``names`` of ``estimator`` as fit validates them all.

    For a method of a fitted estimator that reads them (``predict`` reads
    ``n_threads``, ``precision``, ``batch_size``): ``set_params`` after fit
    validates nothing, and a bad value would otherwise reach torch and fail
    there with a message that names no parameter. Raises sklearn's
    ``InvalidParameterError`` (a ValueError) naming the parameter.
    """
    validate_parameter_constraints(
        {name: estimator._parameter_constraints[name] for name in names},
        {name: getattr(estimator, name) for name in names},
        caller_name=type(estimator).__name__,
    )


def pandas_index(data):
    """The index of a pandas Series or DataFrame, None for anything else.

    Not ``getattr(data, "index", None)``: a list's or tuple's ``index`` is a
    method, not row labels.
    """
    if isinstance(data, (pd.Series, pd.DataFrame)):
        return data.index
    return None


def row_label(position, index=None):
    """Describe a row by its 0-based position and, for pandas input, its label.

    ``index`` is a pandas Index; anything else (None, or the ``index`` method of
    a list that a caller picked up with getattr) is ignored.
    """
    if not isinstance(index, pd.Index):
        return f"row {position}"
    label = index[position]
    if isinstance(label, np.generic):  # "index label 200", not "np.int64(200)"
        label = label.item()
    return f"row {position} (index label {label!r})"


def check_ordered(data, estimator_name, name):
    """Refuse a set or a mapping (or one of its views): its rows have no order.

    Rows must line up with y (and predictions with the caller's rows): a set's
    iteration order is arbitrary, and a mapping leaves it unsaid whether its
    keys or its values are the data.
    """
    # A scipy DOK matrix is a dict too: scikit-learn refuses it as sparse.
    if not isinstance(data, (Set, Mapping, MappingView)) or issparse(data):
        return
    if isinstance(data, Set):  # set, frozenset, dict_keys, dict_items
        reason = "a set has no order, so its rows would not match y"
    else:
        reason = (
            "a mapping leaves it unsaid whether its keys or its values are the rows, "
            "and in which order"
        )
    raise ValueError(
        f"{estimator_name} expects {name} as an ordered sequence (a list, array, "
        f"Series or DataFrame), got a {type(data).__name__}: {reason}. Pass a list "
        "in the order of y."
    )


def check_texts(texts, estimator_name):
    """Return ``texts`` as a list of str, or raise a ValueError naming the bad row.

    Accepts a list or tuple of str, a 1-D array, a pandas Series, or a
    one-column DataFrame or 2-D array. Sets, dicts and dict views are refused
    (see ``check_ordered``).
    """
    if isinstance(texts, (str, bytes)):
        raise ValueError(
            f"{estimator_name} expects an iterable of str (a list, array, Series or "
            f"one-column DataFrame), got a single {type(texts).__name__}; "
            "wrap it in a list."
        )
    check_ordered(texts, estimator_name, "texts")
    index = None
    if isinstance(texts, pd.DataFrame):
        if texts.shape[1] != 1:
            raise ValueError(
                f"{estimator_name} expects one column of texts, got a DataFrame with "
                f"{texts.shape[1]} columns {list(texts.columns)}; select the text "
                "column, e.g. df['text']."
            )
        texts = texts.iloc[:, 0]
    if isinstance(texts, pd.Series):
        index = texts.index
        values = texts.to_list()
    elif isinstance(texts, np.ndarray):
        if texts.ndim == 2 and texts.shape[1] == 1:
            texts = texts[:, 0]
        if texts.ndim != 1:
            raise ValueError(
                f"{estimator_name} expects a 1-D array of texts (or one column), got an "
                f"array of shape {texts.shape}."
            )
        values = texts.tolist()
    elif hasattr(texts, "__iter__"):
        values = list(texts)
    else:
        raise ValueError(
            f"{estimator_name} expects an iterable of str, got "
            f"{type(texts).__name__}."
        )
    if len(values) == 0:
        raise ValueError(
            f"{estimator_name} got 0 texts; at least one is required."
        )
    if set(map(type, values)) == {str}:  # the common case, checked at C speed
        return values
    for position, value in enumerate(values):
        if isinstance(value, str):
            continue
        # np.floating too: a float32 NaN in an object array is missing, not a type error.
        missing_float = isinstance(value, (float, np.floating)) and np.isnan(value)
        if value is None or missing_float or value is pd.NA:
            problem = f"is missing ({value!r})"
            fix = "drop or fill missing texts, e.g. texts.fillna('')"
        else:
            problem = f"is of type {type(value).__name__} ({value!r:.40})"
            fix = "convert it to str first"
        raise ValueError(
            f"{estimator_name} expects str texts, but {row_label(position, index)} "
            f"{problem}; {fix}."
        )
    return values


def check_finite(array, name, index=None):
    """Raise a ValueError naming the first row of ``array`` holding NaN or infinity.

    The wording keeps scikit-learn's "Input X contains NaN" / "infinity" so that
    callers matching on it keep working.
    """
    if array.dtype.kind == "O":  # labels: only missing values are a problem
        finite = ~pd.isna(array)
    elif array.dtype.kind in "fc":
        finite = np.isfinite(array)
    else:
        return
    if finite.all():
        return
    bad = np.flatnonzero(~finite.reshape(len(array), -1).all(axis=1))[0]
    kind = "NaN" if np.asarray(pd.isna(array[bad])).any() else "infinity"
    raise ValueError(
        f"Input {name} contains {kind} at {row_label(bad, index)}; "
        f"remove or impute non-finite values before calling fit or predict."
    )


def check_float32_range(array, name, index=None):
    """Raise a ValueError naming the first row holding a value beyond float32's range.

    The LSTM computes in float32, where such values become infinity (and the
    model NaN).
    """
    if array.dtype.kind != "f" or array.dtype.itemsize <= 4:
        return
    limit = np.finfo(np.float32).max
    beyond = np.abs(array) > limit
    if not beyond.any():
        return
    bad = np.flatnonzero(beyond.reshape(len(array), -1).any(axis=1))[0]
    value = array[bad][beyond[bad]][0]
    raise ValueError(
        f"Input {name} holds {value:g} at {row_label(bad, index)}, beyond float32's "
        f"range (+-{limit:.4g}) in which the LSTM computes: it would become infinity. "
        f"Rescale {name} first, e.g. divide it by its largest absolute value."
    )


def check_token_ids(ids, index=None, id_limit=None):
    """Raise a ValueError naming the first row holding a negative token id.

    With ``id_limit``, also the first row holding an id of ``id_limit`` or more
    (checked in fit, before the embedding table, one row per id up to the
    largest, is allocated).
    """
    # min() and max() first: no boolean array of X's size unless an id is bad.
    if ids.size and ids.min() < 0:
        negative = ids < 0
        bad = np.flatnonzero(negative.any(axis=1))[0]
        raise ValueError(
            f"Token ids must be >= 0 (0 is padding, 1 out-of-vocabulary), but "
            f"{row_label(bad, index)} holds {ids[bad][negative[bad]][0]}. If X holds "
            "numeric sequences rather than token ids, pass input_type='sequences' "
            "or cast X to float."
        )
    if id_limit is None:
        return
    if ids.size and ids.max() >= id_limit:
        too_large = ids >= id_limit
        bad = np.flatnonzero(too_large.any(axis=1))[0]
        value = ids[bad][too_large[bad]][0]
        raise ValueError(
            f"Token ids must be below {id_limit:,} (the embedding table has a row for "
            f"every id up to the largest), but {row_label(bad, index)} holds "
            f"{value:,.0f}. If X holds numeric values (timestamps, counts, prices) "
            "rather than token ids, pass input_type='sequences' or cast X to float."
        )


def check_some_token_seen(ids, estimator_name, index=None):
    """In fit: refuse token ids that are all padding, warn of rows that are.

    A model trained on padding alone sees nothing and learns the targets'
    average (a classifier predicting 0.5 for every text); a row of padding
    among others is an empty text, worth a word since its target is learned
    from nothing.
    """
    empty = ~ids.any(axis=1)
    if not empty.any():
        return
    if empty.all():
        raise ValueError(
            f"Every row of X is padding (token id 0): {estimator_name} would see no "
            "token to learn from. Check how X was made (texts that a CharTokenizer "
            "fitted on others maps to nothing, an array of zeros), or pass "
            "input_type='sequences' if X holds numbers rather than token ids."
        )
    rows = np.flatnonzero(empty)
    warnings.warn(
        f"{len(rows)} of the {len(ids)} rows of X hold padding only (token id 0), "
        f"the first {row_label(int(rows[0]), index)}: {estimator_name} sees no token "
        "there, and learns their targets from nothing. Drop empty texts, or ignore "
        "this warning if they are meant.",
        UserWarning,
        # check_some_token_seen < _fit < fit_atomically < fit < fit_context < caller
        stacklevel=6,
    )


def check_sample_weight(sample_weight, X):
    """Return sample weights as a float64 array of shape (n_samples,).

    scikit-learn's checker, for its error wording; negative weights are refused.
    """
    return _check_sample_weight(sample_weight, X, dtype=np.float64, ensure_non_negative=True)


# -- the LSTM estimators' X --------------------------------------------------------


def refuse_raw_text(X, estimator_name):
    """Point users who pass raw strings to an LSTM estimator to CharTokenizer."""
    if holds_text(X):
        raise ValueError(
            f"{estimator_name} expects token ids or numeric sequences, but X holds "
            "text. Put a CharTokenizer before it: "
            f"make_pipeline(CharTokenizer(), {estimator_name}())."
        )


def out_of_vocabulary(ids, vocabulary_size):
    """``ids`` with every id of ``vocabulary_size`` or more read as out-of-vocabulary.

    Ids never seen in fit have no trained embedding.
    """
    return np.where(ids >= vocabulary_size, OOV_ID, ids)


def validate_lstm_input(estimator, X, y=None, reset=False, keep_new_ids=False):
    """Check X (and y in fit) for an LSTM estimator; return them as the module reads X.

    In fit (``reset``), also records on ``estimator`` ``n_features_in_`` (and
    ``feature_names_in_``), ``input_type_``, ``input_shape_`` and, for token
    ids, ``vocabulary_size_``. Otherwise token ids beyond the vocabulary are
    read as out-of-vocabulary, unless ``keep_new_ids`` (a warm start, which
    grows the embedding).
    """
    if not reset and y is None and is_ready_token_ids(X, estimator.input_type_):
        # What check_array would hand back unchanged; skipping it saves a
        # tenth of a millisecond, a twentieth of a one-text prediction.
        validate_data(estimator, X, reset=False, skip_check_array=True)
        return out_of_vocabulary(as_token_ids(X, None), estimator.vocabulary_size_), y
    name = type(estimator).__name__
    index = pandas_index(X)
    check_ordered(X, name, "X")
    refuse_raw_text(X, name)
    common = dict(
        reset=reset,
        dtype="numeric",
        allow_nd=True,
        ensure_all_finite=False,
        # Checked below for 2-D and 3-D X alike (scikit-learn checks 2-D only).
        ensure_min_features=0,
    )
    if reset or y is not None:
        X, y = validate_data(
            estimator,
            X,
            y,
            multi_output=True,  # a classifier's multilabel y, a regressor's targets
            y_numeric=is_regressor(estimator),
            **common,
        )
    else:
        X = validate_data(estimator, X, **common)
    check_finite(X, "X", index)
    if X.ndim > 3:
        raise ValueError(
            f"Expected a 2-D or 3-D array (n_samples, n_steps[, n_features]), got "
            f"{X.ndim} dimensions."
        )
    if 0 in X.shape[1:]:
        # Keeps scikit-learn's wording ("0 feature(s) (shape=...)"), which its
        # common checks match on.
        raise ValueError(
            f"X is empty: {name} needs at least 1 step per sample"
            f"{' and 1 value per step' if X.ndim == 3 else ''}. Found array with "
            f"0 feature(s) (shape={X.shape}) while a minimum of 1 is required."
        )
    if reset:
        estimator.input_type_ = resolve_input_type(X, estimator.input_type)
        estimator.input_shape_ = X.shape[1:]
        if estimator.input_type_ == "tokens":
            X = as_token_ids(X, index, id_limit=TOKEN_ID_LIMIT)
            estimator.vocabulary_size_ = max(int(X.max()) + 1, OOV_ID + 1)
    elif X.shape[2:] != estimator.input_shape_[1:]:
        fitted = estimator.input_shape_[1] if len(estimator.input_shape_) == 2 else 1
        raise ValueError(
            f"X has {X.shape[2] if X.ndim == 3 else 1} values per step, but "
            f"{name} was fitted with {fitted}."
        )
    if estimator.input_type_ == "tokens":
        if not reset:
            X = as_token_ids(X, index, id_limit=TOKEN_ID_LIMIT if keep_new_ids else None)
            if not keep_new_ids:
                X = out_of_vocabulary(X, estimator.vocabulary_size_)
        return X, y
    check_float32_range(X, "X", index)
    X = np.array(X, dtype=np.float32)  # a writable copy for torch
    if X.ndim == 2:
        X = X[:, :, np.newaxis]
    return X, y


def is_ready_token_ids(X, input_type):
    """Whether X is a non-empty 2-D integer ndarray, for a model fitted on token ids."""
    return (
        input_type == "tokens"
        and type(X) is np.ndarray
        and X.ndim == 2
        and X.dtype.kind in "iu"
        and X.size > 0
    )


def resolve_input_type(X, input_type):
    """How to read X: ``'tokens'`` or ``'sequences'`` (see ``input_type``)."""
    if input_type != "auto":
        if input_type == "tokens" and X.ndim != 2:
            raise ValueError(
                f"input_type='tokens' expects a 2-D array of token ids, got "
                f"{X.ndim} dimensions."
            )
        return input_type
    if X.ndim == 2 and X.dtype.kind in "iu":
        # Token ids from a tokenizer always include small ids: padding (0),
        # out-of-vocabulary (1) or the most frequent token (2). Integers that
        # hold none of them are more likely numbers (counts, prices).
        if X.size and X.min() > FIRST_TOKEN_ID:
            warnings.warn(
                "X is an integer array read as token ids (input_type='auto'), "
                f"but its smallest value is {X.min()}: no padding (0), "
                "out-of-vocabulary (1) or most frequent token (2). If it holds "
                "numeric values (counts, prices), pass input_type='sequences' "
                "or cast X to float; if it holds token ids, pass "
                "input_type='tokens' to silence this warning.",
                UserWarning,
                stacklevel=7,
            )
        return "tokens"
    return "sequences"


def as_token_ids(X, index, id_limit=None):
    """X as int32 or int64 ids, after checking them (see ``check_token_ids``).

    ``id_limit`` (in fit) refuses ids that would make the embedding table
    huge; in predict, ids beyond the vocabulary are out-of-vocabulary.
    int32 and int64 arrays (CharTokenizer's ids are int32) come back as
    they are, without a copy: fit and predict never write to them, and a
    million texts of ids are hundreds of megabytes. Other types become
    int32, and a read-only array a writable copy (torch warns on others).
    """
    fractional = first_fractional(X)
    if fractional is not None:
        row, value = fractional
        raise ValueError(
            "input_type='tokens' needs whole-number token ids, but "
            f"{row_label(row, index)} holds {value}; use "
            "input_type='sequences' for numeric sequences."
        )
    # Checked before the cast, which would wrap floats and uint64 beyond int64.
    check_token_ids(X, index, id_limit)
    if X.dtype in (np.int32, np.int64):
        return X if X.flags.writeable else X.copy()
    if X.dtype.kind == "f" or X.dtype.itemsize >= 4:
        # Any id of TOKEN_ID_LIMIT or more is out-of-vocabulary in predict.
        X = np.minimum(X, TOKEN_ID_LIMIT)
    return X.astype(np.int32)


def damaged(estimator_name, problem):
    """The error of a saved state that sklstm did not write as it is.

    Loading (pickle, joblib, skops) hands ``__setstate__`` the state without
    the file's name, so the message names the class. It names what is wrong,
    never the value found: the file may be anything.
    """
    return ValueError(
        f"The saved {estimator_name} {problem}: the file is damaged or was not "
        "written by sklstm."
    )
