"""Loaders for the demo data shipped in ``sklstm/data/``."""

import csv
import numbers
from importlib import resources

import numpy as np
import pandas as pd
from sklearn.utils import Bunch

__all__ = ["load_air_passengers", "load_sentences"]

_SENTENCE_FILES = {
    "yelp": "yelp_labelled.txt",
    "amazon": "amazon_cells_labelled.txt",
}

_SENTENCES_DESCR = """\
Sentiment Labelled Sentences (Yelp and Amazon parts)
----------------------------------------------------

Review sentences labelled 0 (negative) or 1 (positive), 500 of each per source:

- yelp: 1,000 sentences from Yelp restaurant reviews;
- amazon: 1,000 sentences from Amazon reviews of mobile phones.

Source: D. Kotzias, M. Denil, N. de Freitas and P. Smyth, "From Group to
Individual Labels using Deep Features", KDD 2015. UCI Machine Learning
Repository, https://archive.ics.uci.edu/dataset/331/sentiment+labelled+sentences

Licence: Creative Commons Attribution 4.0 International (CC BY 4.0).
The files are shipped unchanged; see sklstm/data/README.md.
"""


def _read_sentence_file(filename):
    with resources.files("sklstm").joinpath("data", filename).open(
        "r", encoding="utf-8", newline=""
    ) as file:
        # The sentences contain quote characters: read them as plain text.
        return pd.read_csv(
            file,
            sep="\t",
            header=None,
            names=["text", "label"],
            quoting=csv.QUOTE_NONE,
            dtype={"text": str, "label": np.int64},
        )


def load_sentences(*, sources=("yelp", "amazon"), return_X_y=False, as_frame=False):
    """Load the sentiment-labelled review sentences shipped with sklstm.

    Binary sentiment of short English review sentences (0 negative, 1
    positive) from the UCI "Sentiment Labelled Sentences" data set: 1,000
    Yelp and 1,000 Amazon sentences, each part balanced. Small enough to
    train a character-level LSTM on a laptop.

    ==================  ===============================
    Classes             2 (0 negative, 1 positive)
    Samples per source  1000 (500 per class)
    Samples total       2000 (both sources)
    Features            one text, 11 to 149 characters
    ==================  ===============================

    Parameters
    ----------
    sources : sequence of {'yelp', 'amazon'}, default=('yelp', 'amazon')
        Which files to load, in this order; rows keep each file's order.
    return_X_y : bool, default=False
        Return ``(data, target)`` instead of a Bunch.
    as_frame : bool, default=False
        Return pandas objects: ``data`` a Series named ``'text'``, ``target``
        a Series named ``'label'``, ``source`` a Series named ``'source'``,
        and ``frame`` a DataFrame holding all three. With ``False``, ``data``
        and ``source`` are object arrays of str and ``target`` an int64 array.

    Returns
    -------
    data : Bunch
        Dictionary-like object with attributes:

        data : ndarray of shape (n_samples,) or Series
            The sentences.
        target : ndarray of shape (n_samples,) or Series
            0 (negative) or 1 (positive).
        source : ndarray of shape (n_samples,) or Series
            The source each sentence is from: ``'yelp'`` or ``'amazon'``.
        target_names : list of str
            ``['negative', 'positive']``: the meaning of targets 0 and 1.
        frame : DataFrame or None
            Columns ``text``, ``label`` and ``source`` when ``as_frame=True``.
        DESCR : str
            Description of the data, its source and licence.

    (data, target) : tuple
        When ``return_X_y=True``, the ``data`` and ``target`` above.

    Raises
    ------
    ValueError
        If ``sources`` is empty, names an unknown source or names one twice.

    See Also
    --------
    load_air_passengers : A numeric series, for sequence regression.

    Notes
    -----
    The data is licensed CC BY 4.0; cite Kotzias et al., "From Group to
    Individual Labels using Deep Features", KDD 2015, when you publish results
    on it. The files are shipped unchanged.

    Examples
    --------
    >>> from sklstm.datasets import load_sentences
    >>> sentences = load_sentences()
    >>> sentences.data.shape, sentences.target.shape
    ((2000,), (2000,))
    >>> int(sentences.target.sum())
    1000
    >>> sentences.target_names
    ['negative', 'positive']
    >>> X, y = load_sentences(sources=["yelp"], return_X_y=True, as_frame=True)
    >>> X.name, len(X), y.value_counts().sort_index().to_dict()
    ('text', 1000, {0: 500, 1: 500})
    """
    if isinstance(sources, str):
        sources = [sources]
    sources = list(sources)
    unknown = [source for source in sources if source not in _SENTENCE_FILES]
    if unknown or not sources or len(set(sources)) < len(sources):
        if unknown:
            problem = f"unknown source(s) {unknown}"
        elif not sources:
            problem = "no source given"
        else:
            problem = f"a source is named twice in {sources}"
        raise ValueError(
            f"load_sentences: {problem}; valid sources are "
            f"{sorted(_SENTENCE_FILES)}."
        )
    parts = []
    for source in sources:
        part = _read_sentence_file(_SENTENCE_FILES[source])
        part["source"] = source
        parts.append(part)
    frame = pd.concat(parts, ignore_index=True)
    if as_frame:
        data = frame["text"]
        target = frame["label"]
        source = frame["source"]
    else:
        data = frame["text"].to_numpy(dtype=object)
        target = frame["label"].to_numpy(dtype=np.int64)
        source = frame["source"].to_numpy(dtype=object)
        frame = None
    if return_X_y:
        return data, target
    return Bunch(
        data=data,
        target=target,
        source=source,
        target_names=["negative", "positive"],
        frame=frame,
        DESCR=_SENTENCES_DESCR,
    )


