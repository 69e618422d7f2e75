import { writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { checkModelName } from '../../client/flywheel-client.ts';
import { exportAsOnnx } from '../../core/onnx/export-model.ts';
import { CliError, EXIT } from '../cli-error.ts';
import { printResult } from '../table.ts';
import { withLocalDeps } from './local-deps.ts';

interface ExportOptions {
  version?: string;
  format: string;
  out: string;
  json?: boolean;
}

/** `flywheel models export`: a version as a standard ONNX graph plus its manifest, to serve anywhere. */
export function registerModelsExportCommand(models: Command): void {
  models
    .command('export <model>')
    .description('write a version (default: the champion) as a standard ONNX graph and its manifest')
    .option('--version <id>', 'the version to export (default: the champion)')
    .requiredOption('--format <format>', 'the export format: onnx')
    .requiredOption('--out <file.onnx>', 'where to write the graph; the manifest goes beside it')
    .option('--json', 'print JSON')
    .action(async (model: string, options: ExportOptions) => {
      checkModelName(model);
      if (options.format !== 'onnx') {
        throw new CliError(`unknown export format "${options.format}": the one format is onnx`, EXIT.usage);
      }
      const manifestPath = `${options.out.replace(/\.onnx$/, '')}.manifest.json`;
      const exported = await withLocalDeps(async ({ store, artifacts }) => {
        const versionId = options.version ?? (await store.models.alias(model, 'champion'));
        if (!versionId) {
          throw new CliError(`model ${model} has no champion: name a version with --version`, EXIT.notFound);
        }
        const version = await store.models.get(versionId);
        if (!version || version.model !== model) {
          throw new CliError(
            `model ${model} has no version ${versionId}: see \`flywheel models list ${model}\``,
            EXIT.notFound,
          );
        }
        return { versionId, ...exportAsOnnx(await artifacts.get(version.artifactSha256), 'flywheel') };
      });
      await writeFile(options.out, exported.graph);
      await writeFile(manifestPath, `${JSON.stringify(exported.manifest, null, 2)}\n`);
      const result = {
        model,
        version: exported.versionId,
        graph: options.out,
        manifest: manifestPath,
        bytes: exported.graph.length,
        inputs: exported.manifest.input,
        output: exported.manifest.output,
      };
      printResult(
        result,
        Boolean(options.json),
        () =>
          `${model} ${exported.versionId}: ONNX graph in ${options.out} (${exported.graph.length} bytes), manifest in ${manifestPath}`,
      );
    });
}
