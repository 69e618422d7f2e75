#!/usr/bin/env python3
"""An external Flywheel trainer in plain Python (standard library only).

It speaks the protocol of adapters/trainers/README.md:

  python3 logistic_regression.py <manifest.json>

reads the manifest, trains a multinomial logistic regression by SGD on the same hashed word and
word-pair features as Flywheel's built-in model, prints JSON progress and checkpoint lines on stdout,
and writes a Flywheel classifier artifact plus result.json into the manifest's output folder. Because
the artifact is Flywheel's own format, the gateway serves a model trained here like any other.

Copy it as the starting point of your own trainer: keep `featurize` and `write_artifact`, replace
`train_epoch` with your learning code.

Params (all optional): epochs (5), learningRate (0.5), l2 (1e-6).
"""

import base64
import hashlib
import json
import math
import random
import re
import struct
import sys

MASK32 = 0xFFFFFFFF
# Flywheel's default token pattern, [\p{L}\p{N}]+|[$!], in Python's dialect: a run of letters or
# digits (\w without the underscore), or a "$" or "!" on its own.
DEFAULT_JS_PATTERN = "[\\p{L}\\p{N}]+|[$!]"
PYTHON_PATTERN = re.compile(r"[^\W_]+|[$!]")


def fnv1a(data):
    h = 0x811C9DC5
    for byte in data:
        h = ((h ^ byte) * 0x01000193) & MASK32
    return h


def mix32(h):
    h ^= h >> 16
    h = (h * 0x85EBCA6B) & MASK32
    h ^= h >> 13
    h = (h * 0xC2B2AE35) & MASK32
    h ^= h >> 16
    return h


class Featurizer:
    """Sparse features exactly as core/model/features.ts computes them."""

    def __init__(self, config):
        if config["tokenPattern"] != DEFAULT_JS_PATTERN:
            raise SystemExit(f"this example supports the default token pattern only, not {config['tokenPattern']!r}")
        self.config = config
        self.mask = config["dimension"] - 1
        self.cache = {}

    def token_hash(self, token):
        cached = self.cache.get(token)
        if cached is None:
            cached = mix32(fnv1a(token.encode("utf-8", "replace")))
            self.cache[token] = cached
        return cached

    def __call__(self, text):
        config = self.config
        if config["lowercase"]:
            text = text.lower()
        tokens = PYTHON_PATTERN.findall(text)[: config["maxTokens"]]
        counts = {}
        previous = None
        for token in tokens:
            h = self.token_hash(token)
            slot = h & self.mask
            counts[slot] = counts.get(slot, 0) + 1
            if config["ngrams"] == 2 and previous is not None:
                pair = mix32((previous * 31 + h) & MASK32) & self.mask
                counts[pair] = counts.get(pair, 0) + 1
            previous = h
        weighting = config["weighting"]
        values = {}
        for slot, count in counts.items():
            values[slot] = 1.0 if weighting == "binary" else float(count) if weighting == "tf" else 1.0 + math.log(count)
        norm = math.sqrt(sum(v * v for v in values.values()))
        return [(slot, v / norm) for slot, v in sorted(values.items())] if norm > 0 else []


def emit(event):
    print(json.dumps(event), flush=True)


def read_examples(path, labels):
    index = {label: k for k, label in enumerate(labels)}
    with open(path, encoding="utf-8") as lines:
        return [(row["text"], index[row["label"]]) for row in map(json.loads, lines) if row]


def softmax(scores):
    top = max(scores)
    exps = [math.exp(s - top) for s in scores]
    total = sum(exps)
    return [e / total for e in exps]


def scores_of(weights, bias, x):
    scores = list(bias)
    for slot, value in x:
        row = weights.get(slot)
        if row is not None:
            for k, w in enumerate(row):
                scores[k] += w * value
    return scores


def train_epoch(weights, bias, data, classes, params, rng):
    """One pass of SGD over the examples in a seeded order; L2 shrinks only the rows an example touches."""
    order = list(range(len(data)))
    rng.shuffle(order)
    rate, l2 = params["learningRate"], params["l2"]
    loss = 0.0
    for i in order:
        x, target = data[i]
        probs = softmax(scores_of(weights, bias, x))
        loss -= math.log(max(probs[target], 1e-300))
        probs[target] -= 1.0
        for slot, value in x:
            row = weights.setdefault(slot, [0.0] * classes)
            for k in range(classes):
                row[k] -= rate * (probs[k] * value + l2 * row[k])
        for k in range(classes):
            bias[k] -= rate * probs[k]
    return loss / max(len(data), 1)


