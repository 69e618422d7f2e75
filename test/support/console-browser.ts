import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';

/** Where browser tests leave their screenshots (git-ignored). */
export const CONSOLE_OUTPUT = join(process.cwd(), 'test-output', 'console');

const CANDIDATES = [process.env.FLYWHEEL_CHROMIUM, '/usr/bin/chromium', '/usr/bin/chromium-browser'];

/** Debian's Chromium (scripts/ensure-chromium.sh installs it), driven by playwright-core. */
export async function launchChromium(): Promise<Browser> {
  const executablePath = CANDIDATES.find((path): path is string => Boolean(path && existsSync(path)));
  if (!executablePath) {
    throw new Error('Chromium not found: run scripts/ensure-chromium.sh or set FLYWHEEL_CHROMIUM');
  }
  mkdirSync(CONSOLE_OUTPUT, { recursive: true });
  // Chromium's sandbox refuses to run as root (CI containers).
  return chromium.launch({ executablePath, args: process.getuid?.() === 0 ? ['--no-sandbox'] : [] });
}

export async function signIn(page: Page, base: string, name: string, password: string, next = '/') {
  await page.goto(`${base}/sign-in?next=${encodeURIComponent(next)}`);
  await page.fill('input[name=name]', name);
  await page.fill('input[name=password]', password);
  await Promise.all([
    page.waitForURL((url) => !url.pathname.startsWith('/sign-in')),
    page.click('button[type=submit]'),
  ]);
}

export function screenshot(page: Page, name: string) {
  return page.screenshot({ path: join(CONSOLE_OUTPUT, `${name}.png`), fullPage: true });
}
