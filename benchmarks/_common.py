"""What the benchmark scripts share: the tweet data, the hand-written PyTorch
reference, the command line, and the one JSON line each script prints.

Every figure a script reports as a ratio is measured against a reference run in
the same process (or, for memory, in sibling processes started by the same
parent), so that the load of the machine cancels out as far as it can.
"""

import argparse
import json
import os
import platform
import subprocess
import time
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from sklearn.model_selection import train_test_split
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence
from torch.utils.data import DataLoader, TensorDataset

ROOT = Path(__file__).resolve().parents[1]
DATA_DIR = ROOT / ".." / "shared" / "data"
TWEETS = DATA_DIR / "tweet_sentiment_extraction.csv"
RANDOM_STATE = 0
TEST_SIZE = 0.2
# The load when the script started, to report beside the load when it ends.
_START_LOAD = os.getloadavg()[0] if hasattr(os, "getloadavg") else None


# -- data -----------------------------------------------------------------------


def check_data():
    """Exit with a message saying what is missing unless the tweet data is there."""
    if not TWEETS.is_file():
        raise SystemExit(
            f"benchmark data not found: {TWEETS.resolve()} does not exist.\n"
            "The benchmarks read the 'Tweet Sentiment Extraction' competition data "
            "(columns textID,text,selected_text,sentiment) from ../shared/data/ "
            "beside the repository; put tweet_sentiment_extraction.csv there."
        )


def load_tweets():
    """All tweets with a text, as (list of str, ndarray of sentiment labels)."""
    check_data()
    frame = pd.read_csv(TWEETS)
    missing = {"text", "sentiment"} - set(frame.columns)
    if missing:
        raise SystemExit(f"{TWEETS.resolve()} lacks the column(s) {sorted(missing)}.")
    # One row of the published file has no text.
    frame = frame.dropna(subset=["text"])
    return frame["text"].astype(str).tolist(), frame["sentiment"].to_numpy()


def stratified_subset(texts, labels, n_samples):
    """``n_samples`` of the texts, keeping the class shares; all of them when None."""
    if n_samples is None or n_samples >= len(texts):
        return list(texts), np.asarray(labels)
    texts, _, labels, _ = train_test_split(
        texts,
        labels,
        train_size=n_samples,
        stratify=labels,
        random_state=RANDOM_STATE,
    )
    return list(texts), np.asarray(labels)


def load_split(n_samples=None):
    """The 80/20 split, stratified by sentiment, of ``n_samples`` tweets (all by default).

    Returns ``texts_train, texts_test, y_train, y_test``.
    """
    texts, labels = stratified_subset(*load_tweets(), n_samples)
    texts_train, texts_test, y_train, y_test = train_test_split(
        texts,
        labels,
        test_size=TEST_SIZE,
        stratify=labels,
        random_state=RANDOM_STATE,
    )
    return list(texts_train), list(texts_test), np.asarray(y_train), np.asarray(y_test)


def load_demo_split():
    """The shipped demo sentences split 80/20 as the tweets are.

    Returns ``texts_train, texts_test, y_train, y_test``.
    """
    from sklstm.datasets import load_sentences

    sentences = load_sentences()
    texts_train, texts_test, y_train, y_test = train_test_split(
        list(sentences.data),
        sentences.target,
        test_size=TEST_SIZE,
        stratify=sentences.target,
        random_state=RANDOM_STATE,
    )
    return list(texts_train), list(texts_test), np.asarray(y_train), np.asarray(y_test)


# -- the hand-written PyTorch reference -------------------------------------------

#: LSTMClassifier settings that train what the hand-written loop trains: the
#: same layers and optimiser, every epoch on all the data (no early stopping,
#: which would hold out a tenth and score it every epoch) and the last state
#: as the sequence summary. Speed and memory are compared on these, not on the
#: classifier's defaults (max pooling, early stopping, learning rate 3e-3).
LIKE_HANDWRITTEN = dict(
    units=64,
    embedding_dim=32,
    batch_size=64,
    learning_rate=1e-3,
    early_stopping=False,
    pooling="last",
    # The hand-written loop trains on every row and calibrates nothing.
    calibration=None,
)


