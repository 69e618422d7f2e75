import { afterEach, describe, expect, it } from 'vitest';
import type { FlagProvider } from '../adapters/flags/flag-provider.ts';
import type { RolloutState } from '../core/rollout/rollout-state.ts';

const canary: RolloutState = {
  championVersion: 'mv-1',
  candidateVersion: 'mv-2',
  mode: 'canary',
  percent: 12.5,
};
const promoted: RolloutState = { championVersion: 'mv-2', candidateVersion: null, mode: 'off', percent: 0 };
const nothing: RolloutState = { championVersion: null, candidateVersion: null, mode: 'off', percent: 0 };

let models = 0;
/** A model name no earlier test used: a provider whose backing outlives a test starts clean anyway. */
const freshModel = () => `m${process.pid}-${Date.now().toString(36)}-${++models}`;

/**
 * The one behaviour every flag provider has. `open` opens another provider on the same backing (another
 * process's view: a worker and a gateway); a provider's reads must show its own writes at once.
 */
export function describeFlagProviderContract(name: string, open: () => Promise<FlagProvider>): void {
  describe(`${name} flag provider contract`, () => {
    const opened: FlagProvider[] = [];
    const provider = async () => {
      const flags = await open();
      opened.push(flags);
      return flags;
    };
    afterEach(async () => {
      for (const flags of opened.splice(0)) await flags.close();
    });

    it('reads an unknown model as champion-only with no version', async () => {
      expect(await (await provider()).read(freshModel())).toEqual(nothing);
    });

    it('shows a write by one process to another (worker and CLI)', async () => {
      const model = freshModel();
      const worker = await provider();
      const cli = await provider();
      expect(await worker.write(model, canary)).toEqual({ changed: true });
      expect(await cli.read(model)).toEqual(canary);
      expect(await cli.write(model, promoted)).toEqual({ changed: true });
      expect(await worker.read(model)).toEqual(promoted);
      expect(await worker.read(freshModel())).toEqual(nothing);
    });

    it('changes nothing when the state written is the state it has', async () => {
      const model = freshModel();
      const flags = await provider();
      await flags.write(model, canary);
      expect(await flags.write(model, { ...canary })).toEqual({ changed: false });
      expect(await (await provider()).write(model, { ...canary, percent: 25 })).toEqual({ changed: true });
      expect(await flags.read(model)).toEqual({ ...canary, percent: 25 });
    });

    it('keeps the flags of models apart, shadow included', async () => {
      const [spam, sentiment] = [freshModel(), freshModel()];
      const flags = await provider();
      await flags.write(spam, canary);
      await flags.write(sentiment, { ...canary, mode: 'shadow', percent: 0 });
      const other = await provider();
      expect(await other.read(spam)).toEqual(canary);
      expect(await other.read(sentiment)).toEqual({ ...canary, mode: 'shadow', percent: 0 });
    });

    it('refuses an invalid state or model name, saying what is wrong, and writes nothing', async () => {
      const model = freshModel();
      const flags = await provider();
      await expect(flags.write(model, { ...canary, percent: 140 })).rejects.toThrow(
        new RegExp(`invalid rollout state of ${model}.*percent`, 's'),
      );
      await expect(flags.write('Spam Model', canary)).rejects.toThrow(/invalid model name/);
      expect((await flags.read(model)).mode).toBe('off');
    });
  });
}
