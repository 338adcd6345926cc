"""Keras's test and predict hooks in evaluate(callbacks=) and predict(callbacks=), on_train_end's logs, to_json."""

from __future__ import annotations

import numpy as np
import pytest

from tinyframe import Input, Sequential
from tinyframe.callbacks import Callback
from tinyframe.layers import Dense
from tinyframe.models import model_from_json


class Recorder(Callback):
    def __init__(self):
        super().__init__()
        self.calls = []

    def __getattribute__(self, name):
        if name.startswith("on_"):
            return lambda *args, **kwargs: self.calls.append((name, *args, *kwargs.values()))
        return super().__getattribute__(name)


def model():
    net = Sequential([Input((3,)), Dense(2)], seed=0)
    net.compile(loss="mse", optimizer="sgd", metrics=["mae"])
    return net


def test_evaluate_calls_the_test_hooks_with_each_batch_and_the_results():
    net, recorder = model(), Recorder()
    X, y = np.ones((5, 3)), np.zeros((5, 2))
    logs = net.evaluate(X, y, batch_size=2, callbacks=[recorder], return_dict=True, verbose=0)
    names = [call[0] for call in recorder.calls]
    assert names == ["on_test_begin", *["on_test_batch_begin", "on_test_batch_end"] * 3, "on_test_end"]
    assert [call[1] for call in recorder.calls if call[0] == "on_test_batch_end"] == [0, 1, 2]
    assert recorder.calls[-1][1] == logs and recorder.calls[2][2]["size"] == 2


def test_predict_calls_the_predict_hooks_with_each_batchs_outputs():
    net, recorder = model(), Recorder()
    X = np.arange(15.0).reshape(5, 3)
    out = net.predict(X, batch_size=3, callbacks=recorder)
    ends = [call for call in recorder.calls if call[0] == "on_predict_batch_end"]
    assert [call[0] for call in recorder.calls][0] == "on_predict_begin" and recorder.calls[-1][0] == "on_predict_end"
    np.testing.assert_array_equal(np.concatenate([logs["outputs"] for _, _, logs in ends]), out)


def test_callbacks_must_be_callbacks():
    with pytest.raises(TypeError, match="predict: callbacks must be Callback instances"):
        model().predict(np.ones((2, 3)), callbacks=[print])


def test_on_train_end_receives_the_last_epochs_logs():
    net, recorder = model(), Recorder()
    history = net.fit(np.ones((4, 3)), np.zeros((4, 2)), epochs=2, verbose=0, callbacks=[recorder])
    (end,) = [call for call in recorder.calls if call[0] == "on_train_end"]
    assert end[1] == {key: values[-1] for key, values in history.history.items()} and "mae" in end[1]


def test_to_json_and_back_gives_the_same_architecture():
    net = model()
    again = model_from_json(net.to_json(), seed=1)
    assert again.get_config() == net.get_config() and again.count_params() == net.count_params()
    with pytest.raises(ValueError, match="not valid JSON"):
        model_from_json("{")


def test_the_smaller_refusals_say_what_was_expected():
    from tinyframe import Model
    from tinyframe.models import model_from_json
    from tinyframe.utils import unpack_x_y_sample_weight

    net = model()
    with pytest.raises(TypeError, match="trainable must be True or False"):
        net.trainable = "no"
    with pytest.raises(TypeError, match="expected a JSON string"):
        model_from_json({"layers": []})
    with pytest.raises(ValueError, match=r"expected \(x,\), \(x, y\) or \(x, y, sample_weight\)"):
        unpack_x_y_sample_weight((1, 2, 3, 4))

    class Empty(Model):
        def call(self, x):
            return x

    with pytest.raises(ValueError, match=r"build: give the input shape"):
        Empty().build()
