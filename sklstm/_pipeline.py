"""make_lstm_pipeline: a tokenizer and an LSTM estimator that agree on the word vectors."""

from sklearn.base import clone
from sklearn.pipeline import make_pipeline

from ._classifier import LSTMClassifier
from ._tokenizer import CharTokenizer


def make_lstm_pipeline(estimator=None, *, level="word", embeddings=None, **tokenizer_params):
    """Build ``make_pipeline(CharTokenizer(...), estimator)`` with one ``embeddings``.

    The tokenizer numbers words by the rows of the vectors and the estimator
    reads its embedding from them, so both steps must be given the same
    vectors; this gives them the same value, which makes a mismatch impossible
    at construction.

    Parameters
    ----------
    estimator : LSTMClassifier or LSTMRegressor, default=None
        The model; a clone of it is used, with ``embeddings`` set. None means
        ``LSTMClassifier()``.
    level : {'char', 'word'}, default='word'
        The tokenizer's level (vectors need ``'word'``).
    embeddings : str, path or None, default=None
        Pretrained word vectors for both steps: the name of bundled vectors
        (``'glove-6b-50d'``) or the path of a vectors file.
    **tokenizer_params
        Further parameters of :class:`CharTokenizer` (``max_length``, ...).

    Returns
    -------
    pipeline : sklearn.pipeline.Pipeline
        Steps ``'chartokenizer'`` and the estimator's (e.g. ``'lstmclassifier'``).

    See Also
    --------
    CharTokenizer : The first step.
    LSTMClassifier : The default second step.

    Notes
    -----
    In a search, set the two steps' ``embeddings`` together, with a list of
    grids, so that no candidate pairs a tokenizer with other vectors than its
    model::

        param_grid = [
            {"chartokenizer__embeddings": [None], "lstmclassifier__embeddings": [None]},
            {"chartokenizer__embeddings": ["glove-6b-50d"],
             "lstmclassifier__embeddings": ["glove-6b-50d"]},
        ]

    Examples
    --------
    >>> from sklstm import LSTMClassifier, make_lstm_pipeline
    >>> model = make_lstm_pipeline(LSTMClassifier(units=32), max_length=40)
    >>> [name for name, _ in model.steps]
    ['chartokenizer', 'lstmclassifier']
    >>> model[0].level, model[0].max_length, model[-1].units
    ('word', 40, 32)
    """
    estimator = LSTMClassifier() if estimator is None else clone(estimator)
    estimator.set_params(embeddings=embeddings)
    tokenizer = CharTokenizer(level=level, embeddings=embeddings, **tokenizer_params)
    return make_pipeline(tokenizer, estimator)
