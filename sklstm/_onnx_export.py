"""export_onnx: a fitted model as an ONNX graph that onnxruntime serves without torch.

The exporter is ``torch.onnx.export(..., dynamo=True)``: it captures the
module with ``torch.export`` and translates the captured program into ONNX
with onnxscript. torch.export refuses a Python branch that depends on the
data instead of recording the one the example input took, which is how the
TorchScript-based route (``torch.jit.trace``, and ``torch.onnx.export(...,
dynamo=False)``, which traces) gives a silently wrong graph: ``LSTMNet``
decides in Python whether a batch is already compact and how wide it is.
Under export, ``LSTMNet`` takes no such branch (see ``sklstm._module``), and
each of its LSTM layers is the operator ``sklstm::lstm_layer``, translated
here into ONNX's own LSTM: torch.export would otherwise unroll ``nn.LSTM``
over the example's steps, fixing the sequence length in the graph.

Every export is checked before anything is written: the graph's batch size
and sequence length must be dynamic, and onnxruntime's answers on probe
inputs (empty, one-token, full, pre- and post-padded rows, ids beyond the
vocabulary, a single row) must match the estimator's.
"""

import contextlib
import io
import json
import logging
import os
import uuid
import warnings
from pathlib import Path

import numpy as np
import torch
from sklearn.pipeline import Pipeline
from sklearn.utils.validation import check_is_fitted
from torch import nn

from . import __version__, _module
from ._classifier import LSTMClassifier
from ._device import preserved_rngs, torch_state_lock
from ._generator import LSTMTextGenerator
from ._ids import OOV_ID
from ._module import LSTMNet
from ._regressor import LSTMRegressor
from ._tokenizer import CharTokenizer
from .onnx import (
    INPUT_NAME,
    INSTALL_HINT,
    METADATA_KEY,
    MULTILABEL_FORMAT_VERSION,
    OUTPUT_NAMES,
    WRITTEN_FORMAT_VERSION,
    tokenizer_path,
)

__all__ = ["export_onnx"]

#: The ONNX opset of the graph: the one torch's ONNX functions are written
#: for (no version conversion), run by onnxruntime 1.14 and later.
OPSET = 18
# The exported graph must match the estimator on the probe inputs within
# this: probabilities, or targets in units of their standard deviation in fit.
# (Float32 rounding differs by about 1e-7; a wrong graph by far more.)
VERIFY_TOLERANCE = 1e-4
# One ONNX file holds at most 2 GB (a protobuf limit).
MAX_FILE_BYTES = 2**31 - 1
# Loggers that report torch.export's and onnxscript's internal steps.
_NOISY_LOGGERS = ("torch.onnx", "torch.export", "torch._export", "onnxscript", "onnx_ir")


def _import_exporter():
    """onnx, onnxscript and onnxruntime, or an ImportError naming the extra."""
    missing = []
    for name in ("onnx", "onnxscript", "onnxruntime"):
        try:
            __import__(name)
        except ImportError:
            missing.append(name)
    if missing:
        raise ImportError(
            f"export_onnx needs onnx, onnxscript and onnxruntime, but "
            f"{', '.join(missing)} {'is' if len(missing) == 1 else 'are'} not "
            f"installed: {INSTALL_HINT}"
        )
    if _module.lstm_layer is None or not hasattr(torch.compiler, "is_exporting"):
        raise ImportError(
            f"export_onnx needs torch 2.6 or later (torch.export with custom operators "
            f"and torch.compiler.is_exporting); this is torch {torch.__version__}. "
            "Upgrade torch where you export; serving needs no torch at all."
        )
    import onnxruntime

    return onnxruntime


