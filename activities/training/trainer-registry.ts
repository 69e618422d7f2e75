import { createBuiltinTrainer } from '../../adapters/trainers/builtin.ts';
import { createExternalCommandTrainer } from '../../adapters/trainers/external-command.ts';
import type { Trainer } from '../../adapters/trainers/trainer.ts';

/** The trainers a worker can use, by the name a cycle config gives in `training.trainer`. */
export type TrainerRegistry = Readonly<Record<string, Trainer>>;

/**
 * The built-in trainer always; an external one when FLYWHEEL_EXTERNAL_TRAINER holds its command line
 * (no shell: split on spaces) and FLYWHEEL_EXTERNAL_TRAINER_NAME its recorded name.
 */
export function trainersFromEnvironment(env: NodeJS.ProcessEnv = process.env): TrainerRegistry {
  const trainers: Record<string, Trainer> = { builtin: createBuiltinTrainer() };
  const command = env.FLYWHEEL_EXTERNAL_TRAINER?.trim();
  if (command) {
    trainers.external = createExternalCommandTrainer({
      name: env.FLYWHEEL_EXTERNAL_TRAINER_NAME ?? `external/${command.split(/\s+/)[0]}`,
      command: command.split(/\s+/),
    });
  }
  return trainers;
}
