import { existsSync, readFileSync } from 'node:fs';
import { stripTypeScriptTypes } from 'node:module';
import { fileURLToPath } from 'node:url';
import { Worker, type WorkerOptions } from 'node:worker_threads';
import { relativeImports } from './relative-imports.ts';

/**
 * Starts a worker thread on a TypeScript module without Node.js stripping types in that thread.
 *
 * Node.js strips types with a WebAssembly module that each thread loading a `.ts` file compiles for
 * itself, and frees when the thread ends. V8's bookkeeping of WebAssembly code pages (ThreadIsolation)
 * can fail a check when threads compile and free such code side by side, which aborts the whole process
 * (`Check failed: end > addr` in `ThreadIsolation::TryLookupJitPageLocked`, seen in a capture writer
 * thread under the chaos test; nodejs/node#64500 reports the same family). A gateway starts a writer thread
 * each time one ends, so this would put the process at risk every time. Here the starting thread strips
 * the module and everything it imports (once per process: the sources do not change while it runs), and
 * the new thread loads that JavaScript through a load hook; it never compiles WebAssembly.
 */
export function startStrippedThread(entry: URL, options: WorkerOptions & { name: string }): Worker {
  const modules = prepareStrippedThread(entry);
  // An ES module whatever the process's flags (eval'd code would follow --input-type).
  return new Worker(new URL(`data:text/javascript,${encodeURIComponent(BOOTSTRAP)}`), {
    ...options,
    workerData: { [THREAD_MODULES]: { entry: entry.href, modules }, ...options.workerData },
  });
}

/** The key of `workerData` that carries the stripped modules (the thread's own data sits beside it). */
const THREAD_MODULES = '__strippedModules';

/**
 * Runs in the new thread: every `.ts` module is loaded from the stripped sources; one that is missing
 * fails the import with its name rather than being stripped here.
 */
const BOOTSTRAP = `
import { registerHooks } from 'node:module';
import { workerData } from 'node:worker_threads';
const { entry, modules } = workerData[${JSON.stringify(THREAD_MODULES)}];
registerHooks({
  load(url, context, nextLoad) {
    if (!url.endsWith('.ts')) return nextLoad(url, context);
    const source = modules[url];
    if (source === undefined) throw new Error(url + ' was not prepared by the thread that started this one');
    return { format: 'module', source, shortCircuit: true };
  },
});
await import(entry);
`;

const graphs = new Map<string, Record<string, string>>();

/** The stripped sources of `entry` and every module it imports, by URL; prepared once per process. */
export function prepareStrippedThread(entry: URL): Record<string, string> {
  const cached = graphs.get(entry.href);
  if (cached) return cached;
  const modules: Record<string, string> = {};
  const pending = [entry.href];
  while (pending.length > 0) {
    const url = pending.pop()!;
    if (url in modules) continue;
    const path = fileURLToPath(url);
    // A specifier in a comment may name no file; the thread fails loudly if it really imports one.
    if (!existsSync(path)) continue;
    const source = readFileSync(path, 'utf8');
    modules[url] = stripQuietly(source, url);
    for (const { specifier, typeOnly } of relativeImports(source)) {
      if (!typeOnly && specifier.endsWith('.ts')) pending.push(new URL(specifier, url).href);
    }
  }
  graphs.set(entry.href, modules);
  return modules;
}

/**
 * `stripTypeScriptTypes` warns once per process that it is experimental; it strips exactly as Node.js
 * does when it loads a `.ts` file, which this whole program relies on already, so the warning is not
 * passed on. Any other warning is.
 */
function stripQuietly(source: string, url: string): string {
  const emitWarning = process.emitWarning;
  process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
    const text = typeof warning === 'string' ? warning : warning.message;
    if (text.includes('stripTypeScriptTypes')) return;
    (emitWarning as (...args: unknown[]) => void).call(process, warning, ...rest);
  }) as typeof process.emitWarning;
  try {
    return stripTypeScriptTypes(source, { mode: 'strip', sourceUrl: url });
  } finally {
    process.emitWarning = emitWarning;
  }
}
