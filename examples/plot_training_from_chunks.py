"""
Training from chunks: data larger than memory
=============================================

``partial_fit`` trains one epoch on the rows it is given, continuing from the
model fitted so far, so a data set too large for memory can be read and
learned from chunk by chunk: here with ``pandas.read_csv(..., chunksize=...)``.
The ``CharTokenizer`` is fitted once, on a sample that shows the vocabulary;
each chunk is then only transformed.

The data are the 2,000 review sentences shipped with sklstm (Yelp and Amazon,
UCI "Sentiment Labelled Sentences", CC BY 4.0), written to a CSV file to play
the large file, so this example runs anywhere.
"""

# %%
# A CSV file to stream from
# -------------------------
import tempfile
import warnings
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split

from sklstm import CharTokenizer, LSTMClassifier
from sklstm.datasets import load_sentences

texts, labels = load_sentences(return_X_y=True)
texts_train, texts_test, y_train, y_test = train_test_split(
    texts, labels, test_size=0.2, stratify=labels, random_state=0
)
path = Path(tempfile.mkdtemp()) / "reviews.csv"
pd.DataFrame({"text": texts_train, "label": y_train}).to_csv(path, index=False)

# %%
# The vocabulary, from a sample
# -----------------------------
# Words the sample lacks are read as out-of-vocabulary later on; a few
# hundred texts show the common ones.
sample = pd.read_csv(path, nrows=400)["text"]
tokenizer = CharTokenizer(level="word", max_length=40).fit(sample)
print(f"{len(tokenizer.vocabulary_)} words from {len(sample)} texts")

# %%
# Chunk by chunk
# --------------
# ``classes`` on the first call: a chunk rarely shows them all. Each pass
# over the file reads it in 8 chunks of 200 rows; each ``partial_fit`` call is
# one epoch over its chunk, recorded in ``history_``.
X_test = tokenizer.transform(texts_test)
streamed = LSTMClassifier(units=32, learning_rate=0.01, random_state=0)
accuracy = []
for epoch in range(4):
    for chunk in pd.read_csv(path, chunksize=200):
        streamed.partial_fit(
            tokenizer.transform(chunk["text"]), chunk["label"], classes=np.unique(labels)
        )
    accuracy.append(streamed.score(X_test, y_test))
    print(f"pass {epoch + 1}: {streamed.n_iter_} partial_fit calls, test accuracy "
          f"{accuracy[-1]:.3f}")

# %%
# Against one fit on all the rows
# -------------------------------
# The same model and epochs, trained by ``fit`` on the whole training set in
# memory (no early stopping, so that both see the same data). Its training
# loss still falls after 4 epochs, which ``fit`` would point out with a
# ``ConvergenceWarning``; the comparison wants equal epochs, so it is silenced.
with warnings.catch_warnings():
    warnings.simplefilter("ignore", ConvergenceWarning)
    whole = LSTMClassifier(
        units=32, learning_rate=0.01, max_epochs=4, early_stopping=False, random_state=0
    ).fit(tokenizer.transform(texts_train), y_train)
print(f"one fit of 4 epochs: test accuracy {whole.score(X_test, y_test):.3f}")

fig, ax = plt.subplots(figsize=(5, 3))
ax.plot(range(1, 5), accuracy, marker="o", label="partial_fit, 8 chunks per pass")
ax.axhline(whole.score(X_test, y_test), color="gray", linestyle="--",
           label="fit, 4 epochs in memory")
ax.set_xlabel("pass over the file")
ax.set_ylabel("test accuracy")
ax.legend(loc="lower right")
fig.tight_layout()
plt.show()