def run_fingerprint(manifest, params):
    digest = hashlib.sha256()
    with open(manifest["trainPath"], "rb") as data:
        digest.update(data.read())
    digest.update(json.dumps([manifest["labels"], params, manifest["seed"], manifest["features"]], sort_keys=True).encode())
    return digest.hexdigest()


def f32(value):
    return struct.unpack("<f", struct.pack("<f", value))[0]


def write_artifact(path, manifest, params, weights, bias, metrics):
    """A Flywheel classifier artifact (core/model/artifact.ts): rows with a non-zero weight, float32."""
    classes = len(manifest["labels"])
    rows = sorted(slot for slot, row in weights.items() if any(f32(w) != 0 for w in row))
    document = {
        "format": manifest["artifactFormat"],
        "labels": manifest["labels"],
        "features": manifest["features"],
        "trainer": manifest["trainer"],
        "datasetId": manifest["datasetId"],
        "seed": manifest["seed"],
        "params": params,
        "metrics": metrics,
        "weights": {
            "rows": base64.b64encode(struct.pack(f"<{len(rows)}I", *rows)).decode(),
            "blocks": [
                base64.b64encode(struct.pack(f"<{len(rows) * classes}f", *(w for slot in rows for w in weights[slot]))).decode()
            ],
        },
        "bias": [f32(b) for b in bias],
    }
    with open(path, "w", encoding="utf-8") as out:
        json.dump(document, out)


def main():
    with open(sys.argv[-1], encoding="utf-8") as file:
        manifest = json.load(file)
    given = manifest["params"]
    params = {
        "epochs": int(given.get("epochs", 5)),
        "learningRate": float(given.get("learningRate", 0.5)),
        "l2": float(given.get("l2", 1e-6)),
    }
    labels = manifest["labels"]
    classes = len(labels)
    featurize = Featurizer(manifest["features"])
    train = [(featurize(text), target) for text, target in read_examples(manifest["trainPath"], labels)]
    holdout = [(featurize(text), target) for text, target in read_examples(manifest["holdoutPath"], labels)]
    fingerprint = run_fingerprint(manifest, params)

    weights, bias, start = {}, [0.0] * classes, 0
    if manifest["resumeFrom"]:
        with open(manifest["resumeFrom"], encoding="utf-8") as file:
            checkpoint = json.load(file)
        if checkpoint["fingerprint"] != fingerprint:
            raise SystemExit("the checkpoint to resume from belongs to another training run")
        weights = {int(slot): row for slot, row in checkpoint["weights"].items()}
        bias, start = checkpoint["bias"], checkpoint["epoch"]
        print(f"resuming after epoch {start}", file=sys.stderr)

    output = manifest["outputDir"]
    loss = None
    for epoch in range(start, params["epochs"]):
        # The order of an epoch depends on (seed, epoch) only, so a resumed run repeats it exactly.
        rng = random.Random(manifest["seed"] * 1_000_003 + epoch)
        loss = train_epoch(weights, bias, train, classes, params, rng)
        emit({"type": "progress", "epoch": epoch + 1, "of": params["epochs"], "loss": loss})
        name = f"checkpoint-{epoch + 1}.json"
        with open(f"{output}/{name}", "w", encoding="utf-8") as file:
            json.dump({"fingerprint": fingerprint, "epoch": epoch + 1, "weights": weights, "bias": bias}, file)
        emit({"type": "checkpoint", "epoch": epoch + 1, "path": name})

    # Accuracy with float32 weights, as Flywheel will load them.
    weights32 = {slot: [f32(w) for w in row] for slot, row in weights.items()}
    bias32 = [f32(b) for b in bias]
    right = 0
    for x, target in holdout:
        scores = scores_of(weights32, bias32, x)
        right += 1 if scores.index(max(scores)) == target else 0
    metrics = {"holdoutAccuracy": right / len(holdout) if holdout else 0.0}
    if loss is not None:
        metrics["trainLoss"] = loss
    write_artifact(f"{output}/model.json", manifest, params, weights, bias, metrics)
    with open(manifest["resultPath"], "w", encoding="utf-8") as file:
        json.dump(
            {"artifact": "model.json", "metrics": metrics, "params": params, "resumedFromEpoch": start or None}, file
        )


if __name__ == "__main__":
    main()
