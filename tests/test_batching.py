"""Length-grouped training batches: every sample once, similar lengths, seeded."""

import numpy as np
import torch
from skorch.dataset import Dataset
from torch.utils.data import Subset

from sklstm._batching import LengthGroupedBatchSampler, LengthGroupedLoader, token_lengths


def draw_epoch(lengths, batch_size, seed):
    torch.manual_seed(seed)
    return list(LengthGroupedBatchSampler(lengths, batch_size))


def test_each_index_once_per_epoch_in_batches_of_similar_length():
    lengths = np.random.default_rng(0).integers(1, 141, size=7_001)
    batches = draw_epoch(lengths, 64, seed=0)
    assert sorted(index for batch in batches for index in batch) == list(range(7_001))
    assert len(batches) == len(LengthGroupedBatchSampler(lengths, 64))
    assert max(len(batch) for batch in batches) == 64
    # Padding waste: a batch is as wide as its longest sequence.
    width = np.mean([lengths[batch].max() for batch in batches])
    assert width < 1.1 * lengths.mean()


def test_batches_are_shuffled_and_seeded():
    lengths = np.random.default_rng(0).integers(1, 141, size=5_000)
    first = draw_epoch(lengths, 32, seed=0)
    assert first == draw_epoch(lengths, 32, seed=0)
    assert first != draw_epoch(lengths, 32, seed=1)
    # batch order is not sorted by length across the epoch
    widths = [lengths[batch].max() for batch in first]
    assert widths != sorted(widths)


def test_lengths_of_token_datasets_and_their_subsets():
    ids = np.array([[3, 0, 4], [0, 0, 0], [5, 6, 7]])
    dataset = Dataset({"X": ids, "sample_weight": np.ones(3)}, np.zeros(3))
    np.testing.assert_array_equal(token_lengths(dataset), [2, 0, 3])
    np.testing.assert_array_equal(token_lengths(Subset(dataset, [2, 0])), [3, 2])
    numeric = Dataset({"X": ids.astype(np.float32), "sample_weight": np.ones(3)}, np.zeros(3))
    assert token_lengths(numeric) is None


def test_loader_falls_back_to_plain_shuffling_for_numeric_sequences():
    X = np.zeros((10, 4, 1), dtype=np.float32)
    dataset = Dataset({"X": X, "sample_weight": np.ones(10)}, np.zeros(10))
    loader = LengthGroupedLoader(dataset, batch_size=4, shuffle=True)
    assert loader.batch_size == 4
    assert [len(y) for _, y in loader] == [4, 4, 2]
