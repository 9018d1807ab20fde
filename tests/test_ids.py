"""sklstm/_ids.py: the token-id constants and the NumPy helpers both sides share."""

import numpy as np
import pandas as pd
import pytest
import torch

from sklstm._ids import (
    FIRST_TOKEN_ID,
    OOV_ID,
    PAD_ID,
    compact_ids,
    first_fractional,
    holds_text,
)
from sklstm._module import compact_token_ids


def test_the_ids_are_padding_unknown_then_tokens():
    assert (PAD_ID, OOV_ID, FIRST_TOKEN_ID) == (0, 1, 2)


@pytest.mark.parametrize("ids", [
    [[3, 0, 4, 0], [0, 0, 5, 6], [7, 8, 9, 2]],
    [[3, 4, 0, 0], [5, 0, 0, 0]],
    [[0, 0, 0], [0, 0, 0]],
])
def test_compact_ids_is_the_numpy_form_of_the_networks_compaction(ids):
    ids = np.array(ids, dtype=np.int64)
    compacted = compact_ids(ids)
    expected, _ = compact_token_ids(torch.as_tensor(ids))
    np.testing.assert_array_equal(compacted, expected.numpy())
    assert compacted.flags.c_contiguous


@pytest.mark.parametrize("X, expected", [
    (["a text"], True),
    ("a text", True),
    ([b"bytes"], True),
    (np.array(["a", "b"]), True),
    (np.array([["a"], ["b"]], dtype=object), True),
    (pd.Series(["a"]), True),
    (pd.DataFrame({"text": ["a"]}), True),
    ([[["a"]]], True),
    ([[2, 3]], False),
    (np.zeros((2, 3)), False),
    (np.array([], dtype=object), False),
    ([], False),
])
def test_holds_text(X, expected):
    assert holds_text(X) is expected


def test_first_fractional_names_the_row_and_the_value():
    assert first_fractional(np.array([[2, 3]])) is None
    assert first_fractional(np.array([[2.0, 3.0]])) is None
    assert first_fractional(np.array([[2.0, 3.0], [4.0, 2.5]])) == (1, 2.5)
    row, value = first_fractional(np.array([[2.0, np.inf]]))
    assert row == 0 and np.isinf(value)
    row, value = first_fractional(np.array([[np.nan, 2.0]]))
    assert row == 0 and np.isnan(value)
