import { resolve } from 'node:path';
import type { BuildOptions } from 'esbuild';
import { loadPipeline, loadServerlessStack } from './asl-loader.js';
import { LocalSetupError } from './errors.js';

/**
 * The esbuild options serverless-esbuild bundles a function with (serverless.yml `custom.esbuild`), for whatever
 * must measure or run the same bundle outside `serverless package` (bench/offers.bench.ts).
 */

// serverless-esbuild's own settings: they pick files and packaging, not how esbuild compiles.
const PLUGIN_ONLY = new Set([
  'exclude',
  'outputFileExtension',
  'packager',
  'packagerOptions',
  'concurrency',
  'zipConcurrency',
  'keepOutputDirectory',
  'nativeZip',
  'installExtraArgs',
  'watch',
  'skipBuild',
  'skipRebuild',
  'disposeContext',
  'stripEntryResolveExtensions',
  'outputWorkFolder',
  'outputBuildFolder',
]);

// esbuild options a serverless.yml may set; anything else is refused, so a new setting is never silently dropped.
const ESBUILD_OPTIONS = new Set([
  'bundle',
  'minify',
  'sourcemap',
  'target',
  'platform',
  'format',
  'mainFields',
  'alias',
  'banner',
  'footer',
  'external',
  'define',
  'keepNames',
  'treeShaking',
  'conditions',
  'loader',
  'tsconfig',
  'legalComments',
]);

/** Bundle options for one function, as serverless-esbuild passes them to esbuild (minus its packaging settings). */
export function lambdaBuildOptions(root: string, functionKey: string): BuildOptions {
  const stack = loadServerlessStack({ root });
  const fn = loadPipeline({ root }).functions[functionKey];
  if (!fn) throw new LocalSetupError(`serverless.yml has no function ${functionKey}`);
  const settings = stack.resolve((stack.serverless.custom as Record<string, unknown> | undefined)?.esbuild ?? {});
  if (typeof settings !== 'object' || settings === null || Array.isArray(settings)) {
    throw new LocalSetupError('serverless.yml custom.esbuild is not a mapping');
  }
  const options: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(settings)) {
    if (PLUGIN_ONLY.has(name)) continue;
    if (!ESBUILD_OPTIONS.has(name)) {
      throw new LocalSetupError(`serverless.yml custom.esbuild.${name}: not an option lambdaBuildOptions knows`);
    }
    options[name] = value;
  }
  // serverless-esbuild runs from the service folder, so a relative alias target is relative to it.
  if (options.alias && typeof options.alias === 'object') {
    options.alias = Object.fromEntries(
      Object.entries(options.alias as Record<string, string>).map(([from, to]) => [
        from,
        to.startsWith('.') ? resolve(root, to) : to,
      ]),
    );
  }
  return { ...(options as BuildOptions), entryPoints: [fn.modulePath] };
}
