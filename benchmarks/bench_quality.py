"""Test accuracy of sklstm's default pipelines against TF-IDF + logistic regression.

The pipelines a user writes first, with only ``max_length`` set:
``CharTokenizer(level='word', max_length=40) + LSTMClassifier(random_state=0)``
and ``CharTokenizer(level='char', max_length=140) + LSTMClassifier(random_state=0)``
against TF-IDF + LogisticRegression on word 1-2-grams and on char_wb 2-5-grams,
on the tweets (3 classes, 80/20 stratified split, random_state=0) and on the
shipped demo sentences (binary, the same split rule). Ratios are sklstm's test
accuracy divided by the better TF-IDF baseline's; ``absolute`` has the
accuracies, their difference in points and each fit's seconds.
"""

import time

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline

from _common import (
    apply_threads,
    emit,
    load_demo_split,
    load_split,
    make_parser,
    rounded,
)
from sklstm import CharTokenizer, LSTMClassifier

PIPELINES = {
    "lstm_word": lambda: make_pipeline(
        CharTokenizer(level="word", max_length=40), LSTMClassifier(random_state=0)
    ),
    "lstm_char": lambda: make_pipeline(
        CharTokenizer(level="char", max_length=140), LSTMClassifier(random_state=0)
    ),
    "tfidf_word_1_2": lambda: make_pipeline(
        TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True),
        LogisticRegression(max_iter=1000),
    ),
    "tfidf_char_wb_2_5": lambda: make_pipeline(
        TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True),
        LogisticRegression(max_iter=1000),
    ),
}


def evaluate(split):
    texts_train, texts_test, y_train, y_test = split
    accuracy, seconds, epochs = {}, {}, {}
    for name, make in PIPELINES.items():
        start = time.perf_counter()
        model = make().fit(texts_train, y_train)
        seconds[name] = rounded(time.perf_counter() - start)
        accuracy[name] = round(float(np.mean(model.predict(texts_test) == y_test)), 4)
        if name.startswith("lstm"):
            epochs[name] = model[-1].n_iter_
    return accuracy, seconds, epochs


def main():
    parser = make_parser(__doc__.splitlines()[0])
    args = parser.parse_args()
    apply_threads(args.threads)
    tweets = load_split(n_samples=3000 if args.quick else None)
    demo = load_demo_split()
    ratios, absolute = {}, {}
    for data_name, split in (("tweets", tweets), ("demo", demo)):
        accuracy, seconds, epochs = evaluate(split)
        baseline = max(accuracy["tfidf_word_1_2"], accuracy["tfidf_char_wb_2_5"])
        points = {}
        for level in ("word", "char"):
            ratios[f"{data_name}_{level}_accuracy_vs_best_tfidf"] = (
                accuracy[f"lstm_{level}"] / baseline
            )
            points[level] = round(100 * (accuracy[f"lstm_{level}"] - baseline), 2)
        absolute[data_name] = {
            "accuracy": accuracy,
            "points_vs_best_tfidf": points,
            "fit_seconds": seconds,
            "lstm_epochs": epochs,
        }
    emit(
        "quality",
        quick=args.quick,
        ratios=ratios,
        lower_is_better=[],
        absolute=absolute,
        settings={
            "tweets_n_train": len(tweets[0]),
            "demo_n_train": len(demo[0]),
            "lstm": "LSTMClassifier() defaults, random_state=0",
        },
    )


if __name__ == "__main__":
    main()
