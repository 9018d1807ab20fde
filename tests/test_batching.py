"""Length-grouped training batches: every sample once, similar lengths, seeded."""

import numpy as np
import torch
from skorch.dataset import Dataset
from torch.utils.data import DataLoader, Subset

from sklstm._batching import (
    BatchGather,
    LengthGroupedBatchSampler,
    LengthGroupedLoader,
    token_lengths,
)


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
    assert [len(y) for _, y in loader] == [4, 4, 2]


# -- one gather per batch -----------------------------------------------------------


def _dataset(n=10, width=4):
    ids = np.arange(n * width).reshape(n, width) % 7
    weights = np.linspace(0.5, 1.5, n).astype(np.float32)
    return Dataset({"X": ids, "sample_weight": weights}, np.arange(n) % 3), ids, weights


def test_batch_gather_reads_rows_of_nested_subsets_at_once():
    dataset, ids, weights = _dataset()
    inner = Subset(dataset, [9, 7, 5, 3, 1])
    outer = Subset(inner, [4, 0, 2])  # rows 1, 9, 5
    gather = BatchGather(outer)
    assert len(gather) == 3
    X, y = gather[[0, 2]]
    np.testing.assert_array_equal(X["X"].numpy(), ids[[1, 5]])
    np.testing.assert_array_equal(X["sample_weight"].numpy(), weights[[1, 5]])
    np.testing.assert_array_equal(y.numpy(), [1, 2])


def test_loader_batches_equal_skorchs_per_sample_batches():
    # What the DataLoader made before, sample by sample with default_collate:
    # the same values and dtypes, gathered once per batch.
    dataset, _, _ = _dataset(n=23)
    lengths = token_lengths(dataset)
    torch.manual_seed(0)
    batched = list(LengthGroupedLoader(dataset, batch_size=4, shuffle=True))
    torch.manual_seed(0)
    per_sample = DataLoader(dataset, batch_sampler=LengthGroupedBatchSampler(lengths, 4))
    expected = list(per_sample)
    assert len(batched) == len(expected) == 6
    for (X, y), (X_expected, y_expected) in zip(batched, expected, strict=True):
        for name in ("X", "sample_weight"):
            assert X[name].dtype == X_expected[name].dtype
            torch.testing.assert_close(X[name], X_expected[name], rtol=0, atol=0)
        assert y.dtype == y_expected.dtype
        torch.testing.assert_close(y, y_expected, rtol=0, atol=0)


def test_numeric_sequences_are_shuffled_as_a_shuffling_dataloader_does():
    X = np.arange(40, dtype=np.float32).reshape(10, 4, 1)
    dataset = Dataset({"X": X, "sample_weight": np.ones(10)}, np.arange(10))
    torch.manual_seed(3)
    ours = [y.tolist() for _, y in LengthGroupedLoader(dataset, batch_size=4, shuffle=True)]
    torch.manual_seed(3)
    torchs = [y.tolist() for _, y in DataLoader(dataset, batch_size=4, shuffle=True)]
    assert ours == torchs and sorted(index for batch in ours for index in batch) == list(range(10))
    in_order = [y.tolist() for _, y in LengthGroupedLoader(dataset, batch_size=4, shuffle=False)]
    assert in_order == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]


def test_fit_indexes_the_data_once_per_batch_not_per_sample(monkeypatch):
    # skorch's per-sample reading calls multi_indexing for every sample (and
    # each of its arrays); the batches are gathered without it.
    import skorch.dataset

    from sklstm import LSTMClassifier

    calls = []
    original = skorch.dataset.multi_indexing
    def counted(*args, **kwargs):
        calls.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr(skorch.dataset, "multi_indexing", counted)
    ids = np.random.default_rng(0).integers(0, 9, size=(200, 6))
    model = LSTMClassifier(units=4, max_epochs=2, batch_size=16, early_stopping=True,
                           validation_fraction=0.2, random_state=0)
    model.fit(ids, np.arange(200) % 2)
    assert model.n_iter_ == 2 and "valid_loss" in model.history_[-1]
    assert calls == []
