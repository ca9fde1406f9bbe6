import { OPERATOR_ROLES, type FixedRole } from '../../core/operators/roles.ts';
import type { RouteRoles } from '../route.ts';

/** Every operator role: a route anyone holding a token may call (reading the catalogue, requesting for oneself, deciding as a named approver). */
export const ANY_OPERATOR = Object.keys(OPERATOR_ROLES) as FixedRole[] as unknown as RouteRoles;
