#!/usr/bin/env python3
"""An external Flywheel trainer in PyTorch that returns an ONNX model.

It speaks the protocol of adapters/trainers/README.md:

  /usr/bin/python3 torch_bag_of_embeddings.py <manifest.json>

A bag of embeddings over Flywheel's hashed word and word-pair features (the same slots as the built-in
model, computed by logistic_regression.py's Featurizer): each slot has a small embedding, a text is the
weighted sum of its slots' embeddings, then a hidden layer and a softmax over the labels. Trained with
Adam in seeded mini-batches, checkpointed every epoch (resumable), exported with torch.onnx.export as
a graph that takes one text's non-zero slots (int64 "indices", float32 "values") and gives
"probabilities" [1, labels]. Flywheel loads the graph with its manifest, checks one against the other
and measures the model on the holdout itself.

Needs Debian's python3-torch and python3-onnx (`apt-get install -y python3-torch python3-onnx`).
Params (all optional): epochs (4), embedding (8), hidden (16), learningRate (0.01), batchSize (32).
"""

import hashlib
import json
import os
import sys
import time

import torch
from torch import nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from logistic_regression import Featurizer, emit, read_examples  # noqa: E402


class BagOfEmbeddings(nn.Module):
    def __init__(self, dimension, embedding, hidden, classes):
        super().__init__()
        # EmbeddingBag in "sum" mode with per-sample weights is exactly sum_i values[i] * E[indices[i]].
        # Sparse gradients: a step touches only the rows of its batch's slots, not all 2^18.
        self.bag = nn.EmbeddingBag(dimension, embedding, mode="sum", sparse=True)
        self.hidden = nn.Linear(embedding, hidden)
        self.out = nn.Linear(hidden, classes)

    def forward(self, indices, offsets, values):
        bag = self.bag(indices, offsets, per_sample_weights=values)
        return self.out(torch.relu(self.hidden(bag)))


class OneText(nn.Module):
    """The trained network on one text's slots, written with Gather and ReduceSum so any runtime serves it."""

    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, indices, values):
        rows = torch.index_select(self.model.bag.weight, 0, indices)
        bag = (rows * values.unsqueeze(1)).sum(dim=0, keepdim=True)
        logits = self.model.out(torch.relu(self.model.hidden(bag)))
        return torch.softmax(logits, dim=1)


def batches(data, order, size):
    for start in range(0, len(order), size):
        chosen = [data[i] for i in order[start : start + size]]
        indices, values, offsets = [], [], []
        for x, _ in chosen:
            offsets.append(len(indices))
            indices.extend(slot for slot, _ in x)
            values.extend(value for _, value in x)
        yield (
            torch.tensor(indices, dtype=torch.int64),
            torch.tensor(offsets, dtype=torch.int64),
            torch.tensor(values, dtype=torch.float32),
            torch.tensor([target for _, target in chosen], dtype=torch.int64),
        )


def run_fingerprint(manifest, params):
    digest = hashlib.sha256()
    with open(manifest["trainPath"], "rb") as data:
        digest.update(data.read())
    digest.update(json.dumps([manifest["labels"], params, manifest["seed"], manifest["features"]], sort_keys=True).encode())
    return digest.hexdigest()


def accuracy(model, data):
    if not data:
        return 0.0
    model.eval()
    right = 0
    with torch.no_grad():
        for indices, offsets, values, targets in batches(data, list(range(len(data))), 256):
            right += int((model(indices, offsets, values).argmax(dim=1) == targets).sum())
    model.train()
    return right / len(data)


