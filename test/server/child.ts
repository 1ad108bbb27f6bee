/** Spawning the server as a child process (to SIGKILL or SIGTERM it like a real one). */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const CHILD = fileURLToPath(new URL('./serve-child.ts', import.meta.url));

export interface ChildServer {
  proc: ChildProcess;
  url: string;
  port: number;
  output: () => string;
  exited: Promise<number | null>;
}

/** Starts `zfscope serve` with these flags and waits for it to print its URL. */
export async function spawnServer(flags: string[]): Promise<ChildServer> {
  const proc = spawn(process.execPath, ['--import', 'tsx', CHILD, ...flags], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout!.on('data', (d) => (out += d));
  proc.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));
  const deadline = Date.now() + 20_000;
  for (;;) {
    const m = out.match(/zfscope server: (http:\/\/[\d.]+:(\d+))/);
    if (m) return { proc, url: m[1]!, port: Number(m[2]), output: () => out, exited };
    if (proc.exitCode !== null || Date.now() > deadline) throw new Error(`server child did not start: ${out}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
