"""
Tweet sentiment, character by character
=======================================

The classic LSTM tutorial task: read a tweet one character at a time and say
whether it is positive or negative. The tweets come from the "Twitter Entity
Sentiment Analysis" data set, in the format of the tutorials' ``Tweets.csv``
(no header: id, entity, sentiment, text), of which we keep the Positive and
Negative rows, as the tutorials do.

Two things the tutorials leave out: a split that does not leak, and a
baseline. We split by tweet id, and we put the LSTM beside TF-IDF features
with a logistic regression, trained and tested on the same split.

**The data is not shipped with sklstm.** It is the "Twitter Sentiment
Analysis" (entity-level) data set on Kaggle,
https://www.kaggle.com/datasets/jp797498e/twitter-entity-sentiment-analysis
(its licence is on that page). To run this example, download its
``twitter_training.csv`` (with a free Kaggle account, from the page or with
``kaggle datasets download jp797498e/twitter-entity-sentiment-analysis``) and
save it as ``shared/data/twitter_entity_sentiment.csv`` in the folder that
holds your sklstm clone, that is ``../shared/data/`` from the clone's root
(or change ``DATA`` below). The figures on this page come from a part of it,
12,447 rows; the whole file, about 75,000 rows, gives other counts and
scores, and a longer run.
"""

# %%
# Load the tweets
# ---------------
# Real data has holes: we drop the rows without a text, and count as missing
# the texts made only of spaces.
from pathlib import Path

import pandas as pd
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupShuffleSplit
from sklearn.pipeline import make_pipeline

from sklstm import CharTokenizer, LSTMClassifier

DATA = Path(__file__).resolve().parents[1] / ".." / "shared" / "data"
if not (DATA / "twitter_entity_sentiment.csv").is_file():
    raise FileNotFoundError(
        f"{DATA / 'twitter_entity_sentiment.csv'} is missing: download "
        "twitter_training.csv from https://www.kaggle.com/datasets/jp797498e/"
        "twitter-entity-sentiment-analysis and save it under that name."
    )
tweets = pd.read_csv(
    DATA / "twitter_entity_sentiment.csv",
    header=None,
    names=["id", "entity", "sentiment", "text"],
)
tweets = tweets[tweets["sentiment"].isin(["Positive", "Negative"])]
missing = tweets["text"].isna() | (tweets["text"].str.strip() == "")
print(f"{len(tweets)} Positive or Negative rows, {missing.sum()} without a text")
tweets = tweets[~missing]
print(tweets["sentiment"].value_counts().to_string())
print("characters per tweet:", tweets["text"].str.len().describe()[["50%", "max"]].to_dict())

# %%
# Split by tweet id
# -----------------
# In the full data set each tweet comes several times: paraphrased copies of
# one tweet, with the same label, share its id. A random split puts some
# copies in the training part and others in the test part, so the test score
# rewards a model for recognising tweets it has already read (nearly), and
# overstates how it does on new ones. ``GroupShuffleSplit`` with the id as
# the group keeps all the rows of a tweet on one side.
#
# This copy holds a part of the data set; we count how many rows share an id
# rather than assume it, and how many test texts appear word for word in
# the training part anyway (short tweets such as "Amazing" or "Can't wait"
# recur under different ids).
rows_per_id = tweets.groupby("id").size()
print(f"rows per id: at most {rows_per_id.max()}, "
      f"{(rows_per_id > 1).sum()} ids with more than one row")

splitter = GroupShuffleSplit(test_size=0.2, random_state=0)
train_rows, test_rows = next(splitter.split(tweets, groups=tweets["id"]))
texts_train = tweets["text"].iloc[train_rows]
texts_test = tweets["text"].iloc[test_rows]
y_train = tweets["sentiment"].iloc[train_rows]
y_test = tweets["sentiment"].iloc[test_rows]
seen = texts_test.str.lower().isin(set(texts_train.str.lower()))
print(f"train: {len(texts_train)} tweets, test: {len(texts_test)} tweets; "
      f"{seen.sum()} test texts also in train, word for word")
majority = y_test.value_counts(normalize=True).max()
print(f"majority class share of the test part: {majority:.3f}")

# %%
# Here each id holds one row, so the group split is in effect a random one
# and the counts above show no leak to speak of. The code stays the same on
# the full data set, where grouping by id is what keeps the score honest.

