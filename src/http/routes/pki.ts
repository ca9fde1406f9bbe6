import { z } from '@hono/zod-openapi';
import { getCertificate } from '../../credentials/queries.ts';
import { latestCrl } from '../../pki/store/crl-store.ts';
import type { Queryable } from '../../store/store.ts';
import { PKI_PATHS, pkiUrls, revocationUrls } from '../../runtime/pki.ts';
import type { RouteModule } from '../env.ts';
import { apiRoute, publicRoute } from '../route.ts';
import { ERROR_RESPONSES, jsonResponse } from '../schemas.ts';
import { Certificate } from './credential-schemas.ts';

const der = (type: string, description: string) => ({ description, content: { [type]: { schema: z.string().openapi({ format: 'binary' }) } } });

const rootCert = publicRoute({ method: 'get', path: PKI_PATHS.root, tags: ['pki'], summary: 'The root CA certificate (DER)', responses: { 200: der('application/pkix-cert', 'DER certificate') } });
const issuingCert = publicRoute({
  method: 'get',
  path: PKI_PATHS.issuing,
  tags: ['pki'],
  summary: 'The issuing CA certificate (DER): the caIssuers of every leaf',
  responses: { 200: der('application/pkix-cert', 'DER certificate') },
});
const crl = publicRoute({
  method: 'get',
  path: PKI_PATHS.crl,
  tags: ['pki'],
  summary: 'The newest CRL of the issuing CA (DER): the CRL distribution point of every leaf',
  responses: { 200: der('application/pkix-crl', 'DER CRL'), 503: ERROR_RESPONSES[503] },
});

const rootCrl = publicRoute({
  method: 'get',
  path: PKI_PATHS.rootCrl,
  tags: ['pki'],
  summary: 'The newest CRL of the root CA (DER): the CRL distribution point of the issuing CA certificate',
  responses: { 200: der('application/pkix-crl', 'DER CRL'), 503: ERROR_RESPONSES[503] },
});

const Ca = z
  .object({
    root: z.object({ subject: z.string(), notAfter: z.string(), pem: z.string() }),
    issuing: z.object({ subject: z.string(), notAfter: z.string(), pem: z.string() }),
    responder: z.object({ subject: z.string(), notAfter: z.string(), pem: z.string() }),
    crl: z.object({ number: z.number(), thisUpdate: z.string(), nextUpdate: z.string(), revoked: z.number() }).nullable(),
    urls: z.object({ caIssuers: z.string(), ocsp: z.string(), crl: z.string(), rootCrl: z.string() }),
  })
  .openapi('CertificateAuthority');
const caInfo = apiRoute({
  method: 'get',
  path: '/api/ca',
  roles: ['ca-operator', 'issuer', 'security-officer', 'auditor'],
  tags: ['pki'],
  summary: 'The CA: root, issuing CA, OCSP responder, newest CRL and the published URLs',
  responses: { 200: jsonResponse(Ca, 'The CA') },
});
const certificate = apiRoute({
  method: 'get',
  path: '/api/certificates/{serial}',
  roles: ['ca-operator', 'issuer', 'security-officer', 'helpdesk', 'auditor'],
  tags: ['pki'],
  summary: 'One issued certificate with its status',
  request: { params: z.object({ serial: z.string().regex(/^[0-9a-fA-F]{1,40}$/) }) },
  responses: { 200: jsonResponse(z.object({ certificate: Certificate }), 'The certificate'), 404: ERROR_RESPONSES[404] },
});

const CACHE = { 'cache-control': 'public, max-age=300' };

/** The newest CRL of an issuer as DER, or 503 before the first is published. */
async function newestCrl(db: Queryable, issuer: string): Promise<Response> {
  const latest = await latestCrl(db, issuer);
  if (!latest) return Response.json({ error: { code: 'MUSTER_ERR_STORE', message: 'no CRL has been published yet', details: [] } }, { status: 503 });
  const headers = { 'content-type': 'application/pkix-crl', 'cache-control': 'no-cache', 'last-modified': latest.thisUpdate.toUTCString(), expires: latest.nextUpdate.toUTCString() };
  return new Response(latest.der.slice(), { status: 200, headers });
}

export const pkiRoutes: RouteModule = (app, ctx) => {
  app.openapi(rootCert, async (c) => c.body(new Uint8Array((await ctx.ca()).root.certificate.rawData), 200, { 'content-type': 'application/pkix-cert', ...CACHE }) as never);
  app.openapi(issuingCert, async (c) => c.body(new Uint8Array((await ctx.ca()).issuing.certificate.rawData), 200, { 'content-type': 'application/pkix-cert', ...CACHE }) as never);
  app.openapi(crl, async () => newestCrl(ctx.store, (await ctx.ca()).issuing.name) as never);
  app.openapi(rootCrl, async () => newestCrl(ctx.store, (await ctx.ca()).root.name) as never);
  app.openapi(caInfo, async (c) => {
    const ca = await ctx.ca();
    const view = (cert: typeof ca.root.certificate) => ({ subject: cert.subject, notAfter: cert.notAfter.toISOString(), pem: `${cert.toString('pem')}\n` });
    const latest = await latestCrl(ctx.store, ca.issuing.name);
    const crlView = latest ? { number: latest.number, thisUpdate: latest.thisUpdate.toISOString(), nextUpdate: latest.nextUpdate.toISOString(), revoked: latest.revoked } : null;
    return c.json(
      {
        root: view(ca.root.certificate),
        issuing: view(ca.issuing.certificate),
        responder: view(ca.responder.certificate),
        crl: crlView,
        urls: { ...revocationUrls(ctx.config), rootCrl: pkiUrls(ctx.config).rootCrl },
      },
      200,
    );
  });
  app.openapi(certificate, async (c) => c.json({ certificate: await getCertificate(ctx.store, c.req.valid('param').serial) }, 200));
};
