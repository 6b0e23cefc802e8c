// A server of a test's own (not the shared one of global-setup.ts), which the test can stop and start again on
// the same address and data: offline for real.
import type { ChildProcess } from 'node:child_process';
import { binaryPath, startServer } from './global-setup';

export class OwnServer {
  private child: ChildProcess | null = null;
  url = '';
  /** `extra`: more `serve` arguments (a local node's `--sync-to URL --token TOKEN`). */
  constructor(private data: string, private extra: string[] = []) {}
  async start(listen = '127.0.0.1:0') {
    const s = await startServer(binaryPath(), this.data, listen, this.extra);
    this.child = s.child;
    this.url = s.url;
  }
  get listen() {
    return new URL(this.url).host;
  }
  async stop() {
    const c = this.child;
    this.child = null;
    if (!c || c.exitCode !== null) return;
    const exited = new Promise((r) => c.on('exit', r));
    c.kill('SIGTERM');
    await exited;
  }
}
