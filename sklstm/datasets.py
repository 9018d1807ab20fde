"""Loaders for the demo data shipped in ``sklstm/data/``."""

import csv
from importlib import resources

import numpy as np
import pandas as pd
from sklearn.utils import Bunch

__all__ = ["load_sentences"]

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
