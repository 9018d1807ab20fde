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
from numbers import Integral

import numpy as np
import sklearn
import skorch
import torch

from ._device import check_device, preserved_rngs
from ._embeddings import check_saved_vectors, load_vectors
from ._ids import TOKEN_ID_LIMIT
from ._validation import damaged
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

    Raises
    ------
    ValueError
        If the state is not laid out as :func:`plain_state` writes it (see
        :func:`check_state_layout`).
    """
    check_state_layout(state, estimator_name)
    state = dict(state)
    if isinstance(state.get(VOCABULARY_KEY), str):
        state[VOCABULARY_KEY] = _vocabulary_from_json(state[VOCABULARY_KEY], estimator_name)
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


def check_state_layout(state, estimator_name):
    """Check the types of what :func:`split_state` and :func:`restore_net` read.

    Each damage gives :func:`damaged`'s ValueError, never a KeyError or an
    AttributeError from deeper down.
    """
    if not isinstance(state, dict):
        raise damaged(estimator_name, f"is a {type(state).__name__}, not a dict of attributes")
    versions = state.get(VERSIONS_KEY)
    if versions is not None and not (
        isinstance(versions, dict)
        and all(isinstance(key, str) and isinstance(value, str) for key, value in versions.items())
    ):
        raise damaged(estimator_name, "has a version stamp that is not a dict of version strings")
    vocabulary = state.get(VOCABULARY_KEY)
    if vocabulary is not None and not isinstance(vocabulary, (str, dict)):
        raise damaged(estimator_name, f"holds a {type(vocabulary).__name__} as its vocabulary")
    net = state.get(NET_STATE_KEY)
    if net is None:
        return
    if not isinstance(net, dict):
        raise damaged(estimator_name, f"holds a {type(net).__name__} in place of its network")
    for key in ("params", "module_state"):
        if not isinstance(net.get(key), dict):
            raise damaged(estimator_name, f"lacks its network's {key!r}")
    n_outputs = net["params"].get("module__n_outputs")
    if not _is_count(n_outputs):
        raise damaged(estimator_name, "has no positive number of outputs ('module__n_outputs')")
    moments = net.get("optimizer_state")
    if moments is not None and not (
        isinstance(moments, dict) and all(isinstance(value, dict) for value in moments.values())
    ):
        raise damaged(estimator_name, "holds optimizer moments that are not dicts of arrays")


def _is_count(value):
    """A positive whole number (not a bool, which is an int too)."""
    return isinstance(value, Integral) and not isinstance(value, bool) and value > 0


def _vocabulary_from_json(text, estimator_name):
    try:
        vocabulary = json.loads(text)
    except ValueError:  # json.JSONDecodeError; its message would quote the text
        vocabulary = None
    if not isinstance(vocabulary, dict) or not all(
        isinstance(token_id, int) for token_id in vocabulary.values()
    ):
        raise damaged(estimator_name, "holds a vocabulary that is not a JSON object of ids")
    return vocabulary


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

    Raises
    ------
    ValueError
        If the saved sizes disagree with the saved weights (see
        :func:`check_saved_weights`), checked before anything of those sizes
        is allocated.
    """
    name = type(estimator).__name__
    # Only parameters that the net built here holds as plain values too: a
    # saved value never replaces a class (module, criterion, optimizer).
    own = net.get_params(deep=False)
    params = {
        key: value
        for key, value in state["params"].items()
        if isinstance(value, _PLAIN_TYPES) and isinstance(own.get(key, ()), _PLAIN_TYPES)
    }
    # These follow from the estimator's fitted attributes, which built the
    # skeleton, and from nothing a user sets: the vectors (that loading
    # checked, see _embeddings.check_saved_vectors), the number of token ids,
    # the values per step. A net that says otherwise was edited.
    for key in _FROM_FITTED_ATTRIBUTES:
        if params.get(key, own.get(key)) != own.get(key):
            raise damaged(name, f"has a network whose {key!r} disagrees with its fitted attributes")
    device = params.get("device", "cpu")
    if device is not None and not device_available(device):
        warnings.warn(
            f"{name} was saved with device={device!r}, which is "
            "not available here; its weights are loaded on CPU and its device is "
            "set to 'cpu'.",
            UserWarning,
            stacklevel=4,
        )
        params["device"] = "cpu"
        estimator.device = "cpu"
    net.set_params(**params)
    weights = {
        key: _saved_tensor(estimator, key, value) for key, value in state["module_state"].items()
    }
    shapes = check_saved_weights(net, weights, name)
    saved_moments = state.get("optimizer_state")
    if saved_moments is not None:
        moments = _saved_moments(estimator, saved_moments, list(shapes.values()))
    # Building the module draws its initial weights from torch's global
    # generator; the saved weights replace them, and the caller's draws stay as
    # they were.
    try:
        with preserved_rngs():
            net.initialize()
    except (TypeError, ValueError, RuntimeError) as error:  # a learning rate "x", ...
        raise damaged(
            name, f"holds network parameters that build no network ({type(error).__name__})"
        ) from None
    net.module_.load_state_dict(weights)
    if saved_moments is not None:
        param_groups = net.optimizer_.state_dict()["param_groups"]
        net.optimizer_.load_state_dict({"state": moments, "param_groups": param_groups})
    return net


