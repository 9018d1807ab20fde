"""What a saved estimator holds: plain values and NumPy arrays, never torch or skorch objects.

pickle, joblib and ``skops.io`` all save what ``__getstate__`` returns. skorch's
own ``NeuralNet.__getstate__`` packs the module and the optimizer into a byte
string made by ``torch.save``: a pickle inside the state, which skops cannot
inspect and loads by running whatever the bytes name. So the estimators
replace their fitted net by :func:`net_state` (the net's construction
parameters that are plain values, and the module's weights as arrays) and
rebuild it on load with their own net-building code (:func:`restore_net`).

Adam's moments, which weigh twice the weights, are saved (as arrays too) only
by an estimator with ``warm_start=True``, the one setting in which ``fit``
reads them again: training after loading then continues exactly as without
saving. Any other loaded ``net_`` has a fresh optimizer (a warm start after
``set_params(warm_start=True)`` restarts Adam's moments), and every loaded
net an empty skorch history (the estimator's ``history_`` keeps the record of
every epoch).

Every saved state carries the versions of the libraries that made it
(:func:`version_stamp`); loading under other versions warns.
"""

import json
import warnings

import numpy as np
import sklearn
import skorch
import torch

from ._device import check_device, preserved_rngs
from .exceptions import InconsistentVersionWarning

# The state's keys. They hold no torch or skorch object, so that skops lists
# nothing but sklstm's own classes as untrusted.
NET_STATE_KEY = "_net_state"
VERSIONS_KEY = "_sklstm_versions"
# The tokenizer vocabulary an estimator was trained on (see
# _net.check_same_vocabulary), saved as one JSON string: skops writes each
# entry of a dict as a record of its own, which would double a pipeline's file.
VOCABULARY_KEY = "_token_vocabulary"
_PLAIN_TYPES = (bool, int, float, str, type(None))


def version_stamp():
    """The versions of the libraries a saved model depends on."""
    # sklstm/__init__ imports this module before it defines __version__.
    from . import __version__

    # scikit-learn stamps its own estimators only (``_sklearn_version`` is
    # recorded for classes of sklearn's modules), so sklstm records it too.
    # str(): torch's version is a str subclass of torch's own.
    return {
        "sklstm": str(__version__),
        "scikit-learn": str(sklearn.__version__),
        "torch": str(torch.__version__),
        "skorch": str(skorch.__version__),
    }


def plain_state(state):
    """``__getstate__``'s result with the net as plain values and a version stamp.

    A ``torch.device`` given as the ``device`` parameter is saved as its name
    (``'cpu'``, ``'cuda:0'``), which the estimator accepts alike.

    Parameters
    ----------
    state : dict
        The estimator's attributes, as ``BaseEstimator.__getstate__`` returns them.
    """
    state = dict(state)
    if isinstance(state.get("device"), torch.device):
        # Its name says the same, and skops then need not trust torch.device.
        state["device"] = str(state["device"])
    if isinstance(state.get(VOCABULARY_KEY), dict):
        state[VOCABULARY_KEY] = json.dumps(state[VOCABULARY_KEY])
    net = state.pop("net_", None)
    if net is not None:
        state[NET_STATE_KEY] = net_state(net, with_optimizer=bool(state.get("warm_start")))
    state[VERSIONS_KEY] = version_stamp()
    return state


def net_state(net, with_optimizer=False):
    """A fitted skorch net as plain values and NumPy arrays.

    Returns
    -------
    state : dict
        ``params``: the net's construction parameters whose values are plain
        Python values (learning rate, batch size, device, the ``module__`` and
        ``criterion__`` parameters, ...); ``module_state``: the module's
        ``state_dict`` as NumPy arrays, on CPU; with ``with_optimizer``,
        ``optimizer_state``: the optimizer's per-weight state (Adam's step
        count and moments), ``{str(index): {name: array}}``.
    """
    params = {
        name: value
        for name, value in net.get_params(deep=False).items()
        if isinstance(value, _PLAIN_TYPES) and not name.startswith("_")
    }
    module_state = {
        name: tensor.detach().cpu().numpy().copy()
        for name, tensor in net.module_.state_dict().items()
    }
    state = {"params": params, "module_state": module_state}
    if with_optimizer:
        state["optimizer_state"] = {
            str(index): {
                name: value.detach().cpu().numpy().copy() if torch.is_tensor(value) else value
                for name, value in moments.items()
            }
            for index, moments in net.optimizer_.state_dict()["state"].items()
        }
    return state


