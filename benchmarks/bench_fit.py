"""Training speed and accuracy of LSTMClassifier against a hand-written PyTorch loop.

Both train the same layers (Embedding(V, 32, padding_idx=0) -> LSTM(32, 64) ->
Linear(64, 3)) with Adam (learning rate 1e-3) on shuffled batches of 64 for
the same number of epochs, on the token ids of the tweets' training split,
and are scored on the test split. Figures (sklstm divided by the reference):

* ``seconds_per_epoch_vs_handwritten``: wall time of the whole fit divided by
  the epochs (below 1: sklstm is faster);
* ``accuracy_vs_handwritten``: test accuracies (both are also reported).

The reference ("handwritten") is the tutorials' loop: a ``DataLoader`` over a
``TensorDataset``, full-width rows, the output read at the last step of the
padded row. It reads pre-padded rows (``--hand-padding pre``, the default, as
Keras' ``pad_sequences`` makes them), so that the last step holds each text's
last character; ``--hand-padding post`` reads the padding instead, the common
slip of PyTorch ports. The optional second reference ("packed") packs each row
to its length with ``pack_padded_sequence``, which computes what sklstm does.
The floor ("bucketed", ``seconds_per_epoch_vs_bucketed``) does sklstm's work
with no Python around it: the same length-grouped batches of post-padded
rows, each cut to its longest row by one tensor index, the output read at
each row's last real step (``_common.train_bucketed``). On a machine shared
with other work, ``cpu_seconds_per_epoch_vs_bucketed`` (the process's CPU
time, ``time.process_time``, of the same fits) is the steadier figure: with
one thread it counts the work done, not the time spent waiting for a core.
The third ("keras_masking") is the Keras tutorials' model, Embedding(mask_zero=
True) -> LSTM -> Dense, with the same sizes and optimiser, trained by
``model.fit``; it runs where TensorFlow is installed (``make bench-keras``)
and is otherwise reported as skipped, with the reason.
sklstm reads ``CharTokenizer(max_length=140)``'s ids as they come (post
padding), as a user would pass them; it ignores padding wherever it stands.
"""

import time

import numpy as np

from _common import (
    LIKE_HANDWRITTEN,
    apply_threads,
    emit,
    load_split,
    make_parser,
    predict_handwritten,
    rounded,
    train_bucketed,
    train_handwritten,
)
from _keras import keras_unavailable, predict_keras, train_keras
from sklstm import CharTokenizer, LSTMClassifier

MAX_LENGTH = {"char": 140, "word": 40}


def tokenize(level, texts_train, texts_test, padding):
    tokenizer = CharTokenizer(level=level, max_length=MAX_LENGTH[level], padding=padding)
    tokenizer.fit(texts_train)
    vocabulary_size = len(tokenizer.vocabulary_) + 2
    return tokenizer.transform(texts_train), tokenizer.transform(texts_test), vocabulary_size


def fit_sklstm(ids_train, y_train, ids_test, y_test, epochs, threads):
    model = LSTMClassifier(max_epochs=epochs, n_threads=threads, random_state=0, **LIKE_HANDWRITTEN)
    start, cpu_start = time.perf_counter(), time.process_time()
    model.fit(ids_train, y_train)
    seconds = time.perf_counter() - start
    cpu_seconds = time.process_time() - cpu_start
    return {
        "seconds_per_epoch": seconds / epochs,
        "cpu_seconds_per_epoch": cpu_seconds / epochs,
        "epoch_seconds": [rounded(epoch["dur"]) for epoch in model.history_],
        "accuracy": model.score(ids_test, y_test),
    }


