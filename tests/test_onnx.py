"""tinyframe.onnx: the exported graph is valid ONNX, named as documented, and refuses what it cannot write.

The numerical agreement of every layer kind with ONNX Runtime is in tests/test_onnx_models.py.
"""

from __future__ import annotations

import os
import pathlib
import subprocess
import sys

import numpy as np
import pytest

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")

import tinyframe.onnx as tfo  # noqa: E402
from tinyframe import Sequential  # noqa: E402
from tinyframe.activations import Sigmoid  # noqa: E402
from tinyframe.layers import (  # noqa: E402
    Conv1D,
    Dense,
    Embedding,
    Flatten,
    GlobalAveragePooling1D,
    Input,
    Layer,
    LayerNormalization,
)

ROOT = pathlib.Path(__file__).resolve().parent.parent


def article_network(dtype: str = "float32") -> Sequential:
    return Sequential([Dense(64, 30), Sigmoid(), Dense(30, 10), Sigmoid()], dtype=dtype, seed=0)


class Scale(Layer):
    """y = x * k, one k per feature: the package docstring's custom layer."""

    def build(self, input_shape):
        self.add_param("k", input_shape[-1:], "ones")

    def forward(self, x, training=False):
        return x * self.params["k"]

    def backward(self, grad_out):
        return grad_out * self.params["k"]

    def to_onnx(self, builder, x):
        return builder.op("Mul", x, builder.weight(self, "k"))


class NoExport(Layer):
    def forward(self, x, training=False):
        return x

    def backward(self, grad_out):
        return grad_out


def test_importing_tinyframe_does_not_import_onnx():
    code = (
        "import sys, numpy as np, tinyframe\n"
        "from tinyframe.layers import Dense\n"
        "m = tinyframe.Sequential([Dense(3, 2)]); m.predict(np.ones((1, 3)))\n"
        "assert 'onnx' not in sys.modules and 'onnxruntime' not in sys.modules, sorted(sys.modules)\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize("dtype, elem", [("float32", onnx.TensorProto.FLOAT), ("float64", onnx.TensorProto.DOUBLE)])
def test_graph_names_dtype_batch_axis_and_full_check(dtype, elem):
    proto = tfo.to_onnx(article_network(dtype))
    onnx.checker.check_model(proto, full_check=True)
    (inp,), (out,) = proto.graph.input, proto.graph.output
    assert (inp.name, out.name) == ("input", "output")
    assert inp.type.tensor_type.elem_type == elem and out.type.tensor_type.elem_type == elem
    assert [d.dim_param or d.dim_value for d in inp.type.tensor_type.shape.dim] == ["batch", 64]
    assert [d.dim_param or d.dim_value for d in out.type.tensor_type.shape.dim] == ["batch", 10]
    assert sorted(i.name for i in proto.graph.initializer) == ["dense/W", "dense/b", "dense_1/W", "dense_1/b"]
    assert proto.opset_import[0].version == tfo.DEFAULT_OPSET == 17
    assert proto.ir_version <= 8  # the oldest IR with opset 17: ONNX Runtime 1.17 reads it


def test_weights_are_the_models_values():
    model = article_network("float64")
    proto = tfo.to_onnx(model)
    weights = {i.name: onnx.numpy_helper.to_array(i) for i in proto.graph.initializer}
    np.testing.assert_array_equal(weights["dense_1/W"], model.layers[2].params["W"])
    np.testing.assert_array_equal(weights["dense/b"], model.layers[0].params["b"])


def test_dynamic_batch_runs_for_1_and_1000_rows():
    model = article_network()
    sess = tfo.session(model, threads=1)
    X = np.random.default_rng(0).normal(size=(1000, 64)).astype("float32")
    for rows in (X[:1], X):
        y = sess.run(["output"], {"input": rows})[0]
        assert y.shape == (len(rows), 10)
        np.testing.assert_allclose(y, model.predict(rows), rtol=1e-5, atol=1e-6)


def test_export_writes_a_file_onnx_loads_and_runtime_runs(tmp_path):
    model = article_network()
    path = tmp_path / "digits.onnx"
    model.export(path)
    proto = onnx.load(str(path))
    onnx.checker.check_model(proto, full_check=True)
    sess = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    X = np.ones((3, 64), "float32")
    np.testing.assert_allclose(sess.run(None, {"input": X})[0], model.predict(X), rtol=1e-5, atol=1e-6)
    assert os.listdir(tmp_path) == ["digits.onnx"]  # no temporary file left


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"filepath": "model.npz"}, ValueError, r"ONNX files only.*'\.onnx'.*model\.npz"),
        ({"filepath": "model.onnx", "format": "tf_saved_model"}, ValueError, r"only format is 'onnx'"),
        ({"filepath": "missing/model.onnx"}, ValueError, r"folder .* does not exist"),
        ({"filepath": 3}, TypeError, r"str or os.PathLike.*Received: 3"),
    ],
)
def test_export_refuses_what_it_cannot_write(tmp_path, monkeypatch, kwargs, error, match):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(error, match=match):
        article_network().export(**kwargs)
    assert os.listdir(tmp_path) == []


