// OpenSSL's side: DER requests made with `openssl ocsp -reqout`, its own index-file responder, and a verifying query.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { run, track } from './processes.ts';

/** A DER OCSPRequest (SHA-1 CertID, no nonce) for one serial of the issuing CA; returns its path. */
export async function makeRequest(dir: string, serial: string, name: string): Promise<string> {
  const out = join(dir, `${name}.der`);
  await run('openssl', ['ocsp', '-issuer', 'issuing.pem', '-serial', `0x${serial}`, '-reqout', out, '-no_nonce'], { cwd: dir });
  return out;
}

/** Resolves once openssl says it listens. (A bare connect-and-close probe would hang its one-at-a-time loop.) */
function listening(child: ChildProcess, timeoutMs: number): Promise<void> {
  let stderr = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`openssl ocsp did not start: ${stderr}`)), timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`openssl ocsp exited (${code}): ${stderr}`));
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      if (/waiting for OCSP client connections/.test(stderr)) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
}

/** `openssl ocsp -index index.txt -port PORT -rsigner resp.pem -rkey resp.key -CA issuing.pem`, serving until killed. */
export async function startOpensslResponder(dir: string, port: number, requests: number): Promise<ChildProcess> {
  const args = ['ocsp', '-index', 'index.txt', '-port', String(port), '-rsigner', 'resp.pem', '-rkey', 'resp.key', '-CA', 'issuing.pem', '-nrequest', String(requests), '-ndays', '1'];
  const child = track(spawn('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] }));
  await listening(child, 120_000);
  return child;
}

/** Asks a responder for one serial with `openssl ocsp` and verifies the answer; returns the status OpenSSL read. */
export async function query(dir: string, url: string, serial: string): Promise<string> {
  const args = ['ocsp', '-issuer', 'issuing.pem', '-serial', `0x${serial}`, '-url', url, '-CAfile', 'root.pem', '-verify_other', 'issuing.pem', '-no_nonce'];
  const { stdout, stderr } = await run('openssl', args, { cwd: dir, timeout: 10_000 });
  if (!/Response verify OK/.test(stderr + stdout)) throw new Error(`openssl could not verify ${url}'s answer:\n${stdout}${stderr}`);
  return new RegExp(`0x${serial}: (\\w+)`).exec(stdout)?.[1] ?? `unreadable: ${stdout}`;
}