def fit_reference(train, predict, ids_train, y_train, ids_test, y_test, epochs, **options):
    """Time ``train`` (a reference's trainer) and score its model with ``predict``.

    ``train(ids, class_indices, n_classes=..., epochs=..., **options)`` returns
    the model and each epoch's seconds; ``predict(model, ids)`` class indices.
    """
    classes, targets = np.unique(y_train, return_inverse=True)
    start, cpu_start = time.perf_counter(), time.process_time()
    model, epoch_seconds = train(
        ids_train,
        targets,
        n_classes=len(classes),
        epochs=epochs,
        batch_size=LIKE_HANDWRITTEN["batch_size"],
        learning_rate=LIKE_HANDWRITTEN["learning_rate"],
        **options,
    )
    seconds = time.perf_counter() - start
    cpu_seconds = time.process_time() - cpu_start
    predicted = classes[predict(model, ids_test)]
    return {
        "seconds_per_epoch": seconds / epochs,
        "cpu_seconds_per_epoch": cpu_seconds / epochs,
        "epoch_seconds": [rounded(value) for value in epoch_seconds],
        "accuracy": float(np.mean(predicted == y_test)),
    }


def fit_handwritten(ids_train, y_train, ids_test, y_test, epochs, vocabulary_size, packed):
    return fit_reference(
        train_handwritten, predict_handwritten, ids_train, y_train, ids_test, y_test, epochs,
        vocabulary_size=vocabulary_size, packed=packed,
    )


def fit_bucketed(ids_train, y_train, ids_test, y_test, epochs, vocabulary_size):
    return fit_reference(
        train_bucketed, predict_handwritten, ids_train, y_train, ids_test, y_test, epochs,
        vocabulary_size=vocabulary_size,
    )


def fit_keras(ids_train, y_train, ids_test, y_test, epochs, vocabulary_size, threads):
    return fit_reference(
        train_keras, predict_keras, ids_train, y_train, ids_test, y_test, epochs,
        vocabulary_size=vocabulary_size, threads=threads,
        embedding_dim=LIKE_HANDWRITTEN["embedding_dim"], units=LIKE_HANDWRITTEN["units"],
    )


