// A real browser for the page tests: Debian's Chromium (scripts/ensure-chromium.sh installs it)
// driven by playwright-core, which never downloads a browser of its own. Each session gets a
// fresh profile directory, removed when it closes, and saves screenshots under test-results/.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterEach } from 'vitest';
import { closeTestServers } from './gateway.js';

export const CHROMIUM = '/usr/bin/chromium';
export const SCREENSHOTS = resolve('test-results', 'browser');

export interface BrowserSession {
  context: BrowserContext;
  page: Page;
  /** Saves a full-page screenshot as test-results/browser/<name>.png. */
  screenshot(name: string): Promise<string>;
  close(): Promise<void>;
}

export async function openBrowser(): Promise<BrowserSession> {
  const profile = mkdtempSync(join(tmpdir(), 'payhook-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
    ],
    viewport: { width: 1280, height: 900 },
  });
  context.setDefaultTimeout(15_000);
  const page = context.pages()[0] ?? (await context.newPage());
  mkdirSync(SCREENSHOTS, { recursive: true });
  return {
    context,
    page,
    async screenshot(name) {
      const path = join(SCREENSHOTS, `${name}.png`);
      await page.screenshot({ path, fullPage: true });
      return path;
    },
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Waits until the element's text (trimmed) is `expected`: the live view updates without a reload. */
export async function waitForText(page: Page, selector: string, expected: string | RegExp, timeout = 15_000) {
  const pattern =
    typeof expected === 'string' ? `^${expected.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$` : expected.source;
  await page.waitForFunction(
    ([sel, source]) => {
      const el = document.querySelector(sel as string);
      return el !== null && new RegExp(source as string).test((el.textContent ?? '').trim());
    },
    [selector, pattern],
    { timeout },
  );
}

/**
 * A browser for each test of the file, closed after the test together with every gateway and
 * receiver it started (closeTestServers): call it once at the top of a file, then `await open()`.
 */
export function browserPerTest(): () => Promise<BrowserSession> {
  let session: BrowserSession | undefined;
  afterEach(async () => {
    await session?.close();
    session = undefined;
    await closeTestServers();
  });
  return async () => {
    session = await openBrowser();
    return session;
  };
}