def split_state(state, estimator_name):
    """Take the version stamp and the net's state out of a saved state.

    Warns with :class:`~sklstm.exceptions.InconsistentVersionWarning` when the
    stamp differs from the installed versions. A state saved before sklstm
    stamped its models holds the skorch net itself: it comes back unchanged.

    Returns
    -------
    state : dict
        The other attributes, for ``BaseEstimator.__setstate__``.
    net_state : dict or None
        What :func:`restore_net` reads; None for an unfitted estimator.
    """
    state = dict(state)
    if isinstance(state.get(VOCABULARY_KEY), str):
        state[VOCABULARY_KEY] = json.loads(state[VOCABULARY_KEY])
    saved_versions = state.pop(VERSIONS_KEY, None)
    if saved_versions is not None:
        current = version_stamp()
        if any(saved_versions.get(name) != version for name, version in current.items()):
            warnings.warn(
                InconsistentVersionWarning(
                    estimator_name=estimator_name,
                    original_versions=saved_versions,
                    current_versions=current,
                ),
                stacklevel=3,
            )
    return state, state.pop(NET_STATE_KEY, None)


def restore_net(estimator, state, net):
    """Initialize the unfitted ``net`` from ``state`` and give it the saved weights.

    Parameters
    ----------
    estimator : estimator
        The estimator being loaded; its ``device`` becomes ``'cpu'`` when the
        saved device is not available here.
    state : dict
        As made by :func:`net_state`.
    net : skorch.NeuralNet
        An unfitted net built by the estimator's own code (its classes of net,
        module, criterion, optimizer and callbacks); the saved parameters
        override its plain ones, and only those.

    Returns
    -------
    net : skorch.NeuralNet
        Initialized, with the saved weights on its device.
    """
    # Only parameters that the net built here holds as plain values too: a
    # saved value never replaces a class (module, criterion, optimizer).
    own = net.get_params(deep=False)
    params = {
        name: value
        for name, value in state["params"].items()
        if isinstance(value, _PLAIN_TYPES) and isinstance(own.get(name, ()), _PLAIN_TYPES)
    }
    device = params.get("device", "cpu")
    if device is not None and not device_available(device):
        warnings.warn(
            f"{type(estimator).__name__} was saved with device={device!r}, which is "
            "not available here; its weights are loaded on CPU and its device is "
            "set to 'cpu'.",
            UserWarning,
            stacklevel=4,
        )
        params["device"] = "cpu"
        estimator.device = "cpu"
    net.set_params(**params)
    # Building the module draws its initial weights from torch's global
    # generator; the saved weights replace them, and the caller's draws stay as
    # they were.
    with preserved_rngs():
        net.initialize()
    weights = {
        name: _saved_tensor(estimator, name, value)
        for name, value in state["module_state"].items()
    }
    net.module_.load_state_dict(weights)
    saved_moments = state.get("optimizer_state")
    if saved_moments is not None:
        moments = {
            int(index): {
                name: _saved_tensor(estimator, name, value) for name, value in values.items()
            }
            for index, values in saved_moments.items()
        }
        param_groups = net.optimizer_.state_dict()["param_groups"]
        net.optimizer_.load_state_dict({"state": moments, "param_groups": param_groups})
    return net


def _saved_tensor(estimator, name, value):
    if not isinstance(value, np.ndarray) or value.dtype.kind not in "biuf":
        raise ValueError(
            f"The saved weights of {type(estimator).__name__} hold a "
            f"{type(value).__name__} for {name!r}, not an array of numbers: the "
            "file is damaged or was not written by sklstm."
        )
    return torch.tensor(value)


def device_available(device):
    """Whether ``device`` (``'cpu'``, ``'cuda:1'``, ...) exists here."""
    try:
        check_device(device)
    except ValueError:
        return False
    return True


class PlainStateMixin:
    """``__getstate__`` / ``__setstate__`` for the estimators that hold a skorch net.

    pickle, joblib and skops.io then all see the fitted net as plain values and
    arrays (see :func:`plain_state`). The estimator provides
    ``_net_skeleton(n_outputs)``, an unfitted net of its own kind, which
    loading fills with the saved weights.
    """

    def __getstate__(self):
        return plain_state(super().__getstate__())

    def __setstate__(self, state):
        state, net_state = split_state(state, type(self).__name__)
        # A model saved by an earlier sklstm lacks the parameters added since:
        # they take their defaults, as in a model made today.
        for name, default in type(self)().get_params(deep=False).items():
            state.setdefault(name, default)
        super().__setstate__(state)
        if net_state is not None:
            skeleton = self._net_skeleton(net_state["params"]["module__n_outputs"])
            self.net_ = restore_net(self, net_state, skeleton)