def main():
    parser = make_parser(__doc__.splitlines()[0])
    parser.add_argument("--level", choices=["char", "word"], default="char")
    parser.add_argument("--epochs", type=int, default=None, help="default 3 (1 with --quick)")
    parser.add_argument(
        "--hand-padding",
        choices=["pre", "post"],
        default="pre",
        help="padding side of the rows the hand-written loop reads (default: pre)",
    )
    parser.add_argument(
        "--no-packed",
        action="store_true",
        help="skip the second reference (the hand loop with pack_padded_sequence)",
    )
    parser.add_argument(
        "--n-samples",
        type=int,
        default=None,
        help="tweets used, split 80/20 (default: all; 1500 with --quick)",
    )
    parser.add_argument(
        "--no-keras",
        action="store_true",
        help="skip the Keras reference even where TensorFlow is installed",
    )
    parser.add_argument(
        "--repeats",
        type=int,
        default=1,
        help="rounds of all contenders, fastest kept (default 1; 2 or 3 on a machine "
        "that is not quiet)",
    )
    args = parser.parse_args()
    apply_threads(args.threads)
    epochs = args.epochs or (1 if args.quick else 3)
    n_samples = args.n_samples or (1500 if args.quick else None)
    texts_train, texts_test, y_train, y_test = load_split(n_samples=n_samples)

    post_train, post_test, vocabulary_size = tokenize(args.level, texts_train, texts_test, "post")
    if args.hand_padding == "post":
        hand_train, hand_test = post_train, post_test
    else:
        hand_train, hand_test, _ = tokenize(args.level, texts_train, texts_test, "pre")

    # Warm-up on a few batches, so that neither contender pays torch's one-time
    # set-up costs inside its timed run.
    warm = slice(0, 4 * LIKE_HANDWRITTEN["batch_size"])
    fit_sklstm(post_train[warm], y_train[warm], post_test[:8], y_test[:8], 1, args.threads)
    fit_handwritten(
        hand_train[warm], y_train[warm], hand_test[:8], y_test[:8], 1, vocabulary_size, False
    )
    fit_bucketed(post_train[warm], y_train[warm], post_test[:8], y_test[:8], 1, vocabulary_size)

    contenders = {
        "handwritten": lambda: fit_handwritten(
            hand_train, y_train, hand_test, y_test, epochs, vocabulary_size, packed=False
        ),
        "sklstm": lambda: fit_sklstm(post_train, y_train, post_test, y_test, epochs, args.threads),
        "bucketed": lambda: fit_bucketed(
            post_train, y_train, post_test, y_test, epochs, vocabulary_size
        ),
    }
    if not args.no_packed:
        contenders["packed"] = lambda: fit_handwritten(
            post_train, y_train, post_test, y_test, epochs, vocabulary_size, packed=True
        )
    keras_skipped = "--no-keras" if args.no_keras else keras_unavailable()
    if keras_skipped is None:
        # Its first fit builds TensorFlow's graphs: warmed up as the others are.
        fit_keras(post_train[warm], y_train[warm], post_test[:8], y_test[:8], 1,
                  vocabulary_size, args.threads)
        contenders["keras_masking"] = lambda: fit_keras(
            post_train, y_train, post_test, y_test, epochs, vocabulary_size, args.threads
        )
    # Repeats run the contenders in turn, so that a busy spell of the machine
    # slows one round of all of them rather than one contender; the fastest
    # round of each is kept. Same seeds: every round trains the same weights.
    rounds = {name: [] for name in contenders}
    for _ in range(args.repeats):
        for name, fit in contenders.items():
            rounds[name].append(fit())
    results = {}
    for name, runs in rounds.items():
        best = min(runs, key=lambda run: run["seconds_per_epoch"])
        results[name] = {
            **best,
            "best_epoch_seconds": min(min(run["epoch_seconds"]) for run in runs),
            "seconds_per_epoch_each_round": [rounded(run["seconds_per_epoch"]) for run in runs],
            "cpu_seconds_per_epoch": min(run["cpu_seconds_per_epoch"] for run in runs),
            "cpu_seconds_per_epoch_each_round": [
                rounded(run["cpu_seconds_per_epoch"]) for run in runs
            ],
        }

    labels, counts = np.unique(y_train, return_counts=True)
    majority = labels[np.argmax(counts)]
    ratios = {}
    for reference in ("handwritten", "bucketed", "packed", "keras_masking"):
        if reference in results:
            ratios[f"seconds_per_epoch_vs_{reference}"] = (
                results["sklstm"]["seconds_per_epoch"] / results[reference]["seconds_per_epoch"]
            )
            ratios[f"accuracy_vs_{reference}"] = (
                results["sklstm"]["accuracy"] / results[reference]["accuracy"]
            )
    # TensorFlow's own threads make Keras's CPU time no measure of its work.
    for reference in ("handwritten", "bucketed", "packed"):
        if reference in results:
            ratios[f"cpu_seconds_per_epoch_vs_{reference}"] = (
                results["sklstm"]["cpu_seconds_per_epoch"]
                / results[reference]["cpu_seconds_per_epoch"]
            )
    for result in results.values():
        result["seconds_per_epoch"] = rounded(result["seconds_per_epoch"])
        result["cpu_seconds_per_epoch"] = rounded(result["cpu_seconds_per_epoch"])
        result["accuracy"] = round(result["accuracy"], 4)
    emit(
        f"fit_{args.level}",
        quick=args.quick,
        ratios=ratios,
        lower_is_better=[name for name in ratios if "seconds" in name],
        absolute=results,
        settings={
            "level": args.level,
            "max_length": MAX_LENGTH[args.level],
            "epochs": epochs,
            "n_train": len(texts_train),
            "n_test": len(texts_test),
            "vocabulary_size": vocabulary_size,
            "hand_padding": args.hand_padding,
            "repeats": args.repeats,
            "keras_skipped": keras_skipped,
            "threads": args.threads,
            "majority_class_accuracy": round(float(np.mean(y_test == majority)), 4),
            "mean_tokens_per_row": round(float(np.count_nonzero(post_train) / len(post_train)), 1),
            **LIKE_HANDWRITTEN,
        },
    )


if __name__ == "__main__":
    main()
