"""Token ids: what the numbers mean, and the NumPy helpers that read them.

Shared by the estimators and by the torch-free server (``sklstm.onnx``), so
this module imports NumPy only: no torch, no scikit-learn, no pandas.
"""

import numpy as np

#: Token id 0: padding, read nowhere.
PAD_ID = 0
#: Token id 1: a token outside the vocabulary.
OOV_ID = 1
#: The first id of a token: ids 2 and up. With pretrained word vectors, the
#: word of the vectors' row ``k`` has id ``k + FIRST_TOKEN_ID``.
FIRST_TOKEN_ID = 2

#: Token ids must be below this in fit: the embedding table has one row per id
#: up to the largest, and 10 million rows of the default 32 floats are 1.3 GB
#: (four times that with the gradient and Adam's two moments). Real
#: vocabularies stay far below (a few million words at most; Unicode has 1.1
#: million code points), while numbers misread as ids (timestamps, prices in
#: cents) often exceed it.
TOKEN_ID_LIMIT = 10_000_000


def holds_text(X):
    """Whether X's first element is a str or bytes: texts rather than numbers."""
    first = X
    if hasattr(first, "iloc"):  # pandas
        first = first.to_numpy()
    if isinstance(first, np.ndarray):
        first = first.flat[0] if first.size else None
    while isinstance(first, (list, tuple)) and first:
        first = first[0]
    return isinstance(first, (str, bytes))


def first_fractional(ids):
    """``(row, value)`` of the first id of a 2-D array that is not a whole number, or None.

    NaN and infinity count as fractional; integer arrays have none.
    """
    if ids.dtype.kind != "f":
        return None
    fractional = ~np.isfinite(ids) | (ids != np.round(ids))
    if not fractional.any():
        return None
    row = int(np.flatnonzero(fractional.any(axis=1))[0])
    return row, ids[row][fractional[row]][0]


def compact_ids(ids):
    """Each row's non-padding ids first, in order, cut to the longest row (at least 1 step).

    The NumPy form of ``sklstm._module.compact_token_ids``, which does the
    same on tensors inside the network (and under ``torch.export``).

    Parameters
    ----------
    ids : ndarray of shape (n_samples, n_steps)

    Returns
    -------
    compacted : ndarray of shape (n_samples, width), C-contiguous
    """
    is_padding = ids == PAD_ID
    if not (is_padding[:, 1:] >= is_padding[:, :-1]).all():
        order = np.argsort(is_padding, axis=1, kind="stable")
        ids = np.take_along_axis(ids, order, axis=1)
    longest = int(np.count_nonzero(~is_padding, axis=1).max(initial=0))
    return np.ascontiguousarray(ids[:, : max(1, longest)])
