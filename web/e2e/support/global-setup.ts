// Starts one `pipeline-editor serve` (SQLite in a temporary folder, a free loopback port) for the whole run,
// with users made by the real command line: the first-run owner plus an editor and a viewer with passwords.
// Workers read the address and credentials from the environment.
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const PASSWORD = 'correct horse battery staple';

export function binaryPath(): string {
  const bin = process.env.PIPELINE_EDITOR_BIN ?? resolve(dirname(fileURLToPath(import.meta.url)), '../../../target/debug/pipeline-editor');
  if (!existsSync(bin)) throw new Error(`no pipeline-editor binary at ${bin} (cargo build -p pipeline-editor, or set PIPELINE_EDITOR_BIN)`);
  return bin;
}

export function createUser(bin: string, data: string, email: string, name: string, role: string) {
  execFileSync(bin, ['user', 'create', '--data', data, email, '--name', name, '--team', 'Local', '--role', role, '--password-stdin'], {
    input: `${PASSWORD}\n`,
    stdio: ['pipe', 'ignore', 'inherit'],
  });
}

/**
 * Starts `pipeline-editor serve` on `data` and resolves once it listens (a first run has printed its sign-in
 * link by then). Also used by tests that stop and start their own server (e2e/offline.spec.ts), `extra`
 * arguments for a local node (e2e/team-server.spec.ts).
 */
export async function startServer(bin: string, data: string, listen: string, extra: string[] = []): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(bin, ['serve', '--data', data, '--listen', listen, ...extra], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, RUST_LOG: process.env.RUST_LOG ?? 'warn' },
  });
  const url = await new Promise<string>((ok, fail) => {
    let out = '';
    const timer = setTimeout(() => fail(new Error(`serve did not start: ${out}`)), 30_000);
    child.stdout!.on('data', (b: Buffer) => {
      out += b.toString();
      const m = /running at (http:\/\/\S+?)\/?\s/.exec(out);
      if (m) {
        clearTimeout(timer);
        ok(m[1]);
      }
    });
    child.on('exit', (code) => fail(new Error(`serve exited with ${code}: ${out}`)));
  });
  child.stdout!.resume();
  return { child, url };
}

export default async function globalSetup() {
  const bin = binaryPath();
  const data = mkdtempSync(join(tmpdir(), 'pe-e2e-'));
  const { child, url } = await startServer(bin, data, '127.0.0.1:0');
  createUser(bin, data, 'owner2@example.com', 'Olive Owner', 'owner');
  createUser(bin, data, 'editor@example.com', 'Eddie Editor', 'member');
  createUser(bin, data, 'viewer@example.com', 'Vera Viewer', 'viewer');
  process.env.PE_URL = url;
  process.env.PE_DATA = data;
  return async () => {
    child.kill('SIGTERM');
    await new Promise((r) => { child.on('exit', r); setTimeout(r, 5000); });
    rmSync(data, { recursive: true, force: true });
  };
}
