import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { CONSOLE_PATH } from '../runtime/console.ts';
import { type ConsoleRoute, openConsoleRoute } from './route.ts';

/**
 * The console's scripts, served from its own origin (the CSP allows scripts from nowhere else, and none inline): the
 * WebAuthn browser helper of @simplewebauthn/browser, and the page script of the FIDO2 binding. Read once, at start.
 */
export const STATIC_PATH = `${CONSOLE_PATH}/static`;

const require = createRequire(import.meta.url);
const FILES: Readonly<Record<string, () => string>> = {
  // the package exports only its modules: its browser bundle is found beside the CommonJS entry (script/index.js)
  'simplewebauthn-browser.js': () => readFileSync(join(dirname(require.resolve('@simplewebauthn/browser')), '..', 'dist', 'bundle', 'index.umd.min.js'), 'utf8'),
  'derived-fido2.js': () => readFileSync(new URL('./self/derived-fido2.js', import.meta.url), 'utf8'),
};

export function staticRoutes(): Omit<ConsoleRoute, 'roles'>[] {
  return Object.entries(FILES).map(([name, read]) => {
    const body = read();
    return openConsoleRoute({
      method: 'get',
      path: `${STATIC_PATH}/${name}`,
      handler: (c) => c.body(body, 200, { 'content-type': 'text/javascript; charset=utf-8' }),
    });
  });
}
