import type { LinearTextModel } from '../model/linear-model.ts';
import { ONNX_FORMAT, type OnnxManifest } from './onnx-manifest.ts';
import { ProtoWriter } from './protobuf-writer.ts';

/** onnx.proto's TensorProto.DataType values used here. */
const FLOAT = 1;
const INT64 = 7;
/** AttributeProto.AttributeType.INT */
const ATTRIBUTE_INT = 2;
/** Opset 13 is served by every ONNX Runtime since 1.6 and by Triton's ONNX backend. */
const OPSET = 13;
const IR_VERSION = 7;

export const LINEAR_GRAPH_INPUTS = { indices: 'indices', values: 'values' } as const;
export const LINEAR_GRAPH_OUTPUT = 'probabilities';

/**
 * The built-in classifier as a standard ONNX graph over one text's non-zero hashed slots:
 *   probabilities[1, C] = softmax(sum_i values[i] · W[indices[i], :] + b)
 * Gather picks the rows, so the graph never sees a dense 2^18 vector. The weights are the model's
 * float32 weights untouched; ONNX Runtime sums in float32 where the built-in sums in float64, which
 * moves a probability by about 1e-7.
 */
export function linearModelGraph(
  model: LinearTextModel,
  producerVersion: string,
  options: { output?: 'probabilities' | 'logits' } = {},
): Uint8Array {
  const classes = model.labels.length;
  const dimension = model.features.dimension;
  const holds = options.output ?? 'probabilities';
  const output = holds === 'logits' ? 'logits' : LINEAR_GRAPH_OUTPUT;
  const manifest = { ...linearModelManifest(model), output: { name: output, holds } };
  const model_ = new ProtoWriter()
    .int(1, IR_VERSION)
    .string(2, 'flywheel')
    .string(3, producerVersion)
    .message(7, (graph) => {
      node(graph, 'Gather', ['W', LINEAR_GRAPH_INPUTS.indices], ['rows'], { axis: 0 });
      node(graph, 'Unsqueeze', [LINEAR_GRAPH_INPUTS.values, 'column_axis'], ['column'], {});
      node(graph, 'Mul', ['rows', 'column'], ['weighted'], {});
      node(graph, 'ReduceSum', ['weighted', 'row_axis'], ['summed'], { keepdims: 1 });
      node(graph, 'Add', ['summed', 'b'], ['logits'], {});
      if (holds === 'probabilities') node(graph, 'Softmax', ['logits'], [output], { axis: 1 });
      graph.string(2, 'flywheel_linear_text_classifier');
      initializer(graph, 'W', FLOAT, [dimension, classes], floatBytes(model.weights));
      initializer(graph, 'b', FLOAT, [classes], floatBytes(model.bias));
      initializer(graph, 'column_axis', INT64, [1], int64Bytes([1]));
      initializer(graph, 'row_axis', INT64, [1], int64Bytes([0]));
      valueInfo(graph, 11, LINEAR_GRAPH_INPUTS.indices, INT64, ['n']);
      valueInfo(graph, 11, LINEAR_GRAPH_INPUTS.values, FLOAT, ['n']);
      valueInfo(graph, 12, output, FLOAT, [1, classes]);
    })
    .message(8, (opset) => opset.string(1, '').int(2, OPSET))
    // The manifest travels inside the graph too, so one .onnx file is enough to serve it elsewhere.
    .message(14, (entry) => entry.string(1, 'flywheel.manifest').string(2, JSON.stringify(manifest)));
  return model_.finish();
}

/** The manifest that serves linearModelGraph(model) exactly as the built-in serves the model. */
export function linearModelManifest(model: LinearTextModel): OnnxManifest {
  return {
    format: ONNX_FORMAT,
    labels: [...model.labels],
    output: { name: LINEAR_GRAPH_OUTPUT, holds: 'probabilities' },
    input: { kind: 'hashed-ngrams', features: model.features, ...LINEAR_GRAPH_INPUTS },
    trainer: 'flywheel export of the built-in classifier',
  };
}

function node(
  graph: ProtoWriter,
  opType: string,
  inputs: string[],
  outputs: string[],
  attributes: Record<string, number>,
): void {
  graph.message(1, (n) => {
    for (const input of inputs) n.string(1, input);
    for (const output of outputs) n.string(2, output);
    n.string(3, `${opType}_${outputs[0]}`);
    n.string(4, opType);
    for (const [name, value] of Object.entries(attributes)) {
      n.message(5, (a) => a.string(1, name).int(3, value).int(20, ATTRIBUTE_INT));
    }
  });
}

function initializer(graph: ProtoWriter, name: string, type: number, dims: number[], raw: Uint8Array): void {
  graph.message(5, (t) => {
    for (const dim of dims) t.int(1, dim);
    t.int(2, type).string(8, name).bytes(9, raw);
  });
}

function valueInfo(
  graph: ProtoWriter,
  field: 11 | 12,
  name: string,
  type: number,
  dims: Array<number | string>,
): void {
  graph.message(field, (v) => {
    v.string(1, name);
    v.message(2, (t) =>
      t.message(1, (tensor) => {
        tensor.int(1, type);
        tensor.message(2, (shape) => {
          for (const dim of dims) {
            shape.message(1, (d) => (typeof dim === 'number' ? d.int(1, dim) : d.string(2, dim)));
          }
        });
      }),
    );
  });
}

/** ONNX raw_data is little-endian whatever the host. */
function floatBytes(values: ArrayLike<number>): Uint8Array {
  const out = new Uint8Array(values.length * 4);
  const view = new DataView(out.buffer);
  for (let i = 0; i < values.length; i++) view.setFloat32(i * 4, values[i]!, true);
  return out;
}

function int64Bytes(values: number[]): Uint8Array {
  const out = new Uint8Array(values.length * 8);
  const view = new DataView(out.buffer);
  for (let i = 0; i < values.length; i++) view.setBigInt64(i * 8, BigInt(values[i]!), true);
  return out;
}
