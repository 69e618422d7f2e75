import { builtinKind } from '../../core/model/builtin-kind.ts';
import { ModelKinds } from '../../core/model/model-kind.ts';
import { onnxKind } from './onnx-kind.ts';

/** Every kind this build serves: the gateway, trainers, gate and monitor all load models through it. */
export const modelKinds = new ModelKinds([builtinKind, onnxKind]);
