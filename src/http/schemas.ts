import { z } from '@hono/zod-openapi';

/** The one error body every failure answers with. */
export const ErrorBody = z
  .object({
    error: z.object({
      code: z.string().openapi({ example: 'MUSTER_ERR_NOT_FOUND' }),
      message: z.string(),
      details: z.array(
        z.object({
          message: z.string(),
          file: z.string().optional(),
          line: z.number().int().optional(),
          field: z.string().optional(),
          key: z.string().optional(),
          value: z.string().optional(),
        }),
      ),
    }),
  })
  .openapi('Error');

const errorResponse = (description: string) => ({ description, content: { 'application/json': { schema: ErrorBody } } });

/** Error responses a route may declare; `apiRoute` adds 400, 401 and 500 to every route. */
export const ERROR_RESPONSES = {
  400: errorResponse('The request is malformed; details name each field (MUSTER_ERR_VALIDATION)'),
  401: errorResponse('No valid API token was presented (MUSTER_ERR_UNAUTHENTICATED)'),
  403: errorResponse('The caller may not do this'),
  404: errorResponse('The named object does not exist (MUSTER_ERR_NOT_FOUND)'),
  409: errorResponse('The change conflicts with the current state'),
  422: errorResponse('The content is well-formed but cannot be applied'),
  500: errorResponse('An internal failure; the message is hidden, quote the x-correlation-id'),
  503: errorResponse('The store cannot be reached'),
} as const;

/** A 200-style JSON response of a route definition. */
export const jsonResponse = <S>(schema: S, description: string) => ({ description, content: { 'application/json': { schema } } });

/** 8-4-4-4-12 hex; looser than RFC 9562 so any id the store holds is accepted. */
export const Uuid = z.guid();

/** A query-string integer in [min, max]. */
export const queryInt = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
