import { ARTIFACT_FORMAT, deserializeClassifier } from '../model/artifact.ts';
import { startsWith } from '../model/model-kind.ts';
import { linearModelGraph, linearModelManifest } from './linear-graph.ts';
import { isOnnxBundle, type OnnxManifest, unbundleOnnx } from './onnx-manifest.ts';

/**
 * Any registered version as a standalone `.onnx` graph and its manifest: the built-in classifier is
 * converted (linear-graph.ts), an ONNX version gives back the graph it was registered with.
 */
export function exportAsOnnx(
  artifact: Uint8Array,
  producerVersion: string,
): { graph: Uint8Array; manifest: OnnxManifest } {
  if (isOnnxBundle(artifact)) return unbundleOnnx(artifact);
  if (!startsWith(artifact, `{"format":"${ARTIFACT_FORMAT}"`)) {
    throw new Error('this version is of a model kind that has no ONNX export');
  }
  const { model } = deserializeClassifier(artifact);
  return { graph: linearModelGraph(model, producerVersion), manifest: linearModelManifest(model) };
}
