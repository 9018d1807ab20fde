"""Mini-batches of token-id sequences of similar length.

The module cuts each batch to its longest real sequence, so a batch that mixes
a 10-token text with a 140-token one spends most of its work on padding.
Drawing batches from length-sorted pools keeps that waste small while the
batches and their order stay random (and seeded, through torch's generator).
"""

import numpy as np
import torch
from torch.utils.data import DataLoader, Sampler, Subset

# Batches per pool: large enough that a pool's sorted lengths vary little within
# a batch, small enough that batches still mix texts from across the data set.
BATCHES_PER_POOL = 50


# Rows counted at a time by row_lengths: np.count_nonzero(X, axis=1) makes a
# boolean copy of X, 140 MB for a million rows of 140 ids.
LENGTH_CHUNK_ROWS = 65_536


def row_lengths(X):
    """Number of non-zero ids in each row of X, with bounded temporary memory."""
    lengths = np.empty(len(X), dtype=np.int64)
    for start in range(0, len(X), LENGTH_CHUNK_ROWS):
        stop = start + LENGTH_CHUNK_ROWS
        lengths[start:stop] = np.count_nonzero(X[start:stop], axis=1)
    return lengths


def token_lengths(dataset):
    """Number of real (non-zero) ids of each sequence of a skorch dataset, or None.

    None when the dataset holds numeric sequences, which all have one length.
    """
    if isinstance(dataset, Subset):
        lengths = token_lengths(dataset.dataset)
        return None if lengths is None else lengths[np.asarray(dataset.indices)]
    X = dataset.X["X"] if isinstance(dataset.X, dict) else dataset.X
    if X.dtype.kind not in "iu":
        return None
    return row_lengths(X)


class LengthGroupedBatchSampler(Sampler):
    """Shuffled batches of indices of sequences of similar length.

    Each epoch: shuffle all indices, cut them into pools of
    ``BATCHES_PER_POOL * batch_size``, sort each pool by length, cut the pools
    into batches and shuffle the batches.
    """

    def __init__(self, lengths, batch_size):
        self.lengths = torch.as_tensor(lengths)
        self.batch_size = batch_size

    def __len__(self):
        n_pools, last_pool = divmod(len(self.lengths), BATCHES_PER_POOL * self.batch_size)
        return n_pools * BATCHES_PER_POOL + -(-last_pool // self.batch_size)

    def __iter__(self):
        shuffled = torch.randperm(len(self.lengths))
        pool_size = BATCHES_PER_POOL * self.batch_size
        batches = []
        for pool in shuffled.split(pool_size):
            by_length = pool[torch.sort(self.lengths[pool], stable=True).indices]
            batches.extend(by_length.split(self.batch_size))
        for batch in torch.randperm(len(batches)).tolist():
            yield batches[batch].tolist()


class LengthGroupedLoader(DataLoader):
    """skorch's training iterator: length-grouped batches for token ids.

    Falls back to a plain shuffled loader for numeric sequences.
    """

    def __init__(self, dataset, batch_size=1, shuffle=True, **kwargs):
        lengths = token_lengths(dataset) if shuffle else None
        if lengths is None:
            super().__init__(dataset, batch_size=batch_size, shuffle=shuffle, **kwargs)
        else:
            batches = LengthGroupedBatchSampler(lengths, batch_size)
            super().__init__(dataset, batch_sampler=batches, **kwargs)
