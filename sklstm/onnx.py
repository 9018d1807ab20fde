"""Serve a model exported by :func:`sklstm.export_onnx` with onnxruntime, without torch.

::

    import sklstm.onnx

    model = sklstm.onnx.load("model.onnx")
    model.predict(["a new text"])

This module imports neither torch nor skorch: a served model needs NumPy,
scikit-learn (and its SciPy, plus pandas, which :class:`~sklstm.CharTokenizer`'s
input checks use) and onnxruntime (``pip install "sklstm[onnx]"``).

What an export writes (format 1; format 2 for a multilabel classifier):

* ``model.onnx``: the network, from token ids or numeric sequences to what the
  estimator returns (probabilities, or targets in their own scale), with its
  description under the metadata key ``"sklstm"`` (a JSON object: the task,
  the classes, the input's type and shape, the tokenizer's file; format 2
  adds ``"multilabel": true`` and ``"label_dtype"``, the dtype of the
  indicator matrix that ``predict`` returns);
* ``model.tokenizer.json``, for a pipeline: the tokenizer's settings and
  vocabulary (and, with pretrained word vectors, the vectors' words), as JSON.
"""

import json
import os
from numbers import Integral

import numpy as np
from sklearn.utils.metaestimators import available_if

from ._ids import FIRST_TOKEN_ID, compact_ids, first_fractional, holds_text
from ._tokenizer import MAX_LENGTH_LIMIT, STATE_PARAMS, CharTokenizer
from ._validation import check_finite, check_float32_range, check_token_ids

__all__ = ["OnnxModel", "load"]

#: The newest version of the files' layout this loader reads; it refuses later ones.
FORMAT_VERSION = 2
#: What an export writes: format 1, which every loader reads, except for a
#: multilabel classifier's graph (format 2, which format-1 loaders refuse:
#: they would predict argmax labels).
WRITTEN_FORMAT_VERSION = 1
MULTILABEL_FORMAT_VERSION = 2
#: The key of the ONNX metadata entry that describes the model.
METADATA_KEY = "sklstm"
#: What the tokenizer's file name adds to the ONNX file's stem.
TOKENIZER_SUFFIX = ".tokenizer.json"
INPUT_NAME = "X"
OUTPUT_NAMES = {"classifier": "probabilities", "regressor": "predictions"}
INSTALL_HINT = 'pip install "sklstm[onnx]"'

# Rows per onnxruntime call. Token-id rows are sorted by length first, so that
# each call is only as wide as its longest text. onnxruntime's LSTM gains
# nothing from larger batches: on 1,000 tweets (one thread), 8 to 64 rows a
# call took 0.11-0.13 s, 256 rows 0.15-0.31 s.
BATCH_SIZE = 32

def tokenizer_path(path):
    """The tokenizer file written beside ``path``: ``model.onnx`` -> ``model.tokenizer.json``."""
    root, extension = os.path.splitext(os.fspath(path))
    return (root if extension else os.fspath(path)) + TOKENIZER_SUFFIX


def _import_onnxruntime():
    try:
        import onnxruntime
    except ImportError as error:
        raise ImportError(
            f"sklstm.onnx.load needs onnxruntime: {INSTALL_HINT} ({error})"
        ) from error
    return onnxruntime


