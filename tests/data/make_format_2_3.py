"""How the files here were written: by tinyframe at commit 2628c2e (formats 2 and 3, the last before 4),

with `python tests/data/make_format_2_3.py tests/data` run in a checkout of that commit. They keep the promise
that every earlier saved file loads (tests/test_saving_formats.py); this script is not run by the tests."""

import json
import sys

import numpy as np

import tinyframe
from tinyframe import Input, Model, Sequential
from tinyframe.activations import Sigmoid
from tinyframe.layers import Add, Dense

out = sys.argv[1]
rng = np.random.default_rng(0)
X = rng.random((40, 4))
y = (X.sum(1) > 2).astype(int)
line = Sequential([Dense(4, 5), Sigmoid(), Dense(5, 2), Sigmoid()], dtype="float64", seed=0)
line.compile(optimizer="adam", metrics=["accuracy"])
line.layers[2].trainable = False
line.fit(X, y, epochs=2, batch_size=8, verbose=0)
line.layers[2].trainable = True  # frozen part of the time: its state is the initial value in the flat array
line.fit(X, y, epochs=1, batch_size=8, verbose=0)
line.save(f"{out}/format2_sequential_adam.npz")
inputs = Input(shape=(4,))
h = Dense(6, activation="relu")(inputs)
skip = Dense(6)(inputs)
outputs = Dense(2, activation="softmax")(Add()([h, skip]))
graph = Model(inputs, outputs, dtype="float64", seed=1)
graph.compile(optimizer=tinyframe.optimizers.Momentum(0.05), loss="sparse_categorical_crossentropy")
graph.fit(X, y, epochs=2, batch_size=8, verbose=0)
graph.save(f"{out}/format3_functional_momentum.npz")
expected = {}
for name, model in (("line", line), ("graph", graph)):
    model.fit(X, y, epochs=1, batch_size=8, verbose=0, shuffle=False)
    for i, w in enumerate(model.get_weights()):
        expected[f"{name}/{i}"] = w
np.savez(f"{out}/formats_2_3_next_epoch.npz", **expected)
print(
    json.loads(str(np.load(f"{out}/format2_sequential_adam.npz")["config"]))["format_version"],
    json.loads(str(np.load(f"{out}/format3_functional_momentum.npz")["config"]))["format_version"],
)
