"""Input checking for texts, token ids and numeric sequences.

This is the only module that imports private scikit-learn names, so that a
scikit-learn upgrade that moves them edits one file.
"""

import numpy as np
import pandas as pd
from sklearn.base import _fit_context  # noqa: F401
from sklearn.utils._param_validation import Interval, StrOptions  # noqa: F401
from sklearn.utils.validation import _check_sample_weight, validate_data  # noqa: F401

__all__ = [
    "_fit_context",
    "Interval",
    "StrOptions",
    "validate_data",
    "check_texts",
    "check_finite",
    "check_token_ids",
    "check_sample_weight",
    "row_label",
]


def row_label(position, index=None):
    """Describe a row by its 0-based position and, for pandas input, its label."""
    if index is None:
        return f"row {position}"
    label = index[position]
    if isinstance(label, np.generic):  # "index label 200", not "np.int64(200)"
        label = label.item()
    return f"row {position} (index label {label!r})"


def check_texts(texts, estimator_name):
    """Return ``texts`` as a list of str, or raise a ValueError naming the bad row.

    Accepts a list or tuple of str, a 1-D array, a pandas Series, or a
    one-column DataFrame or 2-D array.
    """
    if isinstance(texts, (str, bytes)):
        raise ValueError(
            f"{estimator_name} expects an iterable of str (a list, array, Series or "
            f"one-column DataFrame), got a single {type(texts).__name__}; "
            "wrap it in a list."
        )
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


def check_token_ids(ids, index=None):
    """Raise a ValueError naming the first row holding a negative token id."""
    negative = ids < 0
    if negative.any():
        bad = np.flatnonzero(negative.any(axis=1))[0]
        raise ValueError(
            f"Token ids must be >= 0 (0 is padding, 1 out-of-vocabulary), but "
            f"{row_label(bad, index)} holds {ids[bad][negative[bad]][0]}. If X holds "
            "numeric sequences rather than token ids, pass input_type='sequences' "
            "or cast X to float."
        )


def check_sample_weight(sample_weight, X):
    """Return sample weights as a float64 array of shape (n_samples,).

    scikit-learn's checker, for its error wording; negative weights are refused.
    """
    return _check_sample_weight(sample_weight, X, dtype=np.float64, ensure_non_negative=True)