def load(path, *, n_threads=1):
    """Load a model written by :func:`sklstm.export_onnx`, to predict with onnxruntime.

    Parameters
    ----------
    path : str or path-like
        The ``.onnx`` file. A pipeline's tokenizer file
        (``<stem>.tokenizer.json``) must stand beside it.
    n_threads : int or None, default=1
        onnxruntime's threads within an operator; None lets onnxruntime
        choose (one per core). One thread, as the estimators' default
        ``n_threads=1``, suits serving one text at a time, and many processes.

    Returns
    -------
    model : OnnxModel
        ``predict`` and, for a classifier, ``predict_proba``.

    Raises
    ------
    ImportError
        If onnxruntime is not installed.
    ValueError
        If ``n_threads`` is not a whole number >= 1 or None; if the file was
        not written by ``export_onnx``, or by a later version of its format;
        if it or the tokenizer's file is damaged: every field of both is
        checked (types, ranges, unique tokens and ids, the classes against
        the graph's outputs) before use, and the message names the file and
        the field, never quoting the file.
    FileNotFoundError
        If the tokenizer's file is not beside the ``.onnx`` file.

    See Also
    --------
    sklstm.export_onnx : Writes the files this reads.

    Notes
    -----
    The metadata names the tokenizer's file by its bare name: only that file,
    in the folder of ``path``, is opened, never a path to another folder.

    Examples
    --------
    >>> import os, tempfile
    >>> import numpy as np
    >>> import sklstm.onnx
    >>> from sklstm import LSTMRegressor, export_onnx
    >>> X = np.linspace(0, 1, 24).reshape(8, 3)  # 8 sequences of 3 steps
    >>> model = LSTMRegressor(units=4, max_epochs=2, random_state=0).fit(X, X[:, -1])
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     _ = export_onnx(model, os.path.join(folder, "model.onnx"))
    ...     served = sklstm.onnx.load(os.path.join(folder, "model.onnx"))
    >>> bool(np.allclose(served.predict(X), model.predict(X), atol=1e-5))
    True
    """
    _check_n_threads(n_threads)
    onnxruntime = _import_onnxruntime()  # before any file is read: the missing package is the news
    path = os.fspath(path)
    # The graph's bytes are kept, for pickling (see OnnxModel.__getstate__).
    with open(path, "rb") as file:
        graph = file.read()
    errors = onnxruntime.capi.onnxruntime_pybind11_state
    try:
        session = _session(graph, n_threads)
    except (errors.InvalidProtobuf, errors.InvalidGraph, errors.Fail) as error:
        raise _damaged(
            path, f"onnxruntime reads no graph in it ({type(error).__name__})"
        ) from None
    text = session.get_modelmeta().custom_metadata_map.get(METADATA_KEY)
    if text is None:
        raise ValueError(
            f"{path} holds no {METADATA_KEY!r} metadata: it was not written by "
            "sklstm.export_onnx. Export the fitted model with sklstm.export_onnx."
        )
    metadata = check_metadata(_parse_json(text, path, "its metadata"), path, session)
    tokenizer = None
    if metadata["tokenizer"] is not None:
        # Only the file the export named, beside the graph: the metadata
        # cannot send the loader to another folder (check_metadata keeps it a
        # bare file name).
        state_path = os.path.join(os.path.dirname(path), metadata["tokenizer"])
        if not os.path.isfile(state_path):
            raise FileNotFoundError(
                f"{path} was exported with a CharTokenizer, whose vocabulary is in "
                f"{state_path}, which is missing: copy {metadata['tokenizer']} "
                "beside the .onnx file."
            )
        with open(state_path, "rb") as file:
            state = _parse_json(file.read(), state_path, "its tokenizer")
        tokenizer = CharTokenizer.from_dict(check_tokenizer_state(state, state_path))
    return OnnxModel(session, metadata, tokenizer, graph=graph, n_threads=n_threads)


def _session(graph, n_threads):
    """An onnxruntime session of the graph's bytes, on ``n_threads`` threads."""
    onnxruntime = _import_onnxruntime()
    options = onnxruntime.SessionOptions()
    if n_threads is not None:
        options.intra_op_num_threads = int(n_threads)
        options.inter_op_num_threads = 1
    return onnxruntime.InferenceSession(
        graph, sess_options=options, providers=["CPUExecutionProvider"]
    )


def _check_n_threads(n_threads):
    if n_threads is None:
        return
    if not isinstance(n_threads, Integral) or isinstance(n_threads, bool) or n_threads < 1:
        raise ValueError(
            "sklstm.onnx.load's n_threads must be a whole number >= 1, or None to let "
            f"onnxruntime choose; got {n_threads!r}. Pass e.g. n_threads=2."
        )


# -- checking the files --------------------------------------------------------------
#
# Both files may come from someone else: every field is checked before use,
# and each problem is one ValueError that names the file and the field. The
# messages never quote a value read from a file.

_SCALAR_LABEL_TYPES = (str, int, float, bool)
# Token ids are int64 in the graph.
_MAX_ID = 2**62


def _damaged(path, problem):
    return ValueError(
        f"{path} is damaged or was not written by sklstm.export_onnx: {problem}. "
        "Export the model again with sklstm.export_onnx."
    )


