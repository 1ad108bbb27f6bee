#!/usr/bin/env node
// Builds zfscope's native kernels (native/src, a Node-API addon on oneDNN) with node-gyp. Run by
// `npm install` and `npm run build:native`. Where it cannot build (no libdnnl-dev, no compiler),
// it says why in one line and exits 0: training then runs on the wasm kernels, only slower.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const addon = join(here, 'build', 'Release', 'zfscope_native.node');
const say = (line) => console.log(`zfscope: ${line}`);

if (/^(off|0|false)$/i.test(process.env.ZFSCOPE_NATIVE ?? '')) {
  say('native kernels not built (ZFSCOPE_NATIVE is off)');
  process.exit(0);
}

/** node-gyp: the one npm runs scripts with, else the one beside npm, else on PATH. */
function nodeGyp() {
  const candidates = [process.env.npm_config_node_gyp];
  if (process.env.npm_execpath) {
    candidates.push(join(dirname(process.env.npm_execpath), '..', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'));
  }
  candidates.push(
    join(
      dirname(process.execPath),
      '..',
      'lib',
      'node_modules',
      'npm',
      'node_modules',
      'node-gyp',
      'bin',
      'node-gyp.js',
    ),
  );
  const js = candidates.find((p) => p && existsSync(p));
  return js ? [process.execPath, [js]] : ['node-gyp', []];
}

/** The first line of a failed build that says what went wrong. */
function reason(output) {
  if (/dnnl\.hpp: No such file/.test(output))
    return "Debian's libdnnl-dev is not installed (apt-get install -y libdnnl-dev)";
  if (/cannot find -ldnnl/.test(output)) return "oneDNN's library is missing (apt-get install -y libdnnl-dev)";
  const lines = output.split('\n').filter((l) => !/^gyp (WARN|info)/.test(l));
  const line = lines.find((l) => /error:|not found|ENOENT|ERR! stack/i.test(l));
  return (line ?? output.trim().split('\n').pop() ?? 'unknown error').trim().slice(0, 300);
}

/** Node's own headers (Debian's nodejs ships them under /usr/include/node): no download needed. */
function nodedir() {
  if (process.env.npm_config_nodedir) return [];
  const prefix = dirname(dirname(process.execPath));
  return existsSync(join(prefix, 'include', 'node', 'node_api.h')) ? [`--nodedir=${prefix}`] : [];
}

const [cmd, pre] = nodeGyp();
const started = Date.now();
const r = spawnSync(cmd, [...pre, 'rebuild', '--directory', here, ...nodedir()], {
  encoding: 'utf8',
  env: process.env,
});
const output = `${r.stdout ?? ''}\n${r.stderr ?? ''}${r.error ? `\n${r.error.message}` : ''}`;
if (r.status !== 0 || !existsSync(addon)) {
  say(`native kernels not built: ${reason(output)}; training uses the wasm kernels`);
  process.exit(0);
}
try {
  const info = createRequire(import.meta.url)(addon).describe();
  say(`native kernels built in ${((Date.now() - started) / 1000).toFixed(1)} s (${info})`);
} catch (err) {
  say(`native kernels built but do not load: ${err.message.split('\n')[0]}; training uses the wasm kernels`);
}
