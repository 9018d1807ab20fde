"""Where and how torch computes: devices, threads, random generators, precision.

torch keeps its random generator and its thread count per process. The
estimators seed the one and pin the other for the duration of a call, and give
the caller back the state they had. Threads share that state, so every block
that draws from torch's generator (a fit, building a module for loading or
export) or that traces with torch.export holds ``torch_state_lock``: two
seeded fits in threads (joblib's threading backend, a web server) then each
draw their own stream, as they would one after the other, and give the same
weights. Such blocks run one at a time; predictions, which draw nothing, do
not wait for them.

``check_device`` resolves the ``device`` parameter when fit starts.

Mixed precision (the ``precision`` parameter): with ``'bfloat16'`` the
module's forward pass runs under ``torch.autocast``: the LSTM (oneDNN's kernel
on CPU, forward and backward) computes in bfloat16, while the embedding, the
output layer (see ``LSTMNet._output``), the weights, their gradients and Adam's
moments stay float32, and the module's outputs are float32 before the loss,
the validation score or a prediction reads them. A batch of a single row
computes in float32 (``MIN_MIXED_PRECISION_ROWS``). bfloat16 pays only where
the hardware computes it natively: on CPU, ``avx512_bf16`` or ``amx_bf16``
(x86) or ``bf16`` (ARM), as reported by :func:`torch.cpu.get_capabilities`
(or, with a torch too old to have it, the flags of ``/proc/cpuinfo``); on
CUDA, :func:`torch.cuda.is_bf16_supported`. Elsewhere bfloat16 is emulated,
typically more slowly than float32, so the estimators warn and compute in
float32.

``inference`` is the context every prediction runs in: eval mode, no
gradients, the estimator's threads and precision.
"""

import random
import threading
import warnings
from contextlib import contextmanager, nullcontext
from functools import lru_cache

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


def available_devices():
    """The torch devices this process can use, e.g. ``['cpu', 'cuda:0']``."""
    devices = ["cpu"]
    if torch.cuda.is_available():
        devices += [f"cuda:{index}" for index in range(torch.cuda.device_count())]
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        devices.append("mps")
    return devices


def check_device(device):
    """Return ``device`` (a str or ``torch.device``) as a device this process has.

    Raises a ValueError naming the available devices when torch does not know
    the name, or when this machine (or this build of torch) lacks the device.
    """
    available = available_devices()
    try:
        resolved = torch.device(device)
    except (RuntimeError, TypeError) as error:
        raise ValueError(
            f"device={device!r} is not a torch device ({error}); the devices "
            f"available here are {available}."
        ) from None
    if resolved.type == "cpu":
        return resolved
    backend = getattr(torch, resolved.type, None)
    is_available = getattr(backend, "is_available", None)
    if resolved.type == "mps":
        is_available = torch.backends.mps.is_available
    if is_available is None or not is_available():
        raise ValueError(
            f"device={device!r}, but this machine and build of torch "
            f"({torch.__version__}) have no {resolved.type} device; the devices "
            f"available here are {available}. Pass device='cpu'."
        )
    count = getattr(backend, "device_count", None)
    if resolved.index is not None and count is not None and resolved.index >= count():
        raise ValueError(
            f"device={device!r}, but this machine has {count()} {resolved.type} "
            f"device(s); the devices available here are {available}."
        )
    return resolved


PRECISIONS = ("float32", "bfloat16")


# Batches of fewer rows compute in float32 whatever the precision. On one row
# (a served one-text prediction) the LSTM's time is per-step overhead rather
# than arithmetic: nn.LSTM(32, 64) over 72 steps took 0.92x the float32 time in
# bfloat16 on one row (0.79x on 8 rows, 0.71x on 64), a gain that autocast's
# casts of the weights and the output layer's switch back to float32 cost again.
MIN_MIXED_PRECISION_ROWS = 2


# Capability names of native bfloat16 arithmetic, as torch.cpu.get_capabilities()
# and Linux's /proc/cpuinfo spell them (ARM's cpuinfo calls it "bf16" too).
_BF16_CAPABILITIES = ("avx512_bf16", "amx_bf16", "bf16", "sve_bf16")