def test_a_layer_without_converter_is_named_and_nothing_is_written(tmp_path):
    model = Sequential([Dense(4, 3), Sigmoid(), NoExport(name="my_layer"), Dense(3, 2)], seed=0)
    message = r"Cannot export layer 2 \(my_layer: NoExport\) to ONNX: .*define to_onnx\(self, builder, x\) -> str"
    with pytest.raises(TypeError, match=message):
        model.export(tmp_path / "m.onnx")
    with pytest.raises(TypeError, match=message):
        tfo.to_onnx(model)
    assert os.listdir(tmp_path) == []


def test_a_subclass_of_a_builtin_layer_needs_its_own_to_onnx():
    class Doubled(Dense):
        def forward(self, x, training=False):
            return 2 * super().forward(x, training)

    with pytest.raises(TypeError, match=r"layer 0 \(doubled: Doubled\).*no converter for Doubled"):
        tfo.to_onnx(Sequential([Doubled(4, 3)], seed=0))


def test_a_custom_layer_exports_through_its_to_onnx_method():
    model = Sequential([Dense(4, 3), Scale(), Sigmoid()], dtype="float64", seed=0)
    model.layers[1].params["k"][...] = [0.5, -2.0, 3.0]
    proto = tfo.to_onnx(model)
    assert "scale/k" in {i.name for i in proto.graph.initializer}
    X = np.random.default_rng(1).normal(size=(6, 4))
    assert tfo.check(model, X) < 1e-14


def test_a_converter_must_return_a_tensor_name():
    class Bad(Scale):
        def to_onnx(self, builder, x):
            return None

    with pytest.raises(TypeError, match=r"layer 0 \(bad: Bad\).*must return the name of its output tensor"):
        tfo.to_onnx(Sequential([Input((3,)), Bad()], seed=0))


def test_unbuilt_model_and_bad_opset_are_refused():
    with pytest.raises(ValueError, match="not built"):
        tfo.to_onnx(Sequential([Dense(3)]))
    for opset in (16, 10_000, "17", True):
        with pytest.raises(ValueError, match=r"opset must be an int from 17"):
            tfo.to_onnx(article_network(), opset=opset)


@pytest.mark.parametrize("opset", [17, 18, 20])
def test_later_opsets_export_the_reductions_too(opset):
    model = Sequential([Input((6, 2)), Conv1D(3, 2), LayerNormalization(), GlobalAveragePooling1D(), Dense(2)], seed=0)
    X = np.random.default_rng(0).normal(size=(5, 6, 2))
    proto = tfo.to_onnx(model, opset=opset)
    assert proto.opset_import[0].version == opset
    assert tfo.check(model, X, opset=opset) < 1e-5


def test_embedding_model_takes_int64_indices_and_refuses_out_of_range():
    model = Sequential([Input((3,)), Embedding(10, 4), Flatten(), Dense(2)], seed=0)
    proto = tfo.to_onnx(model)
    assert proto.graph.input[0].type.tensor_type.elem_type == onnx.TensorProto.INT64
    X = np.array([[0, 9, 3], [1, 1, 2]])
    assert tfo.check(model, X) < 1e-6
    with pytest.raises(ValueError, match=r"indices must be whole numbers in \[0, 10\)"):
        tfo.run(model, np.array([[0, 10, 3]]))


def test_float64_records_the_operators_run_in_float32():
    model = Sequential([Input((6, 2)), Conv1D(3, 2), Flatten()], dtype="float64", seed=0)
    assert "Conv" in tfo.to_onnx(model).doc_string
    assert tfo.to_onnx(article_network("float64")).doc_string == ""


def test_export_without_onnx_is_a_clear_import_error(tmp_path):
    code = (
        "import sys; sys.modules['onnx'] = None\n"
        "import numpy as np, tinyframe\nfrom tinyframe.layers import Dense\n"
        "m = tinyframe.Sequential([Dense(3, 2)], seed=0); m.build((3,))\n"
        "try:\n    m.export('m.onnx')\nexcept ImportError as e:\n    print(e)\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=120
    )
    assert "pip install 'tinyframe[onnx]'" in done.stdout, done.stderr
    assert os.listdir(tmp_path) == []


