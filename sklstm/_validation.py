"""Input checking for texts, token ids and numeric sequences.

This is the only module that imports private scikit-learn names, so that a
scikit-learn upgrade that moves them edits one file.
"""

from collections.abc import Mapping, MappingView, Set

import numpy as np
import pandas as pd
from scipy.sparse import issparse
from sklearn.base import _fit_context  # noqa: F401
from sklearn.utils._param_validation import Interval, StrOptions  # noqa: F401
from sklearn.utils.validation import _check_sample_weight, validate_data  # noqa: F401

#: Token ids must be below this in fit: the embedding table has one row per id
#: up to the largest, and 10 million rows of the default 32 floats are 1.3 GB
#: (four times that with the gradient and Adam's two moments). Real
#: vocabularies stay far below (a few million words at most; Unicode has 1.1
#: million code points), while numbers misread as ids (timestamps, prices in
#: cents) often exceed it.
TOKEN_ID_LIMIT = 10_000_000

__all__ = [
    "_fit_context",
    "TOKEN_ID_LIMIT",
    "Interval",
    "StrOptions",
    "validate_data",
    "check_texts",
    "check_ordered",
    "check_finite",
    "check_float32_range",
    "check_token_ids",
    "pandas_index",
    "check_sample_weight",
    "row_label",
]


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


def check_sample_weight(sample_weight, X):
    """Return sample weights as a float64 array of shape (n_samples,).

    scikit-learn's checker, for its error wording; negative weights are refused.
    """
    return _check_sample_weight(sample_weight, X, dtype=np.float64, ensure_non_negative=True)