class HandwrittenLSTM(nn.Module):
    """Embedding -> LSTM -> Linear, as the PyTorch text tutorials write it.

    ``packed=False`` reads the LSTM output at the last step of the padded row,
    padding or not (the tutorials' way; meaningful with pre-padding, where the
    last step holds the last real token). ``packed=True`` packs each row to its
    length with ``pack_padded_sequence`` (post-padded rows) and reads the final
    hidden state, which is what sklstm computes.
    """

    def __init__(self, vocabulary_size, n_classes, embedding_dim=32, units=64, packed=False):
        super().__init__()
        self.packed = packed
        self.embedding = nn.Embedding(vocabulary_size, embedding_dim, padding_idx=0)
        self.lstm = nn.LSTM(embedding_dim, units, batch_first=True)
        self.head = nn.Linear(units, n_classes)

    def forward(self, token_ids):
        steps = self.embedding(token_ids)
        if not self.packed:
            outputs, _ = self.lstm(steps)
            return self.head(outputs[:, -1])
        # An empty text still needs one step for pack_padded_sequence.
        lengths = (token_ids != 0).sum(dim=1).clamp(min=1).cpu()
        packed = pack_padded_sequence(steps, lengths, batch_first=True, enforce_sorted=False)
        _, (hidden, _) = self.lstm(packed)
        return self.head(hidden[-1])


def train_handwritten(
    token_ids,
    targets,
    *,
    vocabulary_size,
    n_classes,
    epochs,
    packed=False,
    batch_size=64,
    learning_rate=1e-3,
    seed=RANDOM_STATE,
):
    """The tutorials' training loop: Adam, cross-entropy, shuffled mini-batches.

    ``targets`` are class indices 0..n_classes-1. Returns the trained module and
    the wall time of each epoch in seconds.
    """
    torch.manual_seed(seed)
    model = HandwrittenLSTM(vocabulary_size, n_classes, packed=packed)
    optimizer = torch.optim.Adam(model.parameters(), lr=learning_rate)
    loss_function = nn.CrossEntropyLoss()
    dataset = TensorDataset(
        torch.as_tensor(np.asarray(token_ids), dtype=torch.long),
        torch.as_tensor(np.asarray(targets), dtype=torch.long),
    )
    loader = DataLoader(dataset, batch_size=batch_size, shuffle=True)
    epoch_seconds = []
    for _ in range(epochs):
        start = time.perf_counter()
        model.train()
        for batch_ids, batch_targets in loader:
            optimizer.zero_grad()
            loss = loss_function(model(batch_ids), batch_targets)
            loss.backward()
            optimizer.step()
        epoch_seconds.append(time.perf_counter() - start)
    return model, epoch_seconds


def length_bucketed_batches(lengths, batch_size, pool_batches=50):
    """One epoch's batches of row indices, as sklstm's training draws them.

    Shuffle, cut into pools of ``pool_batches`` batches, sort each pool by
    length, cut it into batches, shuffle the batches (torch's generator).
    """
    shuffled = torch.randperm(len(lengths))
    batches = []
    for pool in shuffled.split(pool_batches * batch_size):
        batches.extend(pool[torch.sort(lengths[pool], stable=True).indices].split(batch_size))
    return [batches[index] for index in torch.randperm(len(batches)).tolist()]


def train_bucketed(
    token_ids,
    targets,
    *,
    vocabulary_size,
    n_classes,
    epochs,
    batch_size=64,
    learning_rate=1e-3,
    seed=RANDOM_STATE,
):
    """The floor of sklstm's training: the same work, with no Python around it.

    Post-padded rows in length-bucketed batches (``length_bucketed_batches``),
    each batch one tensor index and cut to its longest row, the output read
    at each row's last real step: what sklstm computes for
    ``LIKE_HANDWRITTEN``, written as directly as PyTorch allows. Returns the
    trained module and each epoch's wall time in seconds.
    """
    torch.manual_seed(seed)
    model = HandwrittenLSTM(vocabulary_size, n_classes)
    optimizer = torch.optim.Adam(model.parameters(), lr=learning_rate)
    loss_function = nn.CrossEntropyLoss()
    ids = torch.as_tensor(np.asarray(token_ids), dtype=torch.long)
    targets = torch.as_tensor(np.asarray(targets), dtype=torch.long)
    lengths = (ids != 0).sum(dim=1)
    rows = torch.arange(batch_size)
    epoch_seconds = []
    for _ in range(epochs):
        start = time.perf_counter()
        model.train()
        for batch in length_bucketed_batches(lengths, batch_size):
            batch_lengths = lengths[batch]
            batch_ids = ids[batch, : max(1, int(batch_lengths.max()))]
            optimizer.zero_grad()
            outputs, _ = model.lstm(model.embedding(batch_ids))
            last = outputs[rows[: len(batch)], (batch_lengths - 1).clamp(min=0)]
            loss = loss_function(model.head(last), targets[batch])
            loss.backward()
            optimizer.step()
        epoch_seconds.append(time.perf_counter() - start)
    return model, epoch_seconds


