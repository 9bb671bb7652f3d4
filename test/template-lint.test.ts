import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// cfn-lint is a Python tool: CI's machine has it, a laptop with only Node may not. Without it this test says so
// in the output instead of failing; with it, any error or warning cfn-lint reports fails the suite.
const root = fileURLToPath(new URL('..', import.meta.url));
const hasCfnLint = spawnSync('cfn-lint', ['--version']).status === 0;
if (!hasCfnLint) {
  console.log(
    'SKIP packaged-template lint: cfn-lint is not on PATH (pip install cfn-lint, then npm run lint:template)',
  );
}

describe('packaged CloudFormation template', () => {
  it.runIf(hasCfnLint)(
    'passes cfn-lint with no error and no warning (npm run lint:template)',
    () => {
      const lint = spawnSync(process.execPath, ['scripts/lint-template.mjs', '--require'], {
        cwd: root,
        encoding: 'utf8',
      });
      expect(lint.status, `${lint.stdout}\n${lint.stderr}`).toBe(0);
      expect(lint.stdout).toMatch(/: 0 errors, 0 warnings/);
    },
    300_000,
  );
});
