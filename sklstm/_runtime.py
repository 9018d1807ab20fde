"""The process-wide torch state that fit and predict set, and then restore.

torch keeps its random generator and its thread count per process. The
estimators seed the one and pin the other for the duration of a call, and give
the caller back the state they had.

Threads share that state, so every block that draws from torch's generator
(a fit, building a module for loading or export) or that traces with
torch.export holds ``torch_state_lock``: two seeded fits in threads (joblib's
threading backend, a web server) then each draw their own stream, as they
would one after the other, and give the same weights. Such blocks run one at
a time; predictions, which draw nothing, do not wait for them.
"""

import random
import threading
from contextlib import contextmanager

import numpy as np
import torch

#: Held by every block that draws from torch's global generator or traces a
#: module: reentrant, as loading may build a module within such a block.
torch_state_lock = threading.RLock()


@contextmanager
def preserved_rngs():
    """Restore every global RNG after the block, whatever it draws.

    torch's CPU (and CUDA) generators, NumPy's global state and Python's
    ``random`` are all left as the caller had them. (torch's DataLoader draws a
    seed from the global generator each time it is iterated.) The block holds
    ``torch_state_lock``, so that no other thread draws in between.
    """
    with torch_state_lock:
        with _restored_rngs():
            yield


@contextmanager
def _restored_rngs():
    python_state = random.getstate()
    numpy_state = np.random.get_state()
    cuda_devices = list(range(torch.cuda.device_count())) if torch.cuda.is_available() else []
    try:
        with torch.random.fork_rng(devices=cuda_devices):
            yield
    finally:
        random.setstate(python_state)
        np.random.set_state(numpy_state)


@contextmanager
def seeded_rngs(seed):
    """Seed torch for the block, then restore every global RNG."""
    with preserved_rngs():
        torch.manual_seed(seed)
        yield


@contextmanager
def torch_threads(n_threads):
    """Run the block with ``n_threads`` torch threads (None: leave as is)."""
    previous = torch.get_num_threads()
    if n_threads is not None:
        torch.set_num_threads(n_threads)
    try:
        yield
    finally:
        torch.set_num_threads(previous)


def draw_seed(random_state):
    """The torch seed of one fit, drawn from ``random_state`` as scikit-learn draws.

    An int gives the same seed every time; None draws from NumPy's global
    generator, and a RandomState instance advances.
    """
    from sklearn.utils import check_random_state

    return check_random_state(random_state).randint(np.iinfo(np.int32).max)
