import { isIP } from 'node:net';
import { z } from 'zod';

/** Why `range` is not an address or CIDR range (`10.0.0.0/8`, `::1`, `fd00::/8`), or undefined. */
export function cidrProblem(range: string): string | undefined {
  const [address = '', prefix, extra] = range.split('/');
  const family = isIP(address);
  if (family === 0 || extra !== undefined) return 'is not an IP address or CIDR range (address/prefix)';
  if (prefix === undefined) return undefined;
  const bits = Number(prefix);
  return /^\d{1,3}$/.test(prefix) && bits <= (family === 4 ? 32 : 128) ? undefined : `has a prefix length outside 0–${family === 4 ? 32 : 128}`;
}

/** An address or CIDR range, checked. */
export const cidrRange = z.string().superRefine((range, ctx) => {
  const problem = cidrProblem(range);
  if (problem) ctx.addIssue({ code: 'custom', message: `'${range}' ${problem}` });
});

/** server.tls: the main listener's certificate (PEM, its chain after it) and key; without it the listener is plain HTTP. */
export const serverTlsSchema = z.strictObject({
  certificateFile: z.string().min(1).describe('PEM certificate of the main listener, followed by its chain'),
  keyFile: z.string().min(1).describe('PEM private key of that certificate'),
});