def main():
    started = time.monotonic()
    with open(sys.argv[-1], encoding="utf-8") as file:
        manifest = json.load(file)
    given = manifest["params"]
    params = {
        "epochs": int(given.get("epochs", 4)),
        "embedding": int(given.get("embedding", 8)),
        "hidden": int(given.get("hidden", 16)),
        "learningRate": float(given.get("learningRate", 0.01)),
        "batchSize": int(given.get("batchSize", 32)),
    }
    labels = manifest["labels"]
    features = manifest["features"]
    featurize = Featurizer(features)
    train = [(featurize(text), target) for text, target in read_examples(manifest["trainPath"], labels)]
    holdout = [(featurize(text), target) for text, target in read_examples(manifest["holdoutPath"], labels)]
    fingerprint = run_fingerprint(manifest, params)

    torch.manual_seed(manifest["seed"])
    torch.set_num_threads(1)
    model = BagOfEmbeddings(features["dimension"], params["embedding"], params["hidden"], len(labels))
    optimizers = [
        torch.optim.SparseAdam(list(model.bag.parameters()), lr=params["learningRate"]),
        torch.optim.Adam(list(model.hidden.parameters()) + list(model.out.parameters()), lr=params["learningRate"]),
    ]
    start = 0
    if manifest["resumeFrom"]:
        checkpoint = torch.load(manifest["resumeFrom"])
        if checkpoint["fingerprint"] != fingerprint:
            raise SystemExit("the checkpoint to resume from belongs to another training run")
        model.load_state_dict(checkpoint["model"])
        for optimizer, state in zip(optimizers, checkpoint["optimizers"]):
            optimizer.load_state_dict(state)
        start = checkpoint["epoch"]
        print(f"resuming after epoch {start}", file=sys.stderr)

    output = manifest["outputDir"]
    loss_of = nn.CrossEntropyLoss()
    loss = None
    for epoch in range(start, params["epochs"]):
        # The order of an epoch depends on (seed, epoch) only, so a resumed run repeats it exactly.
        order = torch.randperm(len(train), generator=torch.Generator().manual_seed(manifest["seed"] * 1_000_003 + epoch))
        total, count = 0.0, 0
        for indices, offsets, values, targets in batches(train, order.tolist(), params["batchSize"]):
            for optimizer in optimizers:
                optimizer.zero_grad()
            step = loss_of(model(indices, offsets, values), targets)
            step.backward()
            for optimizer in optimizers:
                optimizer.step()
            total += float(step) * len(targets)
            count += len(targets)
        loss = total / max(count, 1)
        emit({"type": "progress", "epoch": epoch + 1, "of": params["epochs"], "loss": loss})
        name = f"checkpoint-{epoch + 1}.pt"
        torch.save(
            {"fingerprint": fingerprint, "epoch": epoch + 1, "model": model.state_dict(), "optimizers": [o.state_dict() for o in optimizers]},
            f"{output}/{name}",
        )
        emit({"type": "checkpoint", "epoch": epoch + 1, "path": name})

    model.eval()
    example = (torch.tensor([1, 2], dtype=torch.int64), torch.tensor([0.6, 0.8], dtype=torch.float32))
    torch.onnx.export(
        OneText(model),
        example,
        f"{output}/model.onnx",
        input_names=["indices", "values"],
        output_names=["probabilities"],
        dynamic_axes={"indices": {0: "n"}, "values": {0: "n"}},
        opset_version=13,
    )
    onnx_manifest = {
        "format": "onnx/v1",
        "labels": labels,
        "output": {"name": "probabilities", "holds": "probabilities"},
        "input": {"kind": "hashed-ngrams", "features": features, "indices": "indices", "values": "values"},
        "trainer": manifest["trainer"],
    }
    with open(f"{output}/model.manifest.json", "w", encoding="utf-8") as file:
        json.dump(onnx_manifest, file)
    metrics = {"holdoutAccuracy": accuracy(model, holdout), "trainSeconds": time.monotonic() - started}
    if loss is not None:
        metrics["trainLoss"] = loss
    with open(manifest["resultPath"], "w", encoding="utf-8") as file:
        json.dump(
            {
                "artifact": "model.onnx",
                "manifest": "model.manifest.json",
                "metrics": metrics,
                "params": params,
                "resumedFromEpoch": start or None,
            },
            file,
        )


if __name__ == "__main__":
    main()
