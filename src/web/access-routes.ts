import { MusterError } from '../core/errors.ts';
import type { ActivationService } from '../governance/index.ts';
import { CONSOLE_PATH } from '../runtime/console.ts';
import { type ConsoleContext, operatorOf } from './env.ts';
import { messagePage } from './pages.ts';
import { type ConsoleRoute, consoleRoute } from './route.ts';
import { EVERY_ROLE } from './roles.ts';

const REQUEST_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Just-in-time activation from the console: the operator's session must come from a fresh AAL3 sign-in at muster's
 * OP (`governance.requests.jitFreshSeconds`); otherwise the page says to sign in again (audited).
 */
export function accessRoutes(activation: () => ActivationService | undefined): ConsoleRoute[] {
  return [
    consoleRoute({
      method: 'post',
      path: `${CONSOLE_PATH}/access/activate`,
      roles: EVERY_ROLE,
      handler: async (c: ConsoleContext) => {
        const operator = operatorOf(c);
        const service = activation();
        if (!service) return c.html(messagePage('Not available', 'Just-in-time activation is not available here.'), 503);
        const form = await c.req.parseBody();
        const requestId = String(form.request ?? '');
        if (!REQUEST_ID.test(requestId)) return c.html(messagePage('Refused', 'Name the access request to activate.'), 400);
        try {
          const done = await service.fromConsole(
            requestId,
            { acr: operator.acr, authTime: operator.authTime },
            { identityId: operator.identityId, actor: operator.actor, correlationId: c.get('correlationId') },
          );
          return c.html(messagePage('Activated', `${done.item} is active until ${done.activeUntil}.`), 200);
        } catch (error) {
          if (!(error instanceof MusterError) || error.status >= 500) throw error;
          const link = error.code === 'MUSTER_ERR_ACCESS_REQUEST' ? { link: { href: `${CONSOLE_PATH}/sign-in`, text: 'Sign in again' } } : {};
          return c.html(messagePage('Refused', error.message, link), error.status === 404 ? 404 : 403);
        }
      },
    }),
  ];
}
