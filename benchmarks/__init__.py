"""tinyframe's benchmark suite: side-by-side timings against hand-written NumPy, scikit-learn and PyTorch.

Run it from the repository root::

    python -m benchmarks            # every case, a few minutes on 2 cores
    python -m benchmarks --quick    # a smoke run of every path, seconds

Cases: `article` (the article's full-batch network), `minibatch` (the same with
batch 32), `large` (a 784-256-10 ReLU network on 200,000 synthetic rows, in
memory and memory-mapped), `onnx` (prediction latency against ONNX Runtime),
`mnist1d_cnn` (the MNIST-1D paper's CNN, steps/s), `conv2d` (a small MNIST
convnet, throughput and peak memory), `residual` (a residual MLP built with the
functional API, steps/s on 1 and 2 threads) and `transformer` (examples/char_transformer.py's
model at nanoGPT's "baby GPT" size, steps/s and characters/s on 1 and 2 threads). Programs live
in `benchmarks.programs`, one module each. ``python -m benchmarks.transformer_curves`` trains the
transformer case's two programs on Shakespeare and compares their learning curves.
"""
