"""Throughput of CharTokenizer fit+transform against the tutorials' dict loop.

Figures (chars/s of CharTokenizer divided by the reference's; above 1: sklstm
is faster), on the training split of the tweets, best of ``--repeats`` runs,
the repeats of all methods interleaved so that a busy spell hits them alike.
CharTokenizer is timed by ``fit_transform`` (what a ``Pipeline`` calls in
``fit``; it tokenizes once), the dict loop as the tutorials write it (fit the
index, then encode the texts):

* char level, ``max_length=140``: against the per-character Python dict loop
  (count characters, index them by frequency, ``[[index.get(c, 1) for c in
  text] ...]``, pad into an ndarray) and against
  ``CountVectorizer(analyzer='char').fit_transform`` (a bag of characters, not
  a sequence: the scikit-learn yardstick for "one pass over the characters");
* word level, ``max_length=40``: against the same dict loop over words (and a
  word ``CountVectorizer`` with the same token pattern).

Before timing, the script checks that CharTokenizer and the dict loop give the
same ids for every text of both splits (each reference id mapped to
CharTokenizer's id of the same token, as the two may order tied frequencies
differently), so the comparison is like for like.
"""

import time

import numpy as np
from sklearn.feature_extraction.text import CountVectorizer

from _common import apply_threads, emit, load_split, make_parser, rounded
from sklstm import CharTokenizer

# The tokenizer's own word rule, so that the reference splits words identically
# and only indexing and padding are compared. (A private name: if it moves, copy
# the pattern here.)
from sklstm._tokenizer import _WORD_PATTERN

CHAR_MAX_LENGTH = 140
WORD_MAX_LENGTH = 40


def dict_loop_fit(texts, split=None):
    """The tutorials' vocabulary: count tokens in a loop, ids 2, 3, ... by frequency."""
    counts = {}
    for text in texts:
        tokens = text.lower() if split is None else split(text.lower())
        for token in tokens:
            counts[token] = counts.get(token, 0) + 1
    ordered = sorted(counts, key=counts.get, reverse=True)
    return {token: rank + 2 for rank, token in enumerate(ordered)}


def dict_loop_transform(texts, index, max_length, split=None):
    """The tutorials' encoding: a dict lookup per token, then padding into an ndarray."""
    if split is None:
        sequences = [[index.get(c, 1) for c in text.lower()] for text in texts]
    else:
        sequences = [[index.get(w, 1) for w in split(text.lower())] for text in texts]
    padded = np.zeros((len(sequences), max_length), dtype=np.int64)
    for row, sequence in enumerate(sequences):
        sequence = sequence[:max_length]
        padded[row, : len(sequence)] = sequence
    return padded


def check_same_ids(tokenizer, index, texts, max_length, split, what):
    """Raise unless CharTokenizer and the dict loop give the same ids to ``texts``."""
    vocabulary = tokenizer.vocabulary_
    if set(vocabulary) != set(index):
        raise AssertionError(
            f"{what}: the vocabularies differ in "
            f"{sorted(set(vocabulary) ^ set(index))[:10]!r}"
        )
    # reference id -> CharTokenizer id of the same token (0 and 1 are shared).
    to_sklstm = np.arange(len(index) + 2)
    for token, reference_id in index.items():
        to_sklstm[reference_id] = vocabulary[token]
    expected = to_sklstm[dict_loop_transform(texts, index, max_length, split)]
    actual = tokenizer.transform(texts)
    if not np.array_equal(actual, expected):
        row = int(np.flatnonzero((actual != expected).any(axis=1))[0])
        raise AssertionError(
            f"{what}: CharTokenizer and the dict loop disagree on text {row} "
            f"{texts[row]!r}: {actual[row].tolist()} != {expected[row].tolist()}"
        )
    return len(texts)


def best_seconds(methods, repeats):
    """Best wall time of each method over ``repeats`` interleaved rounds."""
    best = {name: float("inf") for name in methods}
    for _ in range(repeats):
        for name, run in methods.items():
            start = time.perf_counter()
            run()
            best[name] = min(best[name], time.perf_counter() - start)
    return best


def main():
    parser = make_parser(__doc__.splitlines()[0])
    parser.add_argument(
        "--repeats", type=int, default=3, help="timed runs of each method (best kept)"
    )
    args = parser.parse_args()
    apply_threads(args.threads)
    repeats = args.repeats
    texts_train, texts_test, _, _ = load_split(n_samples=2000 if args.quick else None)
    split_words = _WORD_PATTERN.findall

    checked = 0
    for level, max_length, split in (
        ("char", CHAR_MAX_LENGTH, None),
        ("word", WORD_MAX_LENGTH, split_words),
    ):
        tokenizer = CharTokenizer(level=level, max_length=max_length).fit(texts_train)
        index = dict_loop_fit(texts_train, split)
        for name, texts in (("train", texts_train), ("test", texts_test)):
            checked += check_same_ids(tokenizer, index, texts, max_length, split, f"{level}/{name}")

    word_pattern = _WORD_PATTERN.pattern
    methods = {
        "char_sklstm": lambda: CharTokenizer(max_length=CHAR_MAX_LENGTH).fit_transform(
            texts_train
        ),
        "char_dict_loop": lambda: dict_loop_transform(
            texts_train, dict_loop_fit(texts_train), CHAR_MAX_LENGTH
        ),
        "char_count_vectorizer": lambda: CountVectorizer(analyzer="char").fit_transform(
            texts_train
        ),
        "word_sklstm": lambda: CharTokenizer(
            level="word", max_length=WORD_MAX_LENGTH
        ).fit_transform(texts_train),
        "word_dict_loop": lambda: dict_loop_transform(
            texts_train,
            dict_loop_fit(texts_train, split_words),
            WORD_MAX_LENGTH,
            split_words,
        ),
        "word_count_vectorizer": lambda: CountVectorizer(
            token_pattern=word_pattern
        ).fit_transform(texts_train),
    }
    seconds = best_seconds(methods, repeats)
    n_chars = sum(map(len, texts_train))
    chars_per_second = {name: n_chars / value for name, value in seconds.items()}

    def speedup(level, reference):
        return chars_per_second[f"{level}_sklstm"] / chars_per_second[f"{level}_{reference}"]

    emit(
        "tokenizer",
        quick=args.quick,
        ratios={
            "char_throughput_vs_dict_loop": speedup("char", "dict_loop"),
            "char_throughput_vs_count_vectorizer": speedup("char", "count_vectorizer"),
            "word_throughput_vs_dict_loop": speedup("word", "dict_loop"),
            "word_throughput_vs_count_vectorizer": speedup("word", "count_vectorizer"),
        },
        lower_is_better=[],
        absolute={
            "chars_per_second": {name: rounded(value) for name, value in chars_per_second.items()},
            "best_seconds": {name: rounded(value) for name, value in seconds.items()},
        },
        settings={
            "n_texts": len(texts_train),
            "n_chars": n_chars,
            "repeats": repeats,
            "char_max_length": CHAR_MAX_LENGTH,
            "word_max_length": WORD_MAX_LENGTH,
            "timed": "fit_transform on the training split (dict loop: fit, then transform)",
        },
        checks={"same_ids_as_dict_loop": True, "texts_checked": checked},
    )


if __name__ == "__main__":
    main()