_AIR_PASSENGERS_FILE = "air_passengers.csv"
_AIR_PASSENGERS_MONTHS = 144

_AIR_PASSENGERS_DESCR = """\
Monthly international airline passengers, 1949 to 1960
------------------------------------------------------

The classic Box and Jenkins airline series ("Series G"): monthly totals of
international airline passengers, in thousands, from January 1949 to
December 1960. 144 numbers, 104 to 622, with a rising trend and a yearly
season whose swing grows with the level.

Source: G. E. P. Box and G. M. Jenkins, "Time Series Analysis: Forecasting
and Control", revised edition, Holden-Day, 1976, Series G (first published by
R. G. Brown, "Smoothing, Forecasting and Prediction of Discrete Time Series",
Prentice-Hall, 1963). The same 144 numbers are distributed with R as
datasets::AirPassengers.

Licence: a table of published figures, facts rather than a creative work; no
licence is attached to it, and it is redistributed freely. The file is shipped
unchanged; see sklstm/data/README.md.
"""


def _read_air_passengers():
    with resources.files("sklstm").joinpath("data", _AIR_PASSENGERS_FILE).open(
        "r", encoding="utf-8", newline=""
    ) as file:
        series = pd.read_csv(file, dtype={"date": str, "value": np.int64})
    series["date"] = pd.to_datetime(series["date"], format="%Y-%m-%d")
    return series.rename(columns={"value": "passengers"})


