import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: [
      'functions/**/*.test.ts',
      'model/**/*.test.ts',
      'local/**/*.test.ts',
      'cli/**/*.test.ts',
      'test/**/*.test.ts',
    ],
    // s3rver's paginated listings answer 500 without the legacy OpenSSL provider (measured on Node 20).
    execArgv: ['--openssl-legacy-provider'],
    // Handlers log through Powertools; tests that care inject their own logger, the rest would only be noise.
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', POWERTOOLS_LOG_LEVEL: 'SILENT' },
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
