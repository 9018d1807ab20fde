"""The Keras reference of ``bench_fit.py``: the tutorials' model, with masking.

TensorFlow is not one of sklstm's dependencies; ``make bench-keras`` installs
it (tensorflow-cpu) in a separate environment, ``.venv-keras``. Without it the
benchmark reports why the Keras figure is missing instead of a figure.
"""

import os
import time


def keras_unavailable():
    """None when Keras on TensorFlow can be imported, else the reason it cannot."""
    os.environ.setdefault("KERAS_BACKEND", "tensorflow")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # no start-up banner on stderr
    try:
        import keras
        import tensorflow  # noqa: F401
    except ImportError as error:
        return (
            f"TensorFlow/Keras not importable ({error}); `make bench-keras` installs "
            "tensorflow-cpu in .venv-keras and runs this comparison there"
        )
    if keras.backend.backend() != "tensorflow":
        return f"Keras runs on {keras.backend.backend()!r}, not TensorFlow"
    return None


def train_keras(
    token_ids,
    targets,
    *,
    vocabulary_size,
    n_classes,
    epochs,
    threads,
    batch_size=64,
    learning_rate=1e-3,
    embedding_dim=32,
    units=64,
    seed=0,
):
    """Embedding(mask_zero=True) -> LSTM -> Dense, trained with Adam by ``model.fit``.

    The mask makes the LSTM skip padding wherever it stands, as sklstm does.
    ``targets`` are class indices. TensorFlow gets ``threads`` intra-op and
    inter-op threads, as torch gets ``threads``. Returns the model and the wall
    time of each epoch in seconds.
    """
    import keras
    import tensorflow as tf

    tf.config.threading.set_intra_op_parallelism_threads(threads)
    tf.config.threading.set_inter_op_parallelism_threads(threads)
    keras.utils.set_random_seed(seed)
    model = keras.Sequential(
        [
            keras.Input(shape=(token_ids.shape[1],), dtype="int32"),
            keras.layers.Embedding(vocabulary_size, embedding_dim, mask_zero=True),
            keras.layers.LSTM(units),
            keras.layers.Dense(n_classes),
        ]
    )
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
    )

    class EpochTimer(keras.callbacks.Callback):
        def on_train_begin(self, logs=None):
            self.seconds = []

        def on_epoch_begin(self, epoch, logs=None):
            self.start = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            self.seconds.append(time.perf_counter() - self.start)

    timer = EpochTimer()
    model.fit(
        token_ids.astype("int32"),
        targets,
        batch_size=batch_size,
        epochs=epochs,
        shuffle=True,
        verbose=0,
        callbacks=[timer],
    )
    return model, timer.seconds


def predict_keras(model, token_ids, batch_size=1024):
    """Class indices predicted by the Keras model."""
    return model.predict(token_ids.astype("int32"), batch_size=batch_size, verbose=0).argmax(axis=1)