def export_onnx(model, path):
    """Write a fitted model as ONNX, to predict with onnxruntime and without torch.

    The graph takes a batch of token ids (int64) or numeric sequences
    (float32) of any size and any number of steps, and returns what the
    estimator returns: ``predict_proba``'s probabilities for a classifier
    (one per label, on its own, for a multilabel one), ``predict``'s
    targets, in their own scale, for a regressor (float64).
    Padding is read nowhere, wherever it stands in a row, as in the
    estimator. Load the result with :func:`sklstm.onnx.load`, which also
    takes raw texts for a pipeline.

    Parameters
    ----------
    model : LSTMClassifier, LSTMRegressor or Pipeline
        A fitted estimator, or a fitted ``Pipeline`` of a
        :class:`CharTokenizer` and one of them (as ``make_pipeline`` and
        :func:`make_lstm_pipeline` build).
    path : str or path-like
        The ONNX file to write, e.g. ``'model.onnx'``. For a pipeline, the
        tokenizer's settings and vocabulary go beside it, as JSON, in
        ``<stem>.tokenizer.json``. Existing files are replaced, both or
        neither: each is written to a temporary file in the same folder and
        renamed only once both are complete.

    Returns
    -------
    paths : list of pathlib.Path
        The files written: the ONNX file, then the tokenizer's file (for a
        pipeline).

    Raises
    ------
    ImportError
        If onnx, onnxscript or onnxruntime is not installed (``pip install
        "sklstm[onnx]"``).
    ValueError
        If the model cannot be exported (an LSTMTextGenerator, another
        pipeline, labels that JSON cannot hold, a graph over 2 GB).
    RuntimeError
        If the exported graph fails its checks (fixed batch size or sequence
        length, or answers that differ from the estimator's); nothing is
        written then.
    OSError
        If a file cannot be written; files of an earlier export to ``path``
        are then left as they were.

    See Also
    --------
    sklstm.onnx.load : Serves the written model with onnxruntime.

    Notes
    -----
    With pretrained word vectors (``embeddings=``), the graph holds the whole
    table, each row already corrected by what training learned, so that the
    file needs no vectors beside it: about 80 MB for ``'glove-6b-50d'``
    (400,000 words of 50 values). The tokenizer's file then lists the
    vectors' words too (about 4 MB), as a word unseen in fit still reads its
    vector. :class:`LSTMTextGenerator` is not exported: its ``generate``
    samples one token at a time in Python.

    Examples
    --------
    >>> import os, tempfile
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklstm import CharTokenizer, LSTMClassifier, export_onnx
    >>> texts = ["I love this!", "great movie", "I hate this.", "awful film"] * 4
    >>> labels = ["pos", "pos", "neg", "neg"] * 4
    >>> model = make_pipeline(
    ...     CharTokenizer(), LSTMClassifier(units=4, max_epochs=2, random_state=0)
    ... ).fit(texts, labels)
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     paths = export_onnx(model, os.path.join(folder, "model.onnx"))
    ...     [path.name for path in paths]
    ['model.onnx', 'model.tokenizer.json']
    """
    onnxruntime = _import_exporter()
    tokenizer, estimator = _split_model(model)
    check_is_fitted(estimator)
    metadata = _metadata(estimator)
    files = {}
    if tokenizer is not None:
        check_is_fitted(tokenizer)
        state = _checked_tokenizer_state(tokenizer)
        files[tokenizer_path(path)] = json.dumps(state).encode("ascii")
        metadata["tokenizer"] = os.path.basename(tokenizer_path(path))
    proto = _export_graph(estimator)
    _check_dynamic(proto, estimator)
    entry = proto.metadata_props.add()
    entry.key, entry.value = METADATA_KEY, json.dumps(metadata)
    proto.doc_string = f"{type(estimator).__name__} exported by sklstm {__version__}"
    if proto.ByteSize() > MAX_FILE_BYTES:
        raise ValueError(
            f"The exported {type(estimator).__name__} would take "
            f"{proto.ByteSize() / 1e9:.1f} GB, over ONNX's 2 GB limit for one file. "
            "Export a model with a smaller embedding (fewer pretrained vectors)."
        )
    graph = proto.SerializeToString()
    _verify(onnxruntime, graph, estimator, metadata)
    files = {os.fspath(path): graph, **files}
    _write_together(files)
    return [Path(file_path) for file_path in files]