# %%
# The baseline: TF-IDF + logistic regression
# ------------------------------------------
# Character 2- to 5-grams within word boundaries, so that it reads the same
# characters as the LSTM. It trains in seconds.
baseline = make_pipeline(
    TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5)),
    LogisticRegression(max_iter=1000),
)
baseline.fit(texts_train, y_train)
baseline_accuracy = baseline.score(texts_test, y_test)
print(f"TF-IDF + LogisticRegression, test accuracy: {baseline_accuracy:.3f}")

# %%
# The character-level LSTM
# ------------------------
# ``CharTokenizer`` reads up to 200 characters of each tweet (most tweets
# whole). Early stopping holds out 10 % of the training tweets and
# keeps the weights of the epoch with the lowest validation loss; the runs
# stop after at most 12 epochs, which keeps this example to about a minute.
#
# The tutorials classify from the LSTM's state after the last character
# (``pooling='last'``). A tweet's verdict can stand anywhere in it, though,
# and ``pooling='max'`` (sklstm's default) takes, for each unit, the largest
# output over all its characters. We train both, each setting spelled out.


def make_lstm_pipeline(pooling):
    return make_pipeline(
        CharTokenizer(level="char", max_length=200),
        LSTMClassifier(
            units=64,
            pooling=pooling,
            max_epochs=12,
            learning_rate=0.002,
            early_stopping=True,
            n_iter_no_change=3,
            random_state=0,
        ),
    )


print(f"tweets cut at 200 characters: {(texts_train.str.len() > 200).mean():.0%}")
accuracies = {"majority class": majority}
lstms = {}
for pooling in ("last", "max"):
    lstms[pooling] = make_lstm_pipeline(pooling).fit(texts_train, y_train)
    accuracy = lstms[pooling].score(texts_test, y_test)
    accuracies[f"LSTM, pooling={pooling!r}"] = accuracy
    print(f"char-level LSTM, pooling={pooling!r}: test accuracy {accuracy:.3f} "
          f"({lstms[pooling][-1].n_iter_} epochs run)")
accuracies["TF-IDF + LogReg"] = baseline_accuracy

# %%
# What the figures say
# --------------------
# Both LSTMs beat the majority class, and pooling over the whole tweet
# (``pooling='max'``) does clearly better than its last state, but the
# TF-IDF baseline wins by a wide margin: with about five thousand training
# tweets, counting character n-grams is a stronger model than learning to
# read from scratch. The validation curves below tell the rest: the
# last-state LSTM stops improving after a handful of epochs (early stopping
# ends its run), and the max-pooled one is still creeping up at epoch 12, so
# more epochs would help it a little, but nowhere near enough to catch the
# baseline.

# %%
# New tweets
# ----------
new_tweets = [
    "Just finished the game, best ending ever!",
    "Servers down again. Worst update ever.",
]
for tweet, label in zip(new_tweets, lstms["max"].predict(new_tweets)):
    print(f"  {label:<8} {tweet}")

# %%
# Plot (when matplotlib is installed)
# -----------------------------------
try:
    import matplotlib.pyplot as plt
except ImportError:
    plt = None
    print("matplotlib is not installed: no plot.")

if plt is not None:
    figure, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
    names = list(accuracies)
    bars = left.barh(names, [accuracies[name] for name in names], color="tab:blue")
    left.bar_label(bars, fmt="%.3f", padding=3)
    left.set_xlim(0, 1)
    left.invert_yaxis()
    left.set_xlabel("test accuracy (tweets split by id)")
    left.set_title("Positive or negative?")
    for pooling, model in lstms.items():
        history = model[-1].history_
        right.plot(
            [epoch["epoch"] for epoch in history],
            [epoch["valid_score"] for epoch in history],
            marker="o",
            label=f"LSTM, pooling={pooling!r}",
        )
    right.axhline(baseline_accuracy, color="grey", linestyle="--", label="TF-IDF + LogReg (test)")
    right.set_xlabel("epoch")
    right.set_ylabel("validation accuracy (10 % of train)")
    right.set_title("The LSTMs while training")
    right.legend(loc="lower right")
    figure.tight_layout()
    figure.savefig("tweet_sentiment.png", dpi=100)