def load_air_passengers(*, n_steps=12, return_X_y=False, as_frame=False):
    """Load the monthly airline passengers series, cut into windows.

    The Box and Jenkins airline series: monthly totals of international
    airline passengers (thousands), January 1949 to December 1960. Each sample
    is a window of ``n_steps`` consecutive months, and its target the month
    that follows, ready for :class:`~sklstm.LSTMRegressor`.

    ==================  ===============================================
    Series              144 months, 104 to 622 (thousands of passengers)
    Samples             ``144 - n_steps`` (132 with the default 12)
    Features            ``n_steps`` months, oldest first, float64
    Target              the next month, float64
    ==================  ===============================================

    Parameters
    ----------
    n_steps : int, default=12
        Months in each window, from 1 to 143.
    return_X_y : bool, default=False
        Return ``(data, target)`` instead of a Bunch.
    as_frame : bool, default=False
        Return pandas objects: ``data`` a DataFrame with columns ``'lag_12'``
        (twelve months before the target) to ``'lag_1'`` (the month before),
        ``target`` a Series named ``'passengers'``, both indexed by the
        target's month; ``series`` a Series named ``'passengers'`` indexed by
        month; and ``frame`` a DataFrame of ``data`` and ``target``
        side by side. With ``False``, arrays.

    Returns
    -------
    data : Bunch
        Dictionary-like object with attributes:

        data : ndarray of shape (144 - n_steps, n_steps) or DataFrame
            The windows, oldest month first.
        target : ndarray of shape (144 - n_steps,) or Series
            The month after each window.
        target_dates : ndarray of shape (144 - n_steps,)
            The month of each target, as ``datetime64[M]``.
        series : ndarray of shape (144,) or Series
            The whole series, oldest month first.
        dates : ndarray of shape (144,)
            The month of each value of ``series``, as ``datetime64[M]``.
        frame : DataFrame or None
            ``data`` and ``target`` in one DataFrame when ``as_frame=True``.
        DESCR : str
            Description of the data, its source and licence.

    (data, target) : tuple
        When ``return_X_y=True``, the ``data`` and ``target`` above.

    Raises
    ------
    TypeError
        If ``n_steps`` is not an int.
    ValueError
        If ``n_steps`` is not between 1 and 143.

    See Also
    --------
    load_sentences : The review sentences, for text classification.

    Notes
    -----
    The values are float64, although the counts are whole numbers: read as
    integers (as ``pd.read_csv`` reads ``sklstm/data/air_passengers.csv``),
    windows are taken for token ids by the LSTM estimators' default
    ``input_type='auto'`` (see the user guide, "The three input forms").

    The windows overlap: consecutive samples share ``n_steps - 1`` months, so
    split them by time (train on the early targets, test on the late ones),
    never at random.

    Examples
    --------
    >>> from sklstm.datasets import load_air_passengers
    >>> X, y = load_air_passengers(return_X_y=True)
    >>> X.shape, y.shape, X.dtype
    ((132, 12), (132,), dtype('float64'))
    >>> X[0].tolist(), float(y[0])  # January to December 1949, then January 1950
    ([112.0, 118.0, 132.0, 129.0, 121.0, 135.0, 148.0, 148.0, 136.0, 119.0, 104.0, 118.0], 115.0)
    >>> passengers = load_air_passengers(n_steps=3, as_frame=True)
    >>> passengers.data.columns.tolist()
    ['lag_3', 'lag_2', 'lag_1']
    >>> passengers.data.index[0].strftime("%B %Y"), passengers.data.iloc[0].tolist()
    ('April 1949', [112.0, 118.0, 132.0])
    >>> passengers.series.index[-1].strftime("%B %Y")
    'December 1960'
    """
    if isinstance(n_steps, bool) or not isinstance(n_steps, numbers.Integral):
        raise TypeError(
            f"load_air_passengers: n_steps must be an int, got "
            f"{type(n_steps).__name__} {n_steps!r}."
        )
    if not 1 <= n_steps < _AIR_PASSENGERS_MONTHS:
        raise ValueError(
            f"load_air_passengers: n_steps must be between 1 and "
            f"{_AIR_PASSENGERS_MONTHS - 1} (the series has "
            f"{_AIR_PASSENGERS_MONTHS} months), got {n_steps}."
        )
    n_steps = int(n_steps)
    monthly = _read_air_passengers()
    values = monthly["passengers"].to_numpy(dtype=np.float64)
    dates = monthly["date"].to_numpy().astype("datetime64[M]")
    windows = np.lib.stride_tricks.sliding_window_view(values[:-1], n_steps).copy()
    next_values = values[n_steps:].copy()
    target_dates = dates[n_steps:]
    if as_frame:
        index = pd.Index(monthly["date"].iloc[n_steps:].to_numpy(), name="date")
        data = pd.DataFrame(
            windows,
            columns=[f"lag_{lag}" for lag in range(n_steps, 0, -1)],
            index=index,
        )
        target = pd.Series(next_values, index=index, name="passengers")
        series = pd.Series(
            values, index=pd.Index(monthly["date"].to_numpy(), name="date"), name="passengers"
        )
        frame = pd.concat([data, target], axis=1)
    else:
        data, target, series, frame = windows, next_values, values, None
    if return_X_y:
        return data, target
    return Bunch(
        data=data,
        target=target,
        target_dates=target_dates,
        series=series,
        dates=dates,
        frame=frame,
        DESCR=_AIR_PASSENGERS_DESCR,
    )