def _split_model(model):
    """(tokenizer or None, estimator) of an estimator or a pipeline."""
    if isinstance(model, Pipeline):
        steps = [step for _, step in model.steps]
        if (
            len(steps) == 2
            and isinstance(steps[0], CharTokenizer)
            and isinstance(steps[1], (LSTMClassifier, LSTMRegressor))
        ):
            return steps[0], steps[1]
        if len(steps) == 1 and isinstance(steps[0], (LSTMClassifier, LSTMRegressor)):
            return None, steps[0]
        names = [type(step).__name__ for step in steps]
        raise ValueError(
            "export_onnx exports a Pipeline of a CharTokenizer and an "
            f"LSTMClassifier or LSTMRegressor, but this one's steps are {names}. "
            "Other steps have no ONNX form here: export the LSTM estimator (or its "
            "tokenizer and it) and run the other steps before the served model."
        )
    if isinstance(model, LSTMTextGenerator):
        raise ValueError(
            "export_onnx does not export an LSTMTextGenerator: its generate() "
            "samples one token at a time in Python, which a single ONNX graph "
            "does not hold. It exports LSTMClassifier and LSTMRegressor models."
        )
    if isinstance(model, (LSTMClassifier, LSTMRegressor)):
        return None, model
    raise TypeError(
        "export_onnx exports a fitted LSTMClassifier or LSTMRegressor, or a Pipeline "
        f"of a CharTokenizer and one of them; got a {type(model).__name__}."
    )


def _metadata(estimator):
    """The description a loader reads: the task, the classes, the input."""
    is_classifier = isinstance(estimator, LSTMClassifier)
    multilabel = is_classifier and estimator.out_activation_ == "logistic"
    metadata = {
        # A loader older than multilabel serving would take argmax labels:
        # it refuses the later format instead.
        "format": MULTILABEL_FORMAT_VERSION if multilabel else WRITTEN_FORMAT_VERSION,
        "sklstm_version": __version__,
        "estimator": type(estimator).__name__,
        "task": "classifier" if is_classifier else "regressor",
        "input_type": estimator.input_type_,
        "input_shape": [int(size) for size in estimator.input_shape_],
        "vocabulary_size": (
            int(estimator.vocabulary_size_) if estimator.input_type_ == "tokens" else None
        ),
        "tokenizer": None,
    }
    if is_classifier:
        metadata["classes"] = _labels_as_json(estimator.classes_)
        metadata["classes_dtype"] = estimator.classes_.dtype.str
        if multilabel:  # predict gives y's indicator matrix, of y's dtype
            metadata["multilabel"] = True
            probe = _probe_inputs(estimator)[:1]
            metadata["label_dtype"] = estimator.predict(probe).dtype.str
    else:
        metadata["n_outputs"] = int(estimator.n_outputs_)
    return metadata


def _labels_as_json(classes):
    """The class labels as a JSON list, or a ValueError naming one that JSON cannot hold."""
    labels = classes.tolist()
    for label in labels:
        try:
            restored = json.loads(json.dumps(label))
        except (TypeError, ValueError):
            restored = None
        if type(restored) is not type(label) or restored != label:
            raise ValueError(
                f"export_onnx writes the class labels as JSON, which cannot hold the "
                f"label {label!r} (a {type(label).__name__}); fit on str, int, float "
                "or bool labels to export the model."
            )
    return labels


def _checked_tokenizer_state(tokenizer):
    """The tokenizer's state, once a tokenizer rebuilt from it gives the same ids."""
    # The file's format first, then the tokenizer's own state.
    state = {"format": WRITTEN_FORMAT_VERSION, **tokenizer.to_dict()}
    tokens = list(tokenizer.vocabulary_)[:50]
    separator = "" if tokenizer.level == "char" else " "
    texts = [separator.join(tokens), separator.join(reversed(tokens)), "", "\u2603 Zz 9"]
    words = state["vector_words"]
    if words is not None:
        texts.append(" ".join(words[:5] + words[-5:]))
    rebuilt = CharTokenizer.from_dict(json.loads(json.dumps(state)))
    if not np.array_equal(rebuilt.transform(texts), tokenizer.transform(texts)):
        raise RuntimeError(
            "The tokenizer rebuilt from its saved vocabulary gives other ids than the "
            "fitted one; nothing was written. Please report this as a bug of sklstm."
        )
    return state


