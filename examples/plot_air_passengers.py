"""
Forecasting monthly airline passengers with LSTMRegressor
=========================================================

The classic Box and Jenkins series: monthly international airline passengers
(thousands), January 1949 to December 1960. Each sample is a window of 12
months and its target the month that follows. We train on the windows whose
target lies before 1959 and forecast each month of 1959 and 1960 one step
ahead (from the 12 real months before it), next to the seasonal-naive
forecast "same month last year".

On the way, the pitfall of integer-valued numeric data: read from a CSV file,
the passenger counts are int64, which sklstm would read as token ids.
"""

# %%
# Load the series
# ---------------
# :func:`~sklstm.datasets.load_air_passengers` returns the series shipped with
# sklstm, cut into windows of ``n_steps`` months (12 by default), each with the
# month that follows as its target.
import warnings

import numpy as np

from sklstm import LSTMRegressor
from sklstm.datasets import load_air_passengers

passengers = load_air_passengers(n_steps=12)
values = passengers.series
print(len(values), "months,", values.min(), "to", values.max())

# %%
# Sliding windows: 12 months in, the next month out
# --------------------------------------------------
HORIZON = 24  # the last 24 months are forecast, never trained on

windows, targets = passengers.data, passengers.target
target_dates = passengers.target_dates
windows_train, windows_test = windows[:-HORIZON], windows[-HORIZON:]
y_train, y_test = targets[:-HORIZON], targets[-HORIZON:]
print(f"windows: {windows.shape}, dtype {windows.dtype}")
print(f"train: {len(y_train)} windows, test: {len(y_test)} windows")

# %%
# The pitfall: integer counts are read as token ids
# -------------------------------------------------
# The loader gives float64 windows. Read from a CSV file (such as
# ``sklstm/data/air_passengers.csv``) with ``pd.read_csv``, the counts would
# be int64 instead, and with ``input_type='auto'`` a 2-D integer array holds
# token ids, as a ``CharTokenizer`` makes them. Each passenger count would
# become a "word" of an embedding, and the model would learn nothing about
# magnitudes. sklstm warns, because token ids always include small ids (0
# padding, 1 out-of-vocabulary, 2 the most frequent token) and these counts
# start at 104:
counts_train = windows_train.astype(np.int64)  # as pd.read_csv reads them
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    misread = LSTMRegressor(units=4, max_epochs=1, random_state=0)
    misread.fit(counts_train, y_train)
print("read as:", misread.input_type_, "with a vocabulary of", misread.vocabulary_size_)
for warning in caught:
    if "read as token ids" in str(warning.message):
        print("warning:", warning.message)

# %%
# Either say what X is, or cast it to float; both read numeric sequences:
said = LSTMRegressor(units=4, max_epochs=1, input_type="sequences", random_state=0)
cast = LSTMRegressor(units=4, max_epochs=1, random_state=0)
print(said.fit(counts_train, y_train).input_type_)
print(cast.fit(counts_train.astype(np.float64), y_train).input_type_)

# %%
# Scale: each window relative to its last month
# ---------------------------------------------
# The series trends upward: the months to forecast exceed every value seen in
# training, and a model fed raw levels (or levels divided by the training
# maximum) would have to extrapolate. On a log scale, relative to the last
# month of its window, each window shows only the seasonal shape and the
# recent growth, which the training years do cover. (LSTMRegressor also
# standardises its targets inside ``fit``.)


def to_relative(windows):
    return np.log(windows) - np.log(windows[:, -1:])


def from_relative(predictions, windows):
    return windows[:, -1] * np.exp(predictions)


X_train = to_relative(windows_train)
X_test = to_relative(windows_test)
relative_y_train = np.log(y_train) - np.log(windows_train[:, -1])

# %%
# Fit and forecast
# ----------------
model = LSTMRegressor(
    units=64,
    max_epochs=300,
    batch_size=32,
    learning_rate=0.005,
    random_state=0,
)
model.fit(X_train, relative_y_train)
forecast = from_relative(model.predict(X_test), windows_test)
seasonal_naive = windows_test[:, 0]  # the same month a year earlier


def rmse(predicted, actual):
    return float(np.sqrt(np.mean((predicted - actual) ** 2)))


lstm_rmse = rmse(forecast, y_test)
naive_rmse = rmse(seasonal_naive, y_test)
print(f"RMSE over the last {HORIZON} months (thousands of passengers):")
print(f"  LSTMRegressor, one step ahead:       {lstm_rmse:6.1f}")
print(f"  seasonal naive (12 months earlier):  {naive_rmse:6.1f}")

# %%
# Plot (when matplotlib is installed)
# -----------------------------------
try:
    import matplotlib.pyplot as plt
except ImportError:
    plt = None
    print("matplotlib is not installed: no plot.")

if plt is not None:
    test_dates = target_dates[-HORIZON:]
    figure, axes = plt.subplots(figsize=(8, 4))
    axes.plot(passengers.dates, values, color="black", label="passengers")
    axes.plot(test_dates, forecast, marker=".", label=f"LSTM (RMSE {lstm_rmse:.1f})")
    axes.plot(
        test_dates,
        seasonal_naive,
        linestyle="--",
        label=f"seasonal naive (RMSE {naive_rmse:.1f})",
    )
    axes.set_ylabel("passengers (thousands)")
    axes.set_title("One-step-ahead forecasts of 1959 and 1960")
    axes.legend()
    figure.tight_layout()
    figure.savefig("air_passengers_forecast.png", dpi=100)
    print("saved air_passengers_forecast.png")
