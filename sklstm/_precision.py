"""Mixed precision: the ``precision`` parameter, bfloat16 support, autocast.

With ``precision='bfloat16'`` the module's forward pass runs under
``torch.autocast``: the LSTM (oneDNN's kernel on CPU, forward and backward)
computes in bfloat16, while the embedding, the output layer (see
``LSTMNet._output``), the weights, their gradients and Adam's moments stay
float32, and the module's outputs are float32 before the loss, the
validation score or a prediction reads them. A batch of a single row computes
in float32 (``MIN_MIXED_PRECISION_ROWS``).

bfloat16 pays only where the hardware computes it natively: on CPU,
``avx512_bf16`` or ``amx_bf16`` (x86) or ``bf16`` (ARM), as reported by
:func:`torch.cpu.get_capabilities` (or, with a torch too old to have it, the
flags of ``/proc/cpuinfo``); on CUDA, :func:`torch.cuda.is_bf16_supported`.
Elsewhere bfloat16 is emulated, typically more slowly than float32, so the
estimators warn and compute in float32.
"""

import warnings
from contextlib import contextmanager, nullcontext
from functools import lru_cache

import torch

from ._fitting import InterruptibleNet
from ._runtime import torch_threads

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


class MixedPrecisionNet(InterruptibleNet):
    """A skorch net whose forward passes (training and validation) run in ``precision``.

    Only the forward pass is under autocast: the loss is computed from outputs
    cast back to float32, and the backward pass and the optimizer step work on
    the float32 weights.

    Parameters
    ----------
    precision : {'float32', 'bfloat16'}, default='float32'
        The precision to compute in, already checked against the device (see
        ``effective_precision``).
    """

    def __init__(self, *args, precision="float32", **kwargs):
        super().__init__(*args, **kwargs)
        self.precision = precision

    def infer(self, x, **fit_params):
        if self.precision == "float32":
            return super().infer(x, **fit_params)
        with mixed_precision(self.precision, self.device or "cpu"):
            outputs = super().infer(x, **fit_params)
        return outputs.float()


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
