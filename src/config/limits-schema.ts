import { z } from 'zod';

const ms = (min: number, max: number, fallback: number, what: string) => z.number().int().min(min).max(max).default(fallback).describe(what);

/** A token bucket: `perSecond` tokens refill each second up to `burst`; 0 per second turns the limit off. */
const bucket = (perSecond: number, burst: number, who: string) =>
  z.strictObject({
    perSecond: z.number().min(0).max(1_000_000).default(perSecond).describe(`requests a second one ${who} may keep making (0: no limit)`),
    burst: z.number().int().min(1).max(10_000_000).default(burst).describe(`requests one ${who} may make at once before the rate applies`),
  });

const rate = z.strictObject({
  perAddress: bucket(200, 2000, 'client address').prefault({}),
  perToken: bucket(200, 2000, 'bearer token').prefault({}),
  maxTracked: z.number().int().min(100).max(10_000_000).default(100_000).describe('addresses and tokens remembered per limit (the least recently seen forgotten first)'),
});

const refusals = z.strictObject({
  windowSeconds: z.number().int().min(1).max(3600).default(60).describe('refusals from one source past the first few are audited as one entry per window'),
  writtenAtOnce: z.number().int().min(1).max(1000).default(20).describe('refusals of one source audited one by one at the start of each window, before the rest are counted'),
  samples: z.number().int().min(1).max(50).default(5).describe('refused requests described in each aggregate entry'),
  maxSources: z.number().int().min(10).max(1_000_000).default(10_000).describe('sources tracked at once; further ones are counted under one overflow source'),
});

/** Limits of every listener muster opens (the HTTP API and OP, mutual TLS, and the PKI listener when it has its own). */
export const limitsSchema = z
  .strictObject({
    headersTimeoutMs: ms(1000, 600_000, 10_000, 'a connection whose request headers are not complete this long after it started is closed (408)'),
    requestTimeoutMs: ms(1000, 3_600_000, 120_000, 'a request whose body is not received whole this long after it started is closed (408)'),
    keepAliveTimeoutMs: ms(100, 600_000, 65_000, "an idle keep-alive connection is closed after this long; above a load balancer's idle timeout"),
    idleTimeoutMs: ms(1000, 3_600_000, 120_000, 'a connection with no traffic in either direction this long is closed'),
    checkIntervalMs: ms(100, 60_000, 1000, 'how often the header and request timeouts are checked'),
    maxHeadersCount: z.number().int().min(10).max(10_000).default(100).describe('request header lines read; further ones are ignored'),
    maxHeaderBytes: z
      .number()
      .int()
      .min(1024)
      .max(1024 * 1024)
      .default(16 * 1024)
      .describe('largest request head (line and headers); larger gets 431'),
    maxConnections: z.number().int().min(1).max(1_000_000).default(10_000).describe('open connections per listener; further ones are closed at once'),
    maxConnectionsPerAddress: z.number().int().min(1).max(1_000_000).default(256).describe('open connections per client address per listener; further ones are closed at once'),
    rate: rate.prefault({}),
    refusals: refusals.prefault({}),
  })
  .refine((l) => l.headersTimeoutMs <= l.requestTimeoutMs, { message: 'headersTimeoutMs may not exceed requestTimeoutMs', path: ['headersTimeoutMs'] })
  .refine((l) => l.keepAliveTimeoutMs <= l.idleTimeoutMs, { message: 'keepAliveTimeoutMs may not exceed idleTimeoutMs', path: ['keepAliveTimeoutMs'] });

export type ListenerLimits = z.infer<typeof limitsSchema>;
export type RateLimits = ListenerLimits['rate'];
export type RefusalLimits = ListenerLimits['refusals'];

/** Where the OCSP responder and the CRLs get a listener of their own. */
export const pkiListenSchema = z.strictObject({
  host: z.string().min(1).default('127.0.0.1').describe('address of the PKI listener'),
  port: z.number().int().min(0).max(65535).describe('port of the PKI listener (0 picks a free one)'),
});