def _parse_json(text, path, what):
    """The JSON value of ``text`` (str or bytes), or the damaged-file error."""
    try:
        if isinstance(text, bytes):
            text = text.decode("ascii")  # export_onnx writes ASCII JSON
        return json.loads(text)
    except UnicodeDecodeError as error:
        raise _damaged(path, f"{what} is not ASCII (byte {error.start})") from None
    except json.JSONDecodeError as error:
        # The position only: error.msg never quotes the document.
        raise _damaged(
            path, f"{what} is not JSON ({error.msg}, line {error.lineno} column {error.colno})"
        ) from None
    except RecursionError:
        raise _damaged(path, f"{what} is nested too deeply to be sklstm's JSON") from None


def _is_whole(value, low=1, high=_MAX_ID):
    """An int (not a bool) in [low, high]."""
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high


def _require(condition, path, problem):
    if not condition:
        raise _damaged(path, problem)


def check_metadata(metadata, path, session=None):
    """The file's ``"sklstm"`` metadata, once every field :class:`OnnxModel` reads is checked.

    With ``session``, the fields are also checked against the graph itself:
    its input's type, its output's name and size (the number of classes or
    targets).

    Raises
    ------
    ValueError
        If a field is missing, of the wrong type, or disagrees with the graph
        (naming ``path`` and the field), or the file is of a later format.
    """
    _require(isinstance(metadata, dict), path, "its metadata is not a JSON object")
    version = metadata.get("format")
    _require(_is_whole(version), path, "its metadata has no format number")
    if version > FORMAT_VERSION:
        writer = metadata.get("sklstm_version")
        writer = writer if isinstance(writer, str) and len(writer) < 40 else "a later version"
        raise ValueError(
            f"{path} was written in format {version} of sklstm's ONNX "
            f"files, by sklstm {writer}; this sklstm reads "
            f"format {FORMAT_VERSION} and earlier. Upgrade sklstm where you serve it."
        )
    tasks = {"LSTMClassifier": "classifier", "LSTMRegressor": "regressor"}
    estimator = metadata.get("estimator")
    _require(estimator in tasks, path, "'estimator' is not LSTMClassifier or LSTMRegressor")
    _require(metadata.get("task") == tasks[estimator], path, "'task' disagrees with 'estimator'")
    input_type = metadata.get("input_type")
    _require(input_type in ("tokens", "sequences"), path, "'input_type' is not tokens or sequences")
    shape = metadata.get("input_shape")
    _require(
        isinstance(shape, list)
        and len(shape) in ((1,) if input_type == "tokens" else (1, 2))
        and all(_is_whole(size) for size in shape),
        path,
        "'input_shape' is not 1 or 2 positive sizes as its input_type needs",
    )
    if input_type == "tokens":
        _require(
            _is_whole(metadata.get("vocabulary_size")), path,
            "'vocabulary_size' is not a positive number of token ids",
        )
    else:
        _require(
            metadata.get("vocabulary_size") is None, path,
            "'vocabulary_size' is set for a model of numeric sequences",
        )
    tokenizer = metadata.get("tokenizer")
    if tokenizer is not None:
        # A bare file name beside the graph, ending as export_onnx names it:
        # never a path to another folder, or to a file of another kind.
        _require(
            isinstance(tokenizer, str)
            and input_type == "tokens"
            and tokenizer.endswith(TOKENIZER_SUFFIX)
            and tokenizer == os.path.basename(tokenizer)
            and not any(sep and sep in tokenizer for sep in ("/", "\\", os.sep, os.altsep))
            and "\0" not in tokenizer,
            path,
            f"'tokenizer' is not the name of a file *{TOKENIZER_SUFFIX} beside the graph",
        )
    if tasks[estimator] == "classifier":
        n_outputs = _check_classes(metadata, path)
        multilabel = metadata.get("multilabel", False)
        _require(isinstance(multilabel, bool), path, "'multilabel' is not true or false")
        if multilabel:
            problem = "'label_dtype' is not the NumPy dtype of a label indicator matrix"
            label_dtype = _read_dtype(metadata, "label_dtype", path, problem)
            _require(label_dtype.kind in "biuf" and label_dtype.itemsize <= 16, path, problem)
    else:
        n_outputs = metadata.get("n_outputs")
        _require(_is_whole(n_outputs), path, "'n_outputs' is not a positive number of targets")
    if session is not None:
        _check_graph(session, metadata, n_outputs, path)
    return metadata


