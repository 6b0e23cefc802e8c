// Browser benchmarks (not part of the test run): `npx playwright test -c playwright.bench.config.ts`.
// Chromium runs without the frame-rate limit and vsync, so a frame's interval is its real cost.
import { defineConfig } from '@playwright/test';
import base from './playwright.config';

export default defineConfig({
  ...base,
  testDir: 'bench',
  testMatch: '**/*.bench.ts',
  timeout: 600_000,
  workers: 1,
  use: {
    ...base.use,
    trace: 'off',
    launchOptions: {
      ...base.use?.launchOptions,
      args: [...(base.use?.launchOptions?.args ?? []), '--disable-frame-rate-limit', '--disable-gpu-vsync'],
    },
  },
});
