import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CONSOLE_PATH } from '../../runtime/console.ts';
import type { ConsoleContext } from '../env.ts';
import { type ConsoleRoute, openConsoleRoute } from '../route.ts';

/**
 * The console's static files, served by muster from the installed packages (no CDN): the U.S. Web Design System's
 * dist folder (css, js, fonts, img) and htmx's. Their addresses carry the package's version, so that a browser may
 * keep them a year (`immutable`): a new version is a new address.
 */

interface AssetPackage {
  readonly root: string;
  readonly version: string;
}

function packageDist(specifier: string, fromEntryToDist: string): string {
  return normalize(join(dirname(fileURLToPath(import.meta.resolve(specifier))), fromEntryToDist));
}

function versionOf(dist: string): string {
  return (JSON.parse(readFileSync(join(dist, '..', 'package.json'), 'utf8')) as { version: string }).version;
}

const USWDS_DIST = packageDist('@uswds/uswds', '../');
const HTMX_DIST = packageDist('htmx.org', './');

/** The packages the console serves, by the name in their address (versions read once, at start). */
const PACKAGES: Readonly<Record<string, AssetPackage>> = {
  uswds: { root: USWDS_DIST, version: versionOf(USWDS_DIST) },
  htmx: { root: HTMX_DIST, version: versionOf(HTMX_DIST) },
};

export const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.ttf': 'font/ttf',
};

export const ASSET_CACHE = 'public, max-age=31536000, immutable';
export const ASSETS_PATH = `${CONSOLE_PATH}/assets`;

/** The address of a file of a served package: `assetUrl('uswds', 'css/uswds.min.css')`. */
export function assetUrl(pkg: 'uswds' | 'htmx', file: string): string {
  return `${ASSETS_PATH}/${pkg}/${PACKAGES[pkg]?.version}/${file}`;
}

/** The file under a package's root that `rest` names, or undefined when it leaves the root or is of no served type. */
export function assetFile(root: string, rest: string): string | undefined {
  if (rest.includes('\0') || rest.includes('\\')) return undefined;
  const file = normalize(join(root, rest));
  if (!file.startsWith(root.endsWith(sep) ? root : `${root}${sep}`)) return undefined;
  if (!CONTENT_TYPES[extname(file)]) return undefined;
  return file;
}

async function serveAsset(c: ConsoleContext): Promise<Response> {
  const pkg = Object.hasOwn(PACKAGES, c.req.param('pkg') ?? '') ? PACKAGES[c.req.param('pkg') as string] : undefined;
  if (!pkg || c.req.param('version') !== pkg.version) return c.notFound();
  const prefix = `${ASSETS_PATH}/${c.req.param('pkg')}/${pkg.version}/`;
  const file = assetFile(pkg.root, decodeURIComponent(c.req.path.slice(prefix.length)));
  if (!file) return c.notFound();
  let body: Buffer;
  try {
    body = await readFile(file);
  } catch {
    return c.notFound();
  }
  c.header('content-type', CONTENT_TYPES[extname(file)] as string);
  c.header('cache-control', ASSET_CACHE);
  c.header('x-content-type-options', 'nosniff');
  return c.body(new Uint8Array(body));
}

/** `GET /console/assets/{package}/{version}/{file}`: open, like the sign-in page that needs them. */
export function assetRoutes(): Omit<ConsoleRoute, 'roles'>[] {
  return [openConsoleRoute({ method: 'get', path: `${ASSETS_PATH}/:pkg/:version/*`, handler: serveAsset })];
}