def _read_dtype(metadata, key, path, problem):
    """The NumPy dtype named by ``metadata[key]``, or the damaged-file error saying ``problem``."""
    name = metadata.get(key)
    _require(isinstance(name, str) and len(name) < 20, path, problem)
    try:
        return np.dtype(name)
    except TypeError:
        raise _damaged(path, problem) from None


def _check_classes(metadata, path):
    """Check ``classes`` and ``classes_dtype``; return the number of classes."""
    classes = metadata.get("classes")
    _require(
        isinstance(classes, list)
        and len(classes) >= 1
        and all(isinstance(label, _SCALAR_LABEL_TYPES) for label in classes),
        path,
        "'classes' is not a list of labels (str, int, float or bool)",
    )
    _require(len(set(classes)) == len(classes), path, "'classes' holds a label twice")
    problem = "'classes_dtype' is not a NumPy dtype of labels that holds the classes"
    dtype = _read_dtype(metadata, "classes_dtype", path, problem)
    # The width of a str dtype is that of the longest label, as export_onnx
    # records it: a wider one would only allocate.
    longest = max((len(label) for label in classes if isinstance(label, str)), default=0)
    _require(
        dtype.kind in "biufO" and dtype.itemsize <= 16
        or dtype.kind == "U" and dtype.itemsize <= 4 * longest,
        path,
        problem,
    )
    try:
        labels = np.array(classes, dtype=dtype)
    except (TypeError, ValueError, OverflowError):
        raise _damaged(path, problem) from None
    _require(labels.tolist() == classes, path, "'classes_dtype' changes the classes")
    return len(classes)


def _check_graph(session, metadata, n_outputs, path):
    """The graph's input and output agree with the metadata."""
    inputs = session.get_inputs()
    expected_type = "tensor(int64)" if metadata["input_type"] == "tokens" else "tensor(float)"
    _require(
        len(inputs) == 1 and inputs[0].name == INPUT_NAME and inputs[0].type == expected_type,
        path,
        f"its graph does not read one input {INPUT_NAME!r} of the type its 'input_type' says",
    )
    if metadata["input_type"] == "sequences":
        graph_shape = inputs[0].shape
        n_features = metadata["input_shape"][1] if len(metadata["input_shape"]) == 2 else None
        # A size the graph leaves open (a name, or None) agrees with any.
        _require(
            len(graph_shape) == (3 if n_features else 2)
            and (n_features is None or not isinstance(graph_shape[2], int)
                 or graph_shape[2] == n_features),
            path,
            "its graph reads another number of values per step than 'input_shape' says",
        )
    output_name = OUTPUT_NAMES[metadata["task"]]
    outputs = {output.name: output.shape for output in session.get_outputs()}
    _require(output_name in outputs, path, f"its graph has no output {output_name!r}")
    shape = outputs[output_name]
    # A 1-D output is one value per row (a regressor of one target).
    size = shape[1] if len(shape) == 2 else 1
    field = "'classes'" if metadata["task"] == "classifier" else "'n_outputs'"
    _require(
        len(shape) in (1, 2) and (not isinstance(size, int) or size == n_outputs),
        path,
        f"its graph has {size} outputs per row but {field} says {n_outputs}",
    )


