import { defineConfig } from 'vitest/config'

// One runner for every layer: unit (pure), integration (real relay + real database), e2e (real
// Chromium). Suites that need Chromium, PostgreSQL or Redis run whenever those exist and fail —
// not skip — when CI=true and they are missing (see tests/helpers/env.ts).
export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    reporters: process.env.CI ? ['default'] : ['default'],
  },
})
