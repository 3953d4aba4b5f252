import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import type pg from 'pg';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { Config } from '../../config/env.ts';
import { auth, stack, startTestServices, type TestWorkerOptions } from './services.ts';

/** Debian's chromium (CI installs it with apt); CHROMIUM_PATH points elsewhere. */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/** Where page screenshots go (kept by CI runs; ignored by git). */
export const ARTIFACTS_DIR = path.join(stack().projectDir, 'test', 'artifacts');

/** A listening console on the real services, and a headless browser to use it with. */
export interface ConsoleHarness {
  baseUrl: string;
  app: FastifyInstance;
  pool: pg.Pool;
  browser: Browser;
  /** A new API key of `role`. */
  keyFor: (role: 'admin' | 'marketer' | 'sales' | 'integration') => Promise<string>;
  /** A fresh browser page (1280 px wide, or 390 px for `mobile`), signed in with `key`. */
  signedInPage: (key: string, options?: { mobile?: boolean; lang?: 'ja' | 'en' }) => Promise<Page>;
  /** Saves a full-page screenshot as test/artifacts/<name>.png. */
  screenshot: (page: Page, name: string) => Promise<void>;
  /**
   * Screenshots the page as it is and at phone width (<base>-1280, <base>-390), then goes
   * back to 1280 px; answers how many pixels the page overflowed the phone's width by.
   */
  screenshotBothWidths: (page: Page, base: string) => Promise<number>;
  stop: () => Promise<void>;
}

/**
 * Starts a test file's services (fresh database, worker, API with the console) listening
 * on a loopback port, with the capture SMTP outbox, and launches Debian's chromium.
 */
export async function startConsoleHarness(
  options: { config?: Partial<Config>; workerOptions?: TestWorkerOptions } = {},
): Promise<ConsoleHarness> {
  const services = await startTestServices({
    config: { outboxDir: stack().outboxDir, ...options.config },
    ...(options.workerOptions ? { workerOptions: options.workerOptions } : {}),
  });
  const address = await services.app.listen({ port: 0, host: '127.0.0.1' });
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_FLAGS, headless: true });
  await mkdir(ARTIFACTS_DIR, { recursive: true });
  return {
    baseUrl: address,
    app: services.app,
    pool: services.pool,
    browser,
    keyFor: async (role) => {
      const res = await services.app.inject({
        method: 'POST',
        url: '/v1/api-keys',
        headers: auth,
        payload: { name: `e2e ${role}`, role },
      });
      return res.json<{ key: string }>().key;
    },
    signedInPage: async (key, pageOptions = {}) => {
      const context = await browser.newContext({
        baseURL: address,
        viewport: pageOptions.mobile ? { width: 390, height: 844 } : { width: 1280, height: 900 },
        locale: pageOptions.lang === 'en' ? 'en-US' : 'ja-JP',
      });
      const page = await context.newPage();
      await page.goto('/sign-in');
      await page.locator('#key').fill(key);
      await page.locator('#lang').selectOption(pageOptions.lang ?? 'ja');
      await Promise.all([
        page.waitForURL((url) => url.pathname === '/'),
        page.locator('form[action="/sign-in"] button[type="submit"]').click(),
      ]);
      return page;
    },
    screenshot: async (page, name) => {
      await page.screenshot({ path: path.join(ARTIFACTS_DIR, `${name}.png`), fullPage: true });
    },
    screenshotBothWidths: async (page, base) => {
      await page.screenshot({ path: path.join(ARTIFACTS_DIR, `${base}-1280.png`), fullPage: true });
      await page.setViewportSize({ width: 390, height: 844 });
      await page.screenshot({ path: path.join(ARTIFACTS_DIR, `${base}-390.png`), fullPage: true });
      const overflow = Number(await page.evaluate('document.documentElement.scrollWidth - window.innerWidth'));
      await page.setViewportSize({ width: 1280, height: 900 });
      return overflow;
    },
    stop: async () => {
      await browser.close();
      await services.stop();
    },
  };
}
