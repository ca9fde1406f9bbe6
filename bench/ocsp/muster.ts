// The driver's handle on bench/ocsp/server.ts: fork it, wait for its pre-signing, ask it for the revocation figure.
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { track } from './processes.ts';

export interface MusterServer {
  readonly child: ChildProcess;
  readonly port: number;
  readonly presignSeconds: number;
}

interface Reply {
  readonly type: 'ready' | 'revoked' | 'failed' | 'workers';
  readonly port?: number;
  readonly presignSeconds?: number;
  readonly ms?: number;
  readonly error?: string;
}

const script = fileURLToPath(new URL('./server.ts', import.meta.url));

function nextReply(child: ChildProcess): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const onExit = (code: number | null) => reject(new Error(`the muster OCSP server exited (${code}) before answering`));
    child.once('exit', onExit);
    child.once('message', (reply: Reply) => {
      child.off('exit', onExit);
      if (reply.type === 'failed') reject(new Error(`the muster OCSP server failed: ${reply.error}`));
      else resolve(reply);
    });
  });
}

/** Forks the server; resolves once every status is pre-signed and it listens on 127.0.0.1. */
export async function startMusterServer(dir: string, count: number): Promise<MusterServer> {
  const child = track(fork(script, [dir, String(count)], { execPath: process.execPath, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }));
  const reply = await nextReply(child);
  return { child, port: reply.port as number, presignSeconds: reply.presignSeconds as number };
}

/** Has the server answer OCSP from `count` worker threads on a new port (closing earlier ones); that port. */
export async function musterWorkers(server: MusterServer, count: number): Promise<number> {
  const reply = nextReply(server.child);
  server.child.send({ type: 'workers', count });
  return (await reply).port as number;
}

/** Has the server answer OCSP POST from a Hono route on the main thread, on a new port; that port. */
export async function musterHono(server: MusterServer): Promise<number> {
  const reply = nextReply(server.child);
  server.child.send({ type: 'hono' });
  return (await reply).port as number;
}

/** Milliseconds from setStatus(revoked) to the first 'revoked' answer, measured inside the server process. */
export async function revocationMs(server: MusterServer, serial: string, requestPath: string): Promise<number> {
  const reply = nextReply(server.child);
  server.child.send({ type: 'revoke', serial, requestPath });
  return (await reply).ms as number;
}
