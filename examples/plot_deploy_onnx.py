"""
Deploying a model without PyTorch
=================================

A model trained with sklstm predicts with PyTorch, several hundred megabytes
to install. :func:`sklstm.export_onnx` writes it as an ONNX graph, and
:func:`sklstm.onnx.load` serves that graph with onnxruntime, a much smaller
install, without importing torch. This example trains a small character-level
classifier on the demo sentences, exports it, serves it, and compares the
two: the same probabilities, to float rounding, in a fraction of the time per
text. Exporting needs ``pip install "sklstm[onnx]"``.
"""

# %%
# Train a small model
# -------------------
# A pipeline of a :class:`~sklstm.CharTokenizer` and an
# :class:`~sklstm.LSTMClassifier` on 1,500 review sentences; the other 500
# are kept to compare the two models on. Four epochs make a weak model, but a
# quick one: what follows is the same for a good one.
import subprocess
import sys
import tempfile
import timeit
from pathlib import Path

import numpy as np
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline

import sklstm.onnx
from sklstm import CharTokenizer, LSTMClassifier, export_onnx
from sklstm.datasets import load_sentences

texts, labels = load_sentences(return_X_y=True)
texts_train, texts_test, y_train, y_test = train_test_split(
    texts, labels, test_size=500, stratify=labels, random_state=0
)
model = make_pipeline(
    CharTokenizer(max_length=150),
    LSTMClassifier(units=32, max_epochs=4, random_state=0),
)
model.fit(texts_train, y_train)
print(f"test accuracy: {model.score(texts_test, y_test):.3f}")

# %%
# Export
# ------
# ``export_onnx`` writes the network as ``sentiment.onnx`` and, for a
# pipeline, the tokenizer's settings and vocabulary beside it as JSON. It
# checks the graph against the model before writing anything.
workspace = tempfile.TemporaryDirectory()
folder = Path(workspace.name)
paths = export_onnx(model, folder / "sentiment.onnx")
for path in paths:
    print(f"{path.name}: {path.stat().st_size / 1000:.1f} KB")

# %%
# Serve
# -----
# The served model takes raw texts (or token ids) and answers as the
# pipeline does.
served = sklstm.onnx.load(folder / "sentiment.onnx")
difference = np.abs(served.predict_proba(texts_test) - model.predict_proba(texts_test))
print(f"largest difference between the probabilities: {difference.max():.1e}")
print("same labels:", bool((served.predict(texts_test) == model.predict(texts_test)).all()))

new_texts = ["The food was great, I loved it.", "Terrible battery, it broke in a week."]
for text, proba in zip(new_texts, served.predict_proba(new_texts)):
    print(f"p(positive)={proba[1]:.2f}  {text}")

# %%
# One text at a time, as a web service is called: the served model answers
# in a fraction of the pipeline's time (the benchmarks page reports the ratio
# on tweets).
one_text = [texts_test[0]]
for name, predictor in [("sklstm pipeline", model), ("onnxruntime", served)]:
    seconds = min(timeit.repeat(lambda: predictor.predict_proba(one_text), number=50, repeat=3))
    print(f"{name}: {1e3 * seconds / 50:.2f} ms per text")

# %%
# Without PyTorch
# ---------------
# A fresh Python process in which importing torch fails, as on a server where
# it is not installed: ``sklstm.onnx`` needs NumPy, scikit-learn and
# onnxruntime only.
serve = f"""
import sys

class NoTorch:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in ("torch", "skorch"):
            raise ModuleNotFoundError(name)

sys.meta_path.insert(0, NoTorch())
import sklstm.onnx

served = sklstm.onnx.load({str(folder / "sentiment.onnx")!r})
print(served.predict(["What a lovely place!"]), "torch imported:", "torch" in sys.modules)
"""
child = subprocess.run([sys.executable, "-c", serve], capture_output=True, text=True, check=True)
print(child.stdout)

# %%
# onnxruntime alone
# -----------------
# The graph takes int64 token ids (``X``; the tokenizer returns int32, so
# cast them) and returns the probabilities
# (``probabilities``), so any onnxruntime client, in any language, gets the
# same numbers; only the tokenizer (its JSON file) is sklstm's.
import onnxruntime

session = onnxruntime.InferenceSession(folder / "sentiment.onnx")
ids = served.tokenizer_.transform(new_texts)
print(session.run(None, {"X": ids.astype("int64")})[0].round(4))
print(model.predict_proba(new_texts).round(4))
workspace.cleanup()