_CPUINFO = "/proc/cpuinfo"


def supports_bfloat16(capabilities):
    """Whether a mapping of CPU capabilities names native bfloat16 arithmetic."""
    return any(capabilities.get(name) for name in _BF16_CAPABILITIES)


def _cpuinfo_capabilities(path=None):
    """The CPU flags of ``/proc/cpuinfo`` as ``{flag: True}``; empty where it is absent."""
    try:
        with open(path or _CPUINFO, encoding="utf-8", errors="replace") as cpuinfo:
            lines = cpuinfo.readlines()
    except OSError:
        return {}
    flags = {}
    for line in lines:
        key, _, value = line.partition(":")
        if key.strip() in ("flags", "Features"):  # x86, ARM
            flags.update((flag, True) for flag in value.split())
    return flags


@lru_cache(maxsize=None)
def cpu_supports_bfloat16():
    """Whether this CPU computes bfloat16 natively (see the module's docstring).

    Also the way to check a machine before choosing ``precision='bfloat16'``:
    ``torch.cpu.get_capabilities()['avx512_bf16']`` or ``['amx_bf16']``.
    """
    get_capabilities = getattr(torch.cpu, "get_capabilities", None)
    if get_capabilities is not None:
        return supports_bfloat16(get_capabilities())
    return supports_bfloat16(_cpuinfo_capabilities())


def _unsupported_reason(device):
    """Why ``device`` cannot compute in bfloat16, or None when it can."""
    if device.type == "cpu":
        if cpu_supports_bfloat16():
            return None
        return (
            "this CPU has no native bfloat16 arithmetic (torch.cpu.get_capabilities() "
            "reports none of avx512_bf16, amx_bf16, bf16), where bfloat16 would be "
            "emulated, slower than float32"
        )
    if device.type == "cuda":
        if torch.cuda.is_bf16_supported():
            return None
        return f"the GPU {device} does not support bfloat16"
    return f"sklstm uses bfloat16 on CPU and CUDA devices only, not on {device.type!r}"


def effective_precision(precision, device, estimator_name):
    """The precision to compute in on ``device``: ``precision``, or float32 with a warning.

    Parameters
    ----------
    precision : {'float32', 'bfloat16'}
        The estimator's parameter.
    device : torch.device
        Where the module computes.
    estimator_name : str
        For the warning.
    """
    if precision == "float32":
        return precision
    reason = _unsupported_reason(torch.device(device))
    if reason is None:
        return precision
    warnings.warn(
        f"{estimator_name}(precision={precision!r}) computes in float32: {reason}. "
        "Pass precision='float32' to silence this warning.",
        UserWarning,
        stacklevel=4,
    )
    return "float32"


def mixed_precision(precision, device, n_rows=None):
    """A context in which the module computes in ``precision`` on ``device``.

    float32, or fewer than ``MIN_MIXED_PRECISION_ROWS`` rows: nothing
    changes. bfloat16: ``torch.autocast``; cast the module's outputs with
    ``.float()`` after it.
    """
    if precision == "float32" or (n_rows is not None and n_rows < MIN_MIXED_PRECISION_ROWS):
        return nullcontext()
    return torch.autocast(device_type=torch.device(device).type, dtype=torch.bfloat16)


@contextmanager
def inference(module, n_threads, precision="float32", n_rows=None):
    """Predict with ``module``: eval mode, no autograd, ``n_threads``, ``precision``.

    What every prediction of the estimators shares (``predict_proba``,
    ``score``, ``generate``). Yields the device of the module's weights, where
    the inputs must go: a model trained on a GPU and loaded on a machine
    without one predicts on its CPU.
    """
    if any(layer.training for layer in module.modules()):
        module.eval()
    device = next(module.parameters()).device
    with (
        torch.inference_mode(),
        torch_threads(n_threads),
        mixed_precision(precision, device, n_rows=n_rows),
    ):
        yield device
