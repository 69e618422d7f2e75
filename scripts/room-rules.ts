import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { relativeImports } from '../gateway/relative-imports.ts';

/**
 * Which rooms (top-level folders) each room may import from: the table of README "Project layout", checked. A room
 * always may import itself; npm packages and Node built-ins are not rooms. `typeOnly` rooms may be
 * imported with `import type` only (workflows see activities' signatures, never their code).
 */
export const ROOM_RULES: Record<string, { may: string[]; typeOnly?: string[] }> = {
  core: { may: [] },
  adapters: { may: ['core'] },
  activities: { may: ['core', 'adapters'] },
  workflows: { may: ['core'], typeOnly: ['activities'] },
  client: { may: ['core', 'workflows'] },
  workers: { may: ['core', 'adapters', 'activities', 'workflows', 'client'] },
  gateway: { may: ['core', 'adapters', 'client'] },
  console: { may: ['core', 'adapters', 'client', 'workflows'] },
  cli: { may: ['core', 'adapters', 'activities', 'workflows', 'client', 'workers', 'gateway', 'console'] },
};

export interface RoomViolation {
  file: string;
  imports: string;
  rule: string;
}

const PROJECT_ROOT = normalize(join(dirname(fileURLToPath(import.meta.url)), '..'));

/**
 * Every import across rooms that the table does not allow. Unit tests beside the logic (`*.test.ts`) are
 * tests: like test/ they may import anything (e.g. the worker's way of opening the stores).
 */
export function roomViolations(root: string = PROJECT_ROOT): RoomViolation[] {
  const violations: RoomViolation[] = [];
  for (const room of Object.keys(ROOM_RULES)) {
    if (!existsSync(join(root, room))) continue;
    for (const file of sourceFiles(join(root, room)).filter((path) => !path.endsWith('.test.ts'))) {
      const text = readFileSync(file, 'utf8');
      for (const { specifier, typeOnly } of relativeImports(text)) {
        const target = relative(root, normalize(join(dirname(file), specifier))).split(sep)[0]!;
        if (target === room || !(target in ROOM_RULES)) continue;
        const rule = ROOM_RULES[room]!;
        if (rule.may.includes(target)) continue;
        if (typeOnly && rule.typeOnly?.includes(target)) continue;
        violations.push({
          file: relative(root, file),
          imports: specifier,
          rule: `${room}/ may import ${[...rule.may, ...(rule.typeOnly ?? []).map((r) => `${r} (types)`)].join(', ') || 'only itself'}`,
        });
      }
    }
  }
  return violations;
}

function sourceFiles(folder: string): string[] {
  const files: string[] = [];
  for (const entry of readdirSync(folder, { withFileTypes: true })) {
    const path = join(folder, entry.name);
    if (entry.isDirectory() && entry.name !== 'node_modules') files.push(...sourceFiles(path));
    else if (entry.isFile() && /\.(ts|js)$/.test(entry.name) && !entry.name.endsWith('.d.ts'))
      files.push(path);
  }
  return files;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const violations = roomViolations();
  for (const v of violations) process.stderr.write(`${v.file}: imports ${v.imports} (${v.rule})\n`);
  process.exitCode = violations.length === 0 ? 0 : 1;
}