# The net's parameters that the estimator's fitted attributes give.
_FROM_FITTED_ATTRIBUTES = (
    "module__pretrained_embeddings",
    "module__vocabulary_size",
    "module__n_input_features",
)


def check_saved_weights(net, weights, estimator_name):
    """Check the net's sizes against the saved weights, allocating nothing of those sizes.

    The module is built on PyTorch's ``meta`` device, which records shapes
    without memory: a size edited in the file (a vocabulary of 2**29 ids, a
    layer of 10**6 units) is refused here instead of allocating gigabytes.

    Returns
    -------
    shapes : dict
        The trainable parameters' names and shapes, in the optimizer's order.
    """
    module_params = net.get_params_for("module")
    vectors = module_params.get("pretrained_embeddings")
    if vectors is not None:
        # Read first, outside the check below: a vectors file that cannot be
        # read says so itself (it changed since fit, it is a gzip bomb, ...).
        load_vectors(vectors)
    try:
        with torch.device("meta"):
            # initialization="torch": Keras's initialisation copies pretrained
            # vectors in, which a meta tensor cannot take; shapes are the same.
            module = net.module(**module_params, initialization="torch")
    except (TypeError, ValueError, RuntimeError, OverflowError, IndexError) as error:
        raise damaged(
            estimator_name, f"holds sizes that build no network ({type(error).__name__})"
        ) from None
    expected = {key: tuple(value.shape) for key, value in module.state_dict().items()}
    missing = [key for key in expected if key not in weights]
    if missing:
        raise damaged(estimator_name, _short(f"lacks the weights {missing}"))
    n_unknown = len(weights.keys() - expected.keys())
    if n_unknown:
        raise damaged(estimator_name, f"holds {n_unknown} weights that its network does not have")
    for key, shape in expected.items():
        if tuple(weights[key].shape) != shape:
            raise damaged(
                estimator_name,
                f"holds weights {key!r} of shape {tuple(weights[key].shape)} where its "
                f"sizes give {shape}",
            )
    if getattr(module, "pretrained", None) is not None:
        # With pretrained vectors, the vocabulary size shapes no weight but a
        # lookup table: it is the vectors' table or the largest trainable id.
        ids = np.asarray(module_params.get("trainable_ids", []))
        # fit refuses larger ids; the module allocates a lookup table of the
        # largest id + 1 entries.
        if ids.size and not 0 <= ids.min() <= ids.max() < TOKEN_ID_LIMIT:
            raise damaged(
                estimator_name, f"holds trainable token ids outside 0..{TOKEN_ID_LIMIT - 1}"
            )
        largest = int(ids.max()) + 1 if ids.size else 0
        if module_params.get("vocabulary_size") != max(len(module.pretrained), largest):
            raise damaged(estimator_name, "has a vocabulary size that its word vectors do not give")
    return {key: tuple(value.shape) for key, value in module.named_parameters()}


def _saved_moments(estimator, saved, shapes):
    """Adam's saved moments as tensors, each checked against its weight's shape."""
    name = type(estimator).__name__
    moments = {}
    for index, values in saved.items():
        if not (
            isinstance(index, str)
            and index.isascii()
            and index.isdigit()
            and int(index) < len(shapes)
        ):
            raise damaged(name, "holds optimizer moments for weights it does not have")
        moments[int(index)] = {}
        for key, value in values.items():
            tensor = _saved_tensor(estimator, key, value)
            if tensor.ndim and tuple(tensor.shape) != shapes[int(index)]:
                raise damaged(name, "holds optimizer moments of another shape than its weights")
            moments[int(index)][key] = tensor
    return moments


def _short(text, limit=200):
    return text if len(text) <= limit else text[:limit] + "..."


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
        if net_state is None:
            return
        name = type(self).__name__
        # Before the net is built, which reads the vectors.
        check_saved_vectors(getattr(self, "embeddings", None), name)
        try:
            skeleton = self._net_skeleton(net_state["params"]["module__n_outputs"])
        except AttributeError as error:
            if getattr(error, "obj", None) is not self:
                raise
            raise damaged(name, f"lacks its fitted attribute {error.name!r}") from None
        except (TypeError, IndexError) as error:
            raise damaged(
                name, f"holds a fitted attribute of the wrong type ({type(error).__name__})"
            ) from None
        self.net_ = restore_net(self, net_state, skeleton)
