"""What a language model pretrained on the texts knows of their labels: a linear probe.

``bench_pretraining.py`` measures pretraining end to end; this script asks
why it gains what it gains. It pretrains sklstm's language model (the phase
that ``pretraining_epochs`` runs) on every training text, labeled and not, as
``bench_pretraining.py`` splits them, then freezes it: each text becomes its
LSTM's outputs pooled over its steps (``--pooling``), and a standardized
logistic regression fitted on the labeled texts' vectors is scored on the
test texts. The same probe of a freshly initialized (random) network, and
TF-IDF + LR on the labeled texts, bound it from below and from above: a
language model whose features probe no better than random ones has learned
little that a classifier could start from.

It reads sklstm's private modules (``_pretraining``, ``_module``): no public
API exposes a language model's features, nor should one.

    python benchmarks/bench_pretraining_probe.py --data tweets --labeled 2000 \
        --epochs 4,12 --lm-batch-size 128
"""

import time
import warnings

import numpy as np
import torch
from sklearn.exceptions import ConvergenceWarning
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from _common import apply_threads, emit_row, load_demo_split, load_split, make_parser, rounded
from bench_pretraining import (
    MAX_LENGTH,
    add_split_and_model_arguments,
    labeled_and_unlabeled,
    set_language_model_knobs,
    split_and_model_settings,
)
from sklstm import CharTokenizer, LSTMClassifier
from sklstm._module import LSTMNet, compact_token_ids
from sklstm._pretraining import pretrain, start_from_language_model

POOLINGS = ("mean", "max", "last")
# The probe's regularisation (on standardized features): the LSTM's vectors
# are many and correlated, and the labeled texts few.
PROBE_C = 0.1


def pooled_features(network, ids, pooling, batch_size=512):
    """The frozen network's LSTM outputs of each row of ``ids``, pooled over its steps."""
    network.pooling = pooling
    network.eval()
    pieces = []
    with torch.no_grad():
        for start in range(0, len(ids), batch_size):
            token_ids, lengths = compact_token_ids(torch.as_tensor(ids[start : start + batch_size]))
            steps = network.embed(token_ids)
            for layer in network.forward_layers:
                steps, _ = layer(steps)
            pieces.append(network._summarize(steps, lengths).numpy())
    return np.concatenate(pieces)


def probe(network, labeled_ids, labels, test_ids, y_test):
    """Test accuracy of the linear probe on each pooling of ``network``'s features."""
    accuracy = {}
    for pooling in POOLINGS:
        model = make_pipeline(StandardScaler(), LogisticRegression(C=PROBE_C, max_iter=3000))
        model.fit(pooled_features(network, labeled_ids, pooling), labels)
        predicted = model.predict(pooled_features(network, test_ids, pooling))
        accuracy[pooling] = round(float(np.mean(predicted == y_test)), 4)
    return accuracy


def main():
    parser = make_parser(__doc__.splitlines()[0])
    add_split_and_model_arguments(parser, data="tweets", labeled=2000)
    parser.add_argument("--epochs", default="4,12", help="language-model epochs, one probe each")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    apply_threads(args.threads)
    warnings.simplefilter("ignore", ConvergenceWarning)
    set_language_model_knobs(args.lm_batch_size, args.lm_predicted_tokens)
    texts_train, texts_test, y_train, y_test = (
        load_split() if args.data == "tweets" else load_demo_split()
    )
    texts, labels, unlabeled = labeled_and_unlabeled(
        texts_train, y_train, args.labeled, args.unlabeled
    )
    if args.quick:
        unlabeled = unlabeled[:200]
    tokenizer = CharTokenizer(level=args.level, max_length=MAX_LENGTH[args.level])
    every_ids = tokenizer.fit_transform([*texts, *unlabeled])
    labeled_ids, test_ids = tokenizer.transform(texts), tokenizer.transform(texts_test)
    vocabulary_size = int(every_ids.max()) + 1
    settings = {
        **split_and_model_settings(args, texts, unlabeled, texts_test),
        "probe_C": PROBE_C,
        "seed": args.seed,
    }
    classifier = LSTMClassifier(random_state=args.seed, **args.params)

    def fresh_network():
        return LSTMNet(
            len(np.unique(labels)),
            vocabulary_size=vocabulary_size,
            embedding_dim=classifier.embedding_dim,
            units=classifier.units,
            num_layers=classifier.num_layers,
        )

    torch.manual_seed(args.seed)
    emit_row({
        "benchmark": "pretraining_probe", "features": "random network",
        "accuracy": probe(fresh_network(), labeled_ids, labels, test_ids, y_test),
        "settings": settings,
    })
    tfidf = make_pipeline(
        TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True), LogisticRegression(max_iter=1000)
    ).fit(texts, labels)
    emit_row({
        "benchmark": "pretraining_probe", "features": "TF-IDF + LR",
        "accuracy": round(float(np.mean(tfidf.predict(texts_test) == y_test)), 4),
        "settings": settings,
    })
    for epochs in [int(value) for value in args.epochs.split(",")]:
        language_model = classifier.set_params(pretraining_epochs=epochs)
        language_model.vocabulary_size_ = vocabulary_size
        start = time.perf_counter()
        state = pretrain(
            language_model, every_ids, n_unlabeled=len(unlabeled), trainable_ids=None,
            seed=args.seed, device="cpu", precision="float32",
        )
        seconds = time.perf_counter() - start
        network = fresh_network()
        start_from_language_model(network, state, "probe", layers="all")
        emit_row({
            "benchmark": "pretraining_probe", "features": "language model",
            "lm_epochs": epochs,
            "lm_final_loss": round(language_model.pretraining_history_[-1]["train_loss"], 4),
            "lm_seconds": rounded(seconds),
            "accuracy": probe(network, labeled_ids, labels, test_ids, y_test),
            "settings": settings,
        })


if __name__ == "__main__":
    main()
