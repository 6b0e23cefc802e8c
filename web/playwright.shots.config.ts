// Screenshots of the main views for the README (docs/screenshots/): `npx playwright test -c playwright.shots.config.ts`.
import { defineConfig } from '@playwright/test';
import base from './playwright.config';

export default defineConfig({
  ...base,
  testDir: 'shots',
  testMatch: '**/*.shots.ts',
  workers: 1,
  use: { ...base.use, trace: 'off' },
});