def predict_handwritten(model, token_ids, batch_size=1024):
    """Class indices predicted by a ``HandwrittenLSTM``."""
    model.eval()
    predicted = []
    with torch.no_grad():
        for batch in torch.as_tensor(np.asarray(token_ids), dtype=torch.long).split(batch_size):
            predicted.append(model(batch).argmax(dim=1).numpy())
    return np.concatenate(predicted)


# -- command line and output ----------------------------------------------------------


def make_parser(description):
    """An argument parser with the options every benchmark takes."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument(
        "--quick",
        action="store_true",
        help="small subsets (and fewer epochs or calls): checks that the script runs, "
        "gives no meaningful figures",
    )
    parser.add_argument(
        "--threads",
        type=int,
        default=1,
        help="threads for sklstm and its references alike: torch's intra-op threads, "
        "the BLAS/OpenMP pools (threadpoolctl) and LSTMClassifier(n_threads=...). "
        "Default 1, sklstm's own default.",
    )
    return parser


_thread_limits = None


def apply_threads(threads):
    """Give this process ``threads`` torch and BLAS/OpenMP threads."""
    global _thread_limits
    from threadpoolctl import threadpool_limits

    if threads < 1:
        raise SystemExit(f"--threads must be at least 1, got {threads}.")
    torch.set_num_threads(threads)
    # Kept referenced: the limits hold until restored, for the whole script.
    _thread_limits = threadpool_limits(limits=threads)


def _git_revision():
    try:
        revision = subprocess.run(
            ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
            capture_output=True, text=True, check=True, timeout=10,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(ROOT), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True, text=True, check=True, timeout=10,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    return revision + ("-dirty" if dirty else "")


def machine_info():
    """What the figures depend on: the machine, its load and the library versions."""
    import sklearn
    import skorch

    import sklstm

    info = {
        "cpu_count": os.cpu_count(),
        "cpus_usable": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        "torch_threads": torch.get_num_threads(),
        "torch_interop_threads": torch.get_num_interop_threads(),
        "machine": platform.machine(),
        "processor": platform.processor() or None,
        "python": platform.python_version(),
        "torch": torch.__version__,
        "sklearn": sklearn.__version__,
        "skorch": skorch.__version__,
        "numpy": np.__version__,
        "pandas": pd.__version__,
        "sklstm": sklstm.__version__,
        "git": _git_revision(),
    }
    if _START_LOAD is not None:
        # Load near or above cpu_count means other work shared the CPUs; torch's
        # threads then lose far more than their share (OpenMP waits for threads
        # that are not running): distrust the figures, or rerun with --threads 1.
        info["load_average_1min"] = {
            "start": round(_START_LOAD, 2),
            "end": round(os.getloadavg()[0], 2),
        }
    return info


def emit(benchmark, *, quick, ratios, lower_is_better, absolute, settings, checks=None):
    """Print the benchmark's one JSON line on stdout.

    ``ratios`` maps a name to sklstm's figure divided by the reference's;
    ``lower_is_better`` names the ratios (times, memory) for which below 1 means
    sklstm does better; for the others (throughput, accuracy) above 1 does.
    """
    unknown = set(lower_is_better) - set(ratios)
    if unknown:
        raise ValueError(f"lower_is_better names unknown ratios {sorted(unknown)}")
    record = {
        "benchmark": benchmark,
        "quick": quick,
        "ratios": {name: round(float(value), 4) for name, value in ratios.items()},
        "lower_is_better": sorted(lower_is_better),
        "absolute": absolute,
        "settings": settings,
        "checks": checks or {},
        "machine": machine_info(),
        "timestamp": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }
    print(json.dumps(record, default=_to_json), flush=True)


def emit_row(record):
    """Print one JSON line of a data row (an accuracy per setting, say), stamped.

    For the scripts whose lines are measurements rather than ratios against a
    reference: the record, plus the machine, its load, the commit and the time.
    """
    record = {
        **record,
        "machine": machine_info(),
        "timestamp": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }
    print(json.dumps(record, default=_to_json), flush=True)


def _to_json(value):
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def rounded(value, digits=4):
    return float(f"{value:.{digits}g}")
