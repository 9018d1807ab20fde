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
    start = time.perf_counter()
    model.fit(ids_train, y_train)
    seconds = time.perf_counter() - start
    return {
        "seconds_per_epoch": seconds / epochs,
        "epoch_seconds": [rounded(epoch["dur"]) for epoch in model.history_],
        "accuracy": model.score(ids_test, y_test),
    }


def fit_reference(train, predict, ids_train, y_train, ids_test, y_test, epochs, **options):
    """Time ``train`` (a reference's trainer) and score its model with ``predict``.

    ``train(ids, class_indices, n_classes=..., epochs=..., **options)`` returns
    the model and each epoch's seconds; ``predict(model, ids)`` class indices.
    """
    classes, targets = np.unique(y_train, return_inverse=True)
    start = time.perf_counter()
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
    predicted = classes[predict(model, ids_test)]
    return {
        "seconds_per_epoch": seconds / epochs,
        "epoch_seconds": [rounded(value) for value in epoch_seconds],
        "accuracy": float(np.mean(predicted == y_test)),
    }


def fit_handwritten(ids_train, y_train, ids_test, y_test, epochs, vocabulary_size, packed):
    return fit_reference(
        train_handwritten, predict_handwritten, ids_train, y_train, ids_test, y_test, epochs,
        vocabulary_size=vocabulary_size, packed=packed,
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
    texts_train, texts_test, y_train, y_test = load_split(n_samples=1500 if args.quick else None)

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

    contenders = {
        "handwritten": lambda: fit_handwritten(
            hand_train, y_train, hand_test, y_test, epochs, vocabulary_size, packed=False
        ),
        "sklstm": lambda: fit_sklstm(post_train, y_train, post_test, y_test, epochs, args.threads),
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
        }

    labels, counts = np.unique(y_train, return_counts=True)
    majority = labels[np.argmax(counts)]
    ratios = {}
    for reference in ("handwritten", "packed", "keras_masking"):
        if reference in results:
            ratios[f"seconds_per_epoch_vs_{reference}"] = (
                results["sklstm"]["seconds_per_epoch"] / results[reference]["seconds_per_epoch"]
            )
            ratios[f"accuracy_vs_{reference}"] = (
                results["sklstm"]["accuracy"] / results[reference]["accuracy"]
            )
    for result in results.values():
        result["seconds_per_epoch"] = rounded(result["seconds_per_epoch"])
        result["accuracy"] = round(result["accuracy"], 4)
    emit(
        f"fit_{args.level}",
        quick=args.quick,
        ratios=ratios,
        lower_is_better=[name for name in ratios if name.startswith("seconds")],
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
