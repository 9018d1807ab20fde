"""
Using unlabeled text
====================

Labels are scarce, texts are not. Here only 400 of the 1,600 training
sentences of the review data shipped with sklstm (Yelp and Amazon, UCI
"Sentiment Labelled Sentences", CC BY 4.0) keep their label; the other 1,200
are given with the label ``-1``, "unlabeled", as scikit-learn's
``SelfTrainingClassifier`` reads it.

With ``pretraining_epochs``, ``LSTMClassifier`` first trains its embedding
and LSTM as a language model (predicting each character from the characters
before it) on *every* text, then trains the classifier on the labeled ones,
starting from what the language model learned. In a pipeline the tokenizer
is fitted on every text too, so the two phases read the same vocabulary.

This example reads characters: on texts this few, a character-level language
model learns an LSTM worth starting from (``pretrained_layers='all'``), read
out by its mean over the steps (``pooling='mean'``), where a word-level one
sees too few of each word and carries over only its embedding (the user
guide's "Using unlabeled text" has both measured).
"""

# %%
# 400 labels and 1,200 unlabeled sentences
# ----------------------------------------
import time
import warnings

import matplotlib.pyplot as plt
import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline

from sklstm import CharTokenizer, LSTMClassifier
from sklstm.datasets import load_sentences

texts, labels = load_sentences(return_X_y=True)
train, test, y_train, y_test = train_test_split(
    list(texts), labels, test_size=0.2, stratify=labels, random_state=0
)
# Hide the labels of three quarters of the training sentences.
y_partial = np.asarray(y_train, dtype=object)
hidden = np.random.default_rng(0).permutation(len(y_partial))[400:]
y_partial[hidden] = -1
labeled = y_partial != -1
print(f"{labeled.sum()} labeled and {(~labeled).sum()} unlabeled training sentences, "
      f"{len(test)} test sentences")

# %%
# From scratch, on the labeled sentences only
# -------------------------------------------
# Both fits run the default 20 epochs, which at character level leave the
# training loss still falling (a ConvergenceWarning says so): the comparison
# is at equal settings, not at convergence.
warnings.filterwarnings("ignore", category=ConvergenceWarning)


def pipeline(**params):
    # The same settings for both fits: only the pretraining differs.
    return make_pipeline(
        CharTokenizer(level="char", max_length=140),
        LSTMClassifier(pooling="mean", random_state=0, **params),
    )


start = time.perf_counter()
scratch = pipeline().fit(np.asarray(train)[labeled], y_train[labeled])
scratch_seconds = time.perf_counter() - start
print(f"from scratch: test accuracy {scratch.score(test, y_test):.3f} "
      f"({scratch_seconds:.1f} s)")

# %%
# Pretrained on all 1,600 sentences, fine-tuned on the 400 labels
# ---------------------------------------------------------------
# ``verbose=1`` prints a line for each phase and each epoch.
start = time.perf_counter()
pretrained = pipeline(pretraining_epochs=8, pretrained_layers="all", verbose=1).fit(
    train, y_partial
)
pretrained_seconds = time.perf_counter() - start
print(f"pretrained: test accuracy {pretrained.score(test, y_test):.3f} "
      f"({pretrained_seconds:.1f} s, {pretrained_seconds / scratch_seconds:.1f}x)")
print("classes:", pretrained[-1].classes_)  # -1 is no class

# %%
# The two phases
# --------------
# The language model's loss (mean negative log-likelihood per character) and the
# classifier's, epoch by epoch. The accuracies differ by a few points on 400
# test sentences, about as much as another ``random_state`` can move them:
# the user guide's table averages three seeds.
model = pretrained[-1]
fig, (left, right) = plt.subplots(1, 2, figsize=(9, 3.5))
left.plot([r["epoch"] for r in model.pretraining_history_],
          [r["train_loss"] for r in model.pretraining_history_], marker="o")
left.set(title="language model (all 1,600 texts)", xlabel="epoch", ylabel="loss per character")
for name, fitted in (("from scratch", scratch[-1]), ("pretrained", model)):
    right.plot([r["epoch"] for r in fitted.history_],
               [r["train_loss"] for r in fitted.history_], label=name)
right.set(title="classifier (400 labels)", xlabel="epoch", ylabel="training loss")
right.legend()
fig.tight_layout()
plt.show()
