import type { Logger } from 'pino';
import type { FlywheelStore } from '../adapters/store/store.ts';
import type { GatewayMetrics } from './metrics.ts';
import type { ModelCache } from './model-cache.ts';
import type { PredictionCapture } from './prediction-capture.ts';
import type { CanaryAssigner } from './routing.ts';
import type { ServingPlanCache } from './serving-plan-cache.ts';
import type { ShadowRunner } from './shadow-runner.ts';

/** What the routes share: built once by `createGateway`. */
export interface GatewayContext {
  store: FlywheelStore;
  plans: ServingPlanCache;
  /** Who is on a canary: the flag provider's answer where its service decides, else Flywheel's hash. */
  assignCanaryArm: CanaryAssigner;
  models: ModelCache;
  capture: PredictionCapture;
  /** False only when benchmarking the gateway without capture. */
  captureEnabled: boolean;
  shadows: ShadowRunner;
  /** How long feedback waits for a prediction another replica served to reach the store (ms of its age). */
  awaitPredictionMs: number;
  metrics: GatewayMetrics;
  log: Logger;
}
