// `npm run lint:template`: packages the ci stage if its inputs changed (scripts/package.mjs --if-needed), then
// runs cfn-lint (.cfnlintrc.yaml) on the packaged template. Prints one summary line; exits non-zero on any
// error or warning. Without cfn-lint on PATH it says so and exits 0 (exit 2 with --require).
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const require = process.argv.includes('--require');

const version = spawnSync('cfn-lint', ['--version'], { encoding: 'utf8' });
if (version.error || version.status !== 0) {
  console.log('lint:template skipped: cfn-lint is not on PATH (pip install cfn-lint to run it)');
  process.exit(require ? 2 : 0);
}

const packaged = spawnSync(process.execPath, ['scripts/package.mjs', 'ci', '--if-needed'], {
  cwd: root,
  stdio: ['ignore', 'ignore', 'inherit'],
});
if (packaged.status !== 0) process.exit(packaged.status ?? 1);

const lint = spawnSync('cfn-lint', ['--config-file', '.cfnlintrc.yaml', '--format', 'json'], {
  cwd: root,
  encoding: 'utf8',
  maxBuffer: 64 * 1024 * 1024,
});
let findings;
try {
  findings = JSON.parse(lint.stdout || '[]');
} catch {
  console.error(lint.stdout, lint.stderr);
  process.exit(1);
}
const count = (level) => findings.filter((f) => f.Level === level).length;
for (const f of findings) {
  const where = `${f.Filename}:${f.Location?.Start?.LineNumber ?? '?'}`;
  console.log(`${f.Rule.Id} ${f.Level} ${f.Message} (${where}, ${f.Location?.Path?.join('/') ?? ''})`);
}
const errors = count('Error');
const warnings = count('Warning');
console.log(
  `${version.stdout.trim()}: ${errors} errors, ${warnings} warnings, ${count('Informational')} informational on .serverless/cloudformation-template-update-stack.json`,
);
process.exit(errors + warnings > 0 ? 1 : 0);