# -- the graph ----------------------------------------------------------------------


class _ServedNet(nn.Module):
    """The estimator's whole prediction as one module: its input in, its answer out.

    Token ids the estimator would read as out-of-vocabulary (those it never
    saw in fit) are mapped to 1 here, negative ones too (the loader refuses
    those, as the estimator does); 1-D-per-step sequences get their feature
    axis; raw outputs become probabilities (a softmax, or for multilabel y a
    sigmoid per label, of the outputs divided by the fitted temperature) or
    targets (scaled back), in float64 as the estimator computes them.
    """

    def __init__(self, net, estimator):
        super().__init__()
        self.net = net
        self.is_classifier = isinstance(estimator, LSTMClassifier)
        self.multilabel = self.is_classifier and estimator.out_activation_ == "logistic"
        self.reads_tokens = estimator.input_type_ == "tokens"
        self.vocabulary_size = estimator.vocabulary_size_ if self.reads_tokens else None
        self.adds_feature_axis = not self.reads_tokens and len(estimator.input_shape_) == 1
        if self.is_classifier:
            temperature = torch.tensor(estimator.temperature_, dtype=torch.float64)
            self.register_buffer("temperature", temperature)
        else:
            for name, value in (
                ("y_scale", estimator.target_scale_),
                ("y_mean", estimator.target_mean_),
            ):
                self.register_buffer(name, torch.as_tensor(value, dtype=torch.float64))
            # predict returns 1-D targets when y was 1-D in fit.
            self.one_target = estimator.predict(_probe_inputs(estimator)[:1]).ndim == 1

    def forward(self, X):
        if self.reads_tokens:
            X = torch.where((X < 0) | (X >= self.vocabulary_size), OOV_ID, X)
        elif self.adds_feature_axis:
            X = X.unsqueeze(2)
        raw = self.net(X).double()
        if self.multilabel:
            return torch.sigmoid(raw / self.temperature)
        if self.is_classifier:
            return torch.softmax(raw / self.temperature, dim=1)
        predictions = raw * self.y_scale + self.y_mean
        return predictions[:, 0] if self.one_target else predictions


def _module_for_export(estimator):
    """A CPU copy of the fitted LSTMNet, in eval mode, with one plain embedding table.

    With pretrained vectors the fitted module looks each id up in the frozen
    table and adds its trained correction (``LSTMNet.embed``, a sorted search
    that ONNX has no operator for); the copy holds every id's sum, computed
    by that same code.
    """
    fitted = estimator.net_.module_
    params = {
        name[len("module__") :]: value
        for name, value in estimator.net_.get_params(deep=False).items()
        if name.startswith("module__")
    }
    state = {name: tensor.detach().cpu() for name, tensor in fitted.state_dict().items()}
    if fitted.reads_tokens and fitted.pretrained is not None:
        device = fitted.embedding.weight.device
        with torch.no_grad():
            ids = torch.arange(estimator.vocabulary_size_, device=device).unsqueeze(0)
            table = fitted.embed(ids)[0].cpu()
        params.update(
            pretrained_embeddings=None,
            trainable_ids=None,
            vocabulary_size=len(table),
            embedding_dim=table.shape[1],
        )
        state["embedding.weight"] = table
    with preserved_rngs():  # its initial weights, replaced below, draw random numbers
        module = LSTMNet(**params)
    module.load_state_dict(state)
    return module.eval()


