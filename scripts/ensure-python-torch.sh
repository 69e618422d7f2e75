#!/usr/bin/env bash
# The PyTorch trainer example (examples/trainers/torch_bag_of_embeddings.py) and its tests run on
# Debian's python3-torch and python3-onnx under /usr/bin/python3; install them where missing and we may.
set -euo pipefail
if /usr/bin/python3 -c 'import torch, onnx' >/dev/null 2>&1; then exit 0; fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "flywheel setup: installing PyTorch and ONNX for Python (apt-get install python3-torch python3-onnx)" >&2
  apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-torch python3-onnx >&2
  exit 0
fi
echo "flywheel setup: /usr/bin/python3 cannot import torch and onnx: install them" \
  "(apt-get install -y python3-torch python3-onnx)" >&2
exit 1