def check_tokenizer_state(state, path):
    """A tokenizer file's state, once every field ``CharTokenizer.from_dict`` reads is checked.

    Raises
    ------
    ValueError
        If a field is missing, of the wrong type or out of range, or two
        tokens share an id (naming ``path`` and the field).
    """
    _require(isinstance(state, dict), path, "it is not a JSON object")
    version = state.get("format")
    _require(
        _is_whole(version, high=FORMAT_VERSION), path,
        f"its 'format' is not a number from 1 to {FORMAT_VERSION}",
    )
    params = state.get("params")
    _require(
        isinstance(params, dict) and set(params) == set(STATE_PARAMS), path,
        f"its 'params' are not the CharTokenizer parameters {list(STATE_PARAMS)}",
    )
    options = {"level": ("char", "word"), "padding": ("pre", "post"), "truncating": ("pre", "post")}
    for name, allowed in options.items():
        _require(params[name] in allowed, path, f"'params' gives {name} other than {allowed}")
    _require(isinstance(params["lowercase"], bool), path, "'params' gives a lowercase not bool")
    for name in ("max_length", "max_tokens"):
        _require(
            params[name] is None or _is_whole(params[name]), path,
            f"'params' gives a {name} that is neither None nor a positive int",
        )
    _require(_is_whole(params["min_frequency"]), path, "'params' gives a min_frequency < 1")
    width = state.get("max_length_")
    _require(
        _is_whole(width, high=MAX_LENGTH_LIMIT) and params["max_length"] in (None, width), path,
        f"'max_length_' is not the width its max_length gives, from 1 to {MAX_LENGTH_LIMIT}",
    )
    vocabulary = state.get("vocabulary")
    _require(
        isinstance(vocabulary, list)
        and all(
            isinstance(pair, list)
            and len(pair) == 2
            and isinstance(pair[0], str)
            and (len(pair[0]) == 1 if params["level"] == "char" else len(pair[0]) >= 1)
            and _is_whole(pair[1], low=FIRST_TOKEN_ID)
            for pair in vocabulary
        ),
        path,
        f"'vocabulary' is not a list of [token, id] pairs with ids from {FIRST_TOKEN_ID} "
        "(one character per token at char level)",
    )
    words = state.get("vector_words")
    _require(
        words is None
        or (
            params["level"] == "word"
            and isinstance(words, list)
            and all(isinstance(word, str) and word for word in words)
            and len(set(words)) == len(words)
        ),
        path,
        "'vector_words' is not None or a list of distinct words (at word level)",
    )
    ids = {token: token_id for token, token_id in vocabulary}
    _require(len(ids) == len(vocabulary), path, "'vocabulary' lists a token twice")
    if words is not None:
        ids = {**dict(zip(words, range(FIRST_TOKEN_ID, FIRST_TOKEN_ID + len(words)))), **ids}
    _require(
        len(set(ids.values())) == len(ids), path, "'vocabulary' gives two tokens the same id"
    )
    return state


def _is_numeric_table(X):
    """Whether X is a 2-D (or more) table of numbers: token ids, not texts."""
    if isinstance(X, (str, bytes)):
        return False
    try:
        array = np.asarray(X)
    except (TypeError, ValueError):  # ragged rows
        return False
    return array.ndim >= 2 and array.dtype.kind in "biuf"


def _is_classifier(model):
    return model.metadata_["task"] == "classifier"