def _lstm_layer_onnx(steps, weight_ih, weight_hh, bias_ih, bias_hh):
    """``sklstm::lstm_layer`` as ONNX's LSTM operator (onnxscript, traced)."""
    from onnxscript import opset18 as op

    units = weight_hh.shape[1]

    def onnx_gate_order(weights):
        # torch stacks the gates i, f, g, o; ONNX's LSTM reads i, o, f, g ("c").
        gates = [op.Slice(weights, [k * units], [(k + 1) * units], [0]) for k in (0, 3, 1, 2)]
        return op.Concat(*gates, axis=0)

    input_weights = op.Unsqueeze(onnx_gate_order(weight_ih), [0])
    recurrent_weights = op.Unsqueeze(onnx_gate_order(weight_hh), [0])
    biases = op.Unsqueeze(
        op.Concat(onnx_gate_order(bias_ih), onnx_gate_order(bias_hh), axis=0), [0]
    )
    time_major = op.Transpose(steps, perm=[1, 0, 2])
    outputs, _, _ = op.LSTM(
        time_major, input_weights, recurrent_weights, biases, hidden_size=units
    )
    # (steps, directions=1, batch, units) -> (batch, steps, units)
    return op.Transpose(op.Squeeze(outputs, [1]), perm=[1, 0, 2])


@contextlib.contextmanager
def _quiet():
    """Silence torch.export's and onnxscript's progress reports and internal warnings."""
    loggers = [logging.getLogger(name) for name in _NOISY_LOGGERS]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.ERROR)
    try:
        with (
            warnings.catch_warnings(),
            contextlib.redirect_stdout(io.StringIO()),
            contextlib.redirect_stderr(io.StringIO()),
        ):
            warnings.simplefilter("ignore")
            yield
    finally:
        for logger, level in zip(loggers, levels):
            logger.setLevel(level)


def _export_graph(estimator):
    """The ONNX ModelProto of the estimator's prediction."""
    served = _ServedNet(_module_for_export(estimator), estimator).eval()
    if estimator.input_type_ == "tokens":
        # Batch and width 2 or more: torch.export fixes a dimension of size 1.
        example = torch.tensor([[OOV_ID, OOV_ID, 0], [0, OOV_ID, OOV_ID]])
    else:
        example = torch.zeros((2, 3, *estimator.input_shape_[1:]), dtype=torch.float32)
    dims = {0: torch.export.Dim("batch"), 1: torch.export.Dim("steps")}
    output_name = OUTPUT_NAMES["classifier" if served.is_classifier else "regressor"]
    try:
        # torch.export traces with process-wide state (and _quiet redirects
        # the process's output): one export at a time.
        with torch_state_lock, _quiet(), torch.no_grad():
            program = torch.onnx.export(
                served,
                (example,),
                dynamo=True,
                dynamic_shapes={"X": dims},
                opset_version=OPSET,
                input_names=[INPUT_NAME],
                output_names=[output_name],
                custom_translation_table={
                    torch.ops.sklstm.lstm_layer.default: _lstm_layer_onnx
                },
                verbose=False,
            )
    except Exception as error:  # torch.onnx raises many kinds; nothing is written
        summary = str(error).strip().splitlines()[0] if str(error).strip() else ""
        raise RuntimeError(
            f"torch.onnx could not export this {type(estimator).__name__} "
            f"({type(error).__name__}: {summary}); nothing was written. Please report "
            "this as a bug of sklstm's export, with your torch version."
        ) from error
    return program.model_proto


def _check_dynamic(proto, estimator):
    """Refuse a graph whose batch size or sequence length torch fixed."""
    dims = proto.graph.input[0].type.tensor_type.shape.dim
    fixed = [
        f"{name} = {dim.dim_value}"
        for name, dim in zip(("batch size", "sequence length"), dims)
        if dim.HasField("dim_value")
    ]
    if fixed:
        raise RuntimeError(
            f"torch.onnx fixed the {' and the '.join(fixed)} of the exported "
            f"{type(estimator).__name__}'s graph, which would refuse other inputs; "
            "nothing was written. Please report this as a bug of sklstm's export, "
            "with your torch version."
        )


# -- checks and files -----------------------------------------------------------------


