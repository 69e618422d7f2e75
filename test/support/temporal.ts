import { Client, Connection } from '@temporalio/client';
import type { DataConverter } from '@temporalio/common';
import { bundleWorkflowCode } from '@temporalio/worker';
import { inject } from 'vitest';
import { type RunningWorkers, startWorkers, type WorkerPlan } from '../../workers/run-workers.ts';
import { temporalLoggerFor } from '../../workers/temporal-logging.ts';
import { heldLogger } from './test-logs.ts';

/** A client on the run's shared dev server (see global-setup.ts). */
export async function testClient(): Promise<{ client: Client; connection: Connection }> {
  const connection = await Connection.connect({ address: inject('temporalAddress') });
  return { client: new Client({ connection, namespace: inject('temporalNamespace') }), connection };
}

/** Held per test and printed only for a failing one (see test-logs.ts). */
export const testLogger = heldLogger('test');

// The bundler reports every module at info; tests only want its warnings.
const quietBundlerLogger = temporalLoggerFor(testLogger);

const bundles = new Map<string, Promise<{ code: string }>>();

/** Bundles a workflows module once per test file (bundling takes seconds). */
export function workflowBundle(workflowsPath: string): Promise<{ code: string }> {
  let bundle = bundles.get(workflowsPath);
  if (!bundle) {
    bundle = bundleWorkflowCode({ workflowsPath, logger: quietBundlerLogger });
    bundles.set(workflowsPath, bundle);
  }
  return bundle;
}

/** Starts workers on the shared dev server on a task queue of the test's own. */
export async function testWorkers(
  plan: Omit<WorkerPlan, 'target' | 'logger' | 'workflowBundle'> & {
    workflowsPath: string;
    dataConverter?: DataConverter | undefined;
  },
): Promise<RunningWorkers> {
  const { dataConverter, ...rest } = plan;
  return startWorkers({
    ...rest,
    workflowBundle: await workflowBundle(plan.workflowsPath),
    target: {
      connectionOptions: { address: inject('temporalAddress') },
      namespace: inject('temporalNamespace'),
      dataConverter,
    },
    logger: testLogger,
  });
}