class OnnxModel:
    """An exported sklstm model, served by onnxruntime without torch.

    Made by :func:`load`; answers as the exported estimator or pipeline did.
    It pickles (to multiprocessing workers, a Spark UDF, a Dask task): the
    pickle holds the graph's bytes, and unpickling builds a new session.

    Parameters
    ----------
    session : onnxruntime.InferenceSession
        The session of the ONNX file.
    metadata : dict
        The file's ``"sklstm"`` metadata (see the module's description).
    tokenizer : CharTokenizer or None
        The pipeline's tokenizer, rebuilt from its file; None for an estimator
        exported alone.
    graph : bytes or None, default=None
        The ONNX file's bytes, which the session was built from; what a
        pickle holds. None: the model does not pickle.
    n_threads : int or None, default=None
        The session's threads within an operator, for the session that
        unpickling builds (see :func:`load`).

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        For a classifier: the class labels, in the order of
        ``predict_proba``'s columns; for a multilabel one,
        ``arange(n_labels)``, as the estimator has.
    tokenizer_ : CharTokenizer or None
        The tokenizer that turns texts into token ids.
    input_type_ : {'tokens', 'sequences'}
        What the network reads.
    metadata_ : dict
        The file's description.
    session_ : onnxruntime.InferenceSession
        The session, for callers who feed it themselves: input ``"X"`` (int64
        token ids, or float32 sequences), output ``"probabilities"`` or
        ``"predictions"`` (float64).

    See Also
    --------
    load : Builds this from a file.
    sklstm.export_onnx : Writes the file.

    Examples
    --------
    >>> import os, tempfile
    >>> import numpy as np
    >>> import sklstm.onnx
    >>> from sklstm import LSTMClassifier, export_onnx
    >>> X = np.array([[2, 2, 0], [2, 0, 0], [3, 3, 3], [3, 3, 0]] * 4)
    >>> y = ["two", "two", "three", "three"] * 4
    >>> model = LSTMClassifier(units=4, max_epochs=2, random_state=0).fit(X, y)
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     _ = export_onnx(model, os.path.join(folder, "model.onnx"))
    ...     served = sklstm.onnx.load(os.path.join(folder, "model.onnx"))
    >>> served.classes_, served.input_type_
    (array(['three', 'two'], dtype='<U5'), 'tokens')
    """

    def __init__(self, session, metadata, tokenizer, *, graph=None, n_threads=None):
        self.session_ = session
        self.metadata_ = metadata
        self.tokenizer_ = tokenizer
        self.input_type_ = metadata["input_type"]
        if metadata["task"] == "classifier":
            dtype = np.dtype(metadata["classes_dtype"])
            self.classes_ = np.array(metadata["classes"], dtype=dtype)
        self._output_name = OUTPUT_NAMES[metadata["task"]]
        self._graph, self._n_threads = graph, n_threads

    def __getstate__(self):
        if self._graph is None:
            raise TypeError(
                "This OnnxModel was built around an onnxruntime session, whose graph "
                "it does not hold, and cannot be pickled; build it with "
                "sklstm.onnx.load, which keeps the graph."
            )
        state = dict(self.__dict__)
        del state["session_"]  # onnxruntime's sessions do not pickle
        return state

    def __setstate__(self, state):
        self.__dict__.update(state)
        self.session_ = _session(self._graph, self._n_threads)

    def __repr__(self):
        tokenizer = "" if self.tokenizer_ is None else "CharTokenizer + "
        return f"OnnxModel({tokenizer}{self.metadata_['estimator']})"

    @available_if(_is_classifier)
    def predict_proba(self, X):
        """Probability of each class for each text or sequence.

        Parameters
        ----------
        X : iterable of str, or array-like of shape (n_samples, n_steps[, n_features])
            Raw texts (for an exported pipeline), token ids or numeric
            sequences, as the exported model took them. Any number of steps.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            float64; columns follow ``classes_``.

        Examples
        --------
        >>> import os, tempfile
        >>> import numpy as np
        >>> import sklstm.onnx
        >>> from sklstm import LSTMClassifier, export_onnx
        >>> X = np.array([[2, 2, 0], [2, 0, 0], [3, 3, 3], [3, 3, 0]] * 4)
        >>> y = ["two", "two", "three", "three"] * 4
        >>> model = LSTMClassifier(units=4, max_epochs=2, random_state=0).fit(X, y)
        >>> with tempfile.TemporaryDirectory() as folder:
        ...     _ = export_onnx(model, os.path.join(folder, "model.onnx"))
        ...     served = sklstm.onnx.load(os.path.join(folder, "model.onnx"))
        >>> proba = served.predict_proba([[2, 2, 2], [3, 0, 0]])
        >>> bool(np.allclose(proba, model.predict_proba([[2, 2, 2], [3, 0, 0]]), atol=1e-5))
        True
        """
        return self._run(X)

    def predict(self, X):
        """Predicted label (classifier) or targets (regressor) of each text or sequence.

        Parameters
        ----------
        X : iterable of str, or array-like of shape (n_samples, n_steps[, n_features])
            Raw texts (for an exported pipeline), token ids or numeric
            sequences, as the exported model took them. Any number of steps.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,) or (n_samples, n_outputs)
            Labels from ``classes_`` for a classifier (for a multilabel one,
            the indicator matrix: 1 where a label's probability exceeds
            0.5); float64 targets for a regressor, 1-D when its y was 1-D in
            fit.

        Examples
        --------
        >>> import os, tempfile
        >>> import numpy as np
        >>> import sklstm.onnx
        >>> from sklstm import LSTMClassifier, export_onnx
        >>> X = np.array([[2, 2, 0], [2, 0, 0], [3, 3, 3], [3, 3, 0]] * 4)
        >>> y = ["two", "two", "three", "three"] * 4
        >>> model = LSTMClassifier(units=4, max_epochs=20, learning_rate=0.05,
        ...                        random_state=0).fit(X, y)
        >>> with tempfile.TemporaryDirectory() as folder:
        ...     _ = export_onnx(model, os.path.join(folder, "model.onnx"))
        ...     served = sklstm.onnx.load(os.path.join(folder, "model.onnx"))
        >>> served.predict([[2, 2, 2], [3, 0, 0]])
        array(['two', 'three'], dtype='<U5')
        """
        outputs = self._run(X)
        if self.metadata_.get("multilabel"):
            return (outputs > 0.5).astype(np.dtype(self.metadata_["label_dtype"]))
        if _is_classifier(self):
            return self.classes_[np.argmax(outputs, axis=1)]
        return outputs

    # -- input ------------------------------------------------------------------

    def _run(self, X):
        """Check X and return the graph's output for it (float64)."""
        if self.tokenizer_ is not None:
            if not _is_numeric_table(X):  # texts
                X = self._text_ids(X)
        elif holds_text(X):
            reads = "token ids" if self.input_type_ == "tokens" else "numeric sequences"
            raise ValueError(
                f"This {self.metadata_['estimator']} was exported alone, without a "
                f"CharTokenizer, so it reads {reads}, not texts. Pass those, or export "
                "the pipeline (tokenizer and model) to predict on texts."
            )
        if self.input_type_ == "tokens":
            return self._run_token_ids(self._check_token_ids(X))
        X = self._check_sequences(X)
        batches = range(0, len(X), BATCH_SIZE)
        return np.concatenate([self._feed(X[start : start + BATCH_SIZE]) for start in batches])

    def _text_ids(self, X):
        """The token ids of texts, as the tokenizer gives them, in rows as wide as the longest.

        The graph reads no padding, wherever it stands: rows padded to the
        tokenizer's ``max_length_``, as ``transform`` pads them, would only
        take memory, which a width read from the file must not decide. The
        texts are truncated to ``max_length_`` as ``transform`` truncates them.
        """
        ids, lengths = self.tokenizer_.encode(X, truncate=True)
        width = max(1, int(lengths.max(initial=0)))
        rows = np.zeros((len(lengths), width), dtype=np.int64)
        rows[np.arange(width) < lengths[:, np.newaxis]] = ids
        return rows

    def _check_token_ids(self, X):
        X = np.asarray(X)
        if X.ndim != 2:
            raise ValueError(
                "Expected a 2-D array of token ids (n_samples, n_steps), got an array "
                f"of shape {X.shape}."
            )
        self._check_size(X)
        fractional = first_fractional(X)
        if fractional is not None:
            raise ValueError(
                f"Token ids must be whole numbers, but row {fractional[0]} holds {fractional[1]}."
            )
        if X.dtype.kind not in "iuf":
            raise ValueError(f"Expected token ids (integers), got an array of dtype {X.dtype}.")
        check_token_ids(X)
        # Any id the model never saw is out-of-vocabulary: larger ones need not fit in int64.
        return np.minimum(X, self.metadata_["vocabulary_size"]).astype(np.int64)

    def _check_sequences(self, X):
        X = np.asarray(X)
        if X.dtype.kind not in "iuf":
            raise ValueError(
                f"Expected numeric sequences, got an array of dtype {X.dtype}."
            )
        expected = len(self.metadata_["input_shape"]) + 1
        if X.ndim != expected:
            raise ValueError(
                f"Expected a {expected}-D array of numeric sequences (n_samples, "
                f"n_steps{', n_features' if expected == 3 else ''}), as in fit; got an "
                f"array of shape {X.shape}."
            )
        self._check_size(X)
        features = self.metadata_["input_shape"][1:]
        if list(X.shape[2:]) != features:
            raise ValueError(
                f"X has {X.shape[2]} values per step, but the model was fitted with "
                f"{features[0]}."
            )
        check_finite(X, "X")
        check_float32_range(X, "X")
        return np.ascontiguousarray(X, dtype=np.float32)

    @staticmethod
    def _check_size(X):
        if X.shape[0] == 0 or 0 in X.shape[1:]:
            raise ValueError(
                f"X is empty (shape {X.shape}): the model needs at least 1 sample, "
                "1 step per sample and 1 value per step."
            )

    # -- onnxruntime --------------------------------------------------------------

    def _run_token_ids(self, ids):
        """The graph's output, in batches of rows of similar lengths."""
        lengths = np.count_nonzero(ids, axis=1)
        if len(ids) <= BATCH_SIZE:
            return self._feed(compact_ids(ids))
        order = np.argsort(lengths, kind="stable")
        outputs = [
            self._feed(compact_ids(ids[rows]))
            for rows in np.array_split(order, range(BATCH_SIZE, len(order), BATCH_SIZE))
        ]
        unsorted = np.empty((len(ids), *outputs[0].shape[1:]), dtype=outputs[0].dtype)
        unsorted[order] = np.concatenate(outputs)
        return unsorted

    def _feed(self, X):
        return self.session_.run([self._output_name], {INPUT_NAME: X})[0]