def test_the_articles_digits_network_classifies_every_test_sample_alike():
    """Trained briefly (the article's network, init and split), exported: the same argmax on every test sample.

    Adam on batches of 32 reaches in 10 epochs what the article's 3000 full-batch steps reach, in a tenth of the time.
    """
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split
    from sklearn.preprocessing import StandardScaler

    from tinyframe.losses import SquaredError
    from tinyframe.optimizers import Adam

    digits = load_digits()
    X = StandardScaler().fit_transform(digits.data)
    X_train, X_test, y_train, y_test = train_test_split(X, digits.target, test_size=0.4, random_state=0)
    init = {"kernel_initializer": "random_sample", "bias_initializer": "random_sample"}
    model = Sequential([Dense(64, 30, **init), Sigmoid(), Dense(30, 10, **init), Sigmoid()], seed=0)
    model.compile(loss=SquaredError(), optimizer=Adam(0.01))
    model.fit(X_train, y_train, epochs=10, batch_size=32, verbose=0)
    labels, labels_onnx = model.predict(X_test).argmax(axis=1), tfo.run(model, X_test).argmax(axis=1)
    assert np.mean(labels == y_test) > 0.85  # it learnt, so the comparison means something
    np.testing.assert_array_equal(labels_onnx, labels)


def load_serve_example():
    import importlib.util

    spec = importlib.util.spec_from_file_location("serve_onnx", ROOT / "examples" / "serve_onnx.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_serve_example_prints_both_accuracies_and_times(capsys):
    results = load_serve_example().main(["--iterations", "200", "--calls", "20"])
    out = capsys.readouterr().out
    assert results["same_labels"] == 719 and results["tinyframe_accuracy"] == results["onnx_accuracy"]
    assert "test accuracy, tinyframe:" in out and "test accuracy, ONNX Runtime:" in out
    assert "time per single-sample prediction: tinyframe" in out


def test_serving_half_runs_with_tinyframe_unimportable(tmp_path):
    path = tmp_path / "digits.onnx"
    article_network().export(path)
    X = np.random.default_rng(0).normal(size=(5, 64))
    np.save(tmp_path / "X.npy", X)
    code = (
        "import sys, importlib.util, numpy as np\n"
        "sys.modules['tinyframe'] = None; sys.modules['sklearn'] = None  # importing either now fails\n"
        f"spec = importlib.util.spec_from_file_location('serve', {str(ROOT / 'examples' / 'serve_onnx.py')!r})\n"
        "serve = importlib.util.module_from_spec(spec); spec.loader.exec_module(serve)\n"
        f"labels, predict = serve.classify({str(path)!r}, np.load({str(tmp_path / 'X.npy')!r}))\n"
        "print(' '.join(map(str, labels)))\n"
        "assert not any(name.startswith('tinyframe') for name in sys.modules if sys.modules[name] is not None)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    expected = article_network().predict(X).argmax(axis=1)
    assert done.stdout.split() == [str(label) for label in expected]


# ------------------------------------------------------------ issue 26, items 6 and 7: export keeps save's promises
def article_model():
    return Sequential([Dense(4, 3), Sigmoid(), Dense(3, 2), Sigmoid()], dtype="float32", seed=0)


def test_export_through_a_symlink_writes_the_target_and_keeps_the_link(tmp_path):
    target, link = tmp_path / "real.onnx", tmp_path / "link.onnx"
    target.write_bytes(b"old")
    link.symlink_to(target)
    article_model().export(link)
    assert link.is_symlink() and os.readlink(link) == str(target)
    onnx.checker.check_model(onnx.load(str(target)))


def test_export_over_a_private_file_keeps_its_permission_bits(tmp_path):
    path = tmp_path / "m.onnx"
    path.write_bytes(b"old")
    path.chmod(0o600)
    article_model().export(path)
    assert (path.stat().st_mode & 0o777) == 0o600
    onnx.checker.check_model(onnx.load(str(path)))


def test_export_during_fit_in_another_thread_is_refused_as_save_is(tmp_path):
    import threading

    from tinyframe.callbacks import Callback

    started, release = threading.Event(), threading.Event()

    class Hold(Callback):
        def on_train_batch_end(self, batch, logs=None):
            started.set()
            release.wait(10)

    model = article_model()
    model.compile(optimizer="sgd")
    X, y = np.ones((8, 4), "float32"), np.ones((8, 2), "float32")
    worker = threading.Thread(target=lambda: model.fit(X, y, epochs=1, verbose=0, callbacks=[Hold()]))
    worker.start()
    try:
        assert started.wait(10)
        with pytest.raises(RuntimeError, match="fit"):
            model.export(tmp_path / "m.onnx")
        assert not (tmp_path / "m.onnx").exists()
    finally:
        release.set()
        worker.join()
