import { z } from '@hono/zod-openapi';
import type { RouteModule } from '../env.ts';
import { apiRoute } from '../route.ts';

const Source = z
  .object({
    name: z.string(),
    kind: z.string(),
    authoritative: z.array(z.string()).openapi({ description: 'CDM objects or single attributes this source may change' }),
    mayCreate: z.boolean(),
  })
  .openapi('Source');

const list = apiRoute({
  method: 'get',
  path: '/api/sources',
  roles: ['source-admin', 'registrar', 'auditor'],
  tags: ['sources'],
  summary: 'The configured authoritative-source registry',
  responses: { 200: { description: 'Every configured source, by name', content: { 'application/json': { schema: z.object({ items: z.array(Source) }) } } } },
});

export const sourceRoutes: RouteModule = (app, ctx) => {
  const items = Object.entries(ctx.config.sources)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, s]) => ({ name, kind: s.kind, authoritative: [...s.authoritative], mayCreate: s.mayCreate }));
  app.openapi(list, (c) => c.json({ items }, 200));
};