def _probe_inputs(estimator):
    """Inputs on which the graph must answer as the estimator does."""
    rng = np.random.default_rng(0)
    if estimator.input_type_ != "tokens":
        return rng.normal(size=(5, *estimator.input_shape_))
    width = estimator.n_features_in_
    # Ids past the vocabulary too: the estimator reads them as out-of-vocabulary.
    high = estimator.vocabulary_size_ + 3
    rows = []
    for length in sorted({0, 1, max(1, width // 2), width}):
        tokens = rng.integers(1, high, size=length)
        rows.append(np.concatenate([tokens, np.zeros(width - length, np.int64)]))
        rows.append(np.concatenate([np.zeros(width - length, np.int64), tokens]))
    scattered = np.zeros(width, np.int64)
    positions = rng.choice(width, size=max(1, width // 2), replace=False)
    scattered[positions] = rng.integers(1, high, size=len(positions))
    rows.append(scattered)
    return np.array(rows, dtype=np.int64)


def _verify(onnxruntime, graph, estimator, metadata):
    """Raise unless onnxruntime answers the probe inputs as the estimator does."""
    session = onnxruntime.InferenceSession(graph, providers=["CPUExecutionProvider"])
    is_classifier = metadata["task"] == "classifier"
    answer = estimator.predict_proba if is_classifier else estimator.predict
    scale = 1.0 if is_classifier else estimator.target_scale_
    X = _probe_inputs(estimator)
    dtype = np.int64 if estimator.input_type_ == "tokens" else np.float32
    worst = 0.0
    for rows in (X, X[:1], X[-1:]):
        expected = answer(rows)
        got = session.run(None, {INPUT_NAME: rows.astype(dtype)})[0]
        if got.shape != expected.shape:
            worst = np.inf
            break
        difference = np.abs(got - expected).reshape(len(rows), -1) / scale
        worst = max(worst, float(np.max(difference)))
    if not worst <= VERIFY_TOLERANCE:
        raise RuntimeError(
            f"The exported graph disagrees with the {type(estimator).__name__} by "
            f"{worst:.3g} on test inputs (more than {VERIFY_TOLERANCE}); nothing was "
            "written. Please report this as a bug of sklstm's export, with your torch "
            "and onnxruntime versions."
        )


def _rename(source, target):
    """``os.replace``; a function of its own, so that tests can make it fail."""
    os.replace(source, target)


def _write_together(files):
    """Write ``{path: bytes}``: every file or, on any error, none.

    Each file goes to a temporary name in its target's folder (a rename within
    one file system is atomic) and is checked by its size on disk; only when
    all are complete are they renamed into place. Should a rename fail, the
    files already renamed get their earlier contents back (kept as hard links,
    or copies where the file system has none), so that an earlier export is
    never left half replaced. No temporary file remains either way.
    """
    temporaries = {path: _temporary_name(path) for path in files}
    backups = {}
    renamed = []
    try:
        for path, data in files.items():
            with open(temporaries[path], "xb") as file:
                file.write(data)
                file.flush()
                os.fsync(file.fileno())
            written = os.path.getsize(temporaries[path])
            if written != len(data):
                raise OSError(
                    f"export_onnx wrote {written} of the {len(data)} bytes of {path}; "
                    "the earlier files were kept. Check the free space of its folder."
                )
        for path in files:
            if os.path.exists(path):
                backups[path] = _temporary_name(path)
                _keep_a_copy(path, backups[path])
        for path in files:
            _rename(temporaries[path], path)
            renamed.append(path)
    except BaseException:
        for path in reversed(renamed):
            if path in backups:
                os.replace(backups.pop(path), path)
            else:
                os.remove(path)
        raise
    finally:
        for leftover in [*temporaries.values(), *backups.values()]:
            with contextlib.suppress(FileNotFoundError):
                os.remove(leftover)


def _temporary_name(path):
    """A name beside ``path`` that no other export (thread or process) picks."""
    folder, name = os.path.split(os.fspath(path))
    return os.path.join(folder, f".{name}.{uuid.uuid4().hex}.tmp")


def _keep_a_copy(path, copy):
    try:
        os.link(path, copy)
    except OSError:  # no hard links here (FAT, some network shares)
        import shutil

        shutil.copy2(path, copy)
