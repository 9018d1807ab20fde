"""Test accuracy per epoch of LSTMClassifier under each initialisation and pooling.

The measurements behind the classifier's defaults (Keras-style
initialisation, max pooling, early stopping): on the tweets (80/20 stratified
split, random_state=0), ``CharTokenizer(level, max_length)`` then
``LSTMClassifier(units=64, embedding_dim=32, batch_size=64,
learning_rate=1e-3)`` trained one epoch at a time, without early stopping,
its test accuracy read after every epoch. One JSON line per configuration
(``init/pooling``), for example::

    python benchmarks/bench_quality_knobs.py --level word --epochs 12 \\
        --configs torch/last,keras/last,keras/max,keras/mean

The initialisation is not a user parameter (Keras's won on both levels); this
script reaches it through the torch module's ``initialization`` argument.
"""

import time

import numpy as np
import torch

import sklstm._module as module
from _common import apply_threads, emit_row, load_split, make_parser
from sklstm import CharTokenizer, LSTMClassifier


def accuracy_per_epoch(ids_train, y_train, ids_test, y_test, initialization, pooling, epochs):
    original_init = module.LSTMNet.__init__

    def init_with(self, *args, **kwargs):
        original_init(self, *args, initialization=initialization, **kwargs)

    module.LSTMNet.__init__ = init_with
    try:
        model = LSTMClassifier(
            pooling=pooling, max_epochs=1, early_stopping=False, random_state=0
        ).fit(ids_train, y_train)
    finally:
        module.LSTMNet.__init__ = original_init
    accuracies = [model.score(ids_test, y_test)]
    inputs = {"X": ids_train, "sample_weight": np.ones(len(ids_train), np.float32)}
    targets = np.searchsorted(model.classes_, y_train)
    torch.manual_seed(0)  # the later epochs' shuffling
    for _ in range(epochs - 1):
        model.net_.partial_fit(inputs, targets, epochs=1)
        accuracies.append(model.score(ids_test, y_test))
    return accuracies


def main():
    parser = make_parser(__doc__.splitlines()[0])
    parser.add_argument("--level", choices=["char", "word"], default="word")
    parser.add_argument("--epochs", type=int, default=12)
    parser.add_argument("--configs", default="torch/last,keras/last,keras/max,keras/mean")
    args = parser.parse_args()
    apply_threads(args.threads)
    texts_train, texts_test, y_train, y_test = load_split(n_samples=3000 if args.quick else None)
    tokenizer = CharTokenizer(level=args.level, max_length=140 if args.level == "char" else 40)
    ids_train = tokenizer.fit_transform(texts_train)
    ids_test = tokenizer.transform(texts_test)
    for config in args.configs.split(","):
        initialization, pooling = config.split("/")
        start = time.perf_counter()
        accuracies = accuracy_per_epoch(
            ids_train, y_train, ids_test, y_test, initialization, pooling, args.epochs
        )
        emit_row({
            "benchmark": "quality_knobs",
            "level": args.level,
            "config": config,
            "accuracy_per_epoch": [round(a, 4) for a in accuracies],
            "best": round(max(accuracies), 4),
            "best_epoch": int(np.argmax(accuracies)) + 1,
            "seconds": round(time.perf_counter() - start, 1),
        })


if __name__ == "__main__":
    main()
