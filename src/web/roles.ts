import { type FixedRole, OPERATOR_ROLES } from '../core/operators/roles.ts';
import type { ConsoleRoles } from './route.ts';

/** Every fixed operator role: the pages any operator may open (who am I, sign out). */
export const EVERY_ROLE = Object.keys(OPERATOR_ROLES) as unknown as ConsoleRoles & readonly FixedRole[];
