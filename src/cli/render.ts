import type { IdentitySummary, IdentityView } from '../mur/identity-views.ts';

/** Plain-text renderings for terminals; --json output never goes through here. */

export function table(headers: readonly string[], rows: readonly (readonly (string | number | null | undefined)[])[]): string[] {
  const cells = [headers, ...rows.map((r) => r.map((c) => (c === null || c === undefined || c === '' ? '-' : String(c))))];
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  return cells.map((r) => r.map((c, i) => (i === r.length - 1 ? c : (c ?? '').padEnd(widths[i] ?? 0))).join('  '));
}

function section(title: string, lines: readonly string[]): string[] {
  return lines.length === 0 ? [] : ['', `${title}:`, ...lines.map((l) => `  ${l}`)];
}

function value(v: unknown): string {
  return typeof v === 'string' ? v : JSON.stringify(v);
}

export function summaryLines(items: readonly IdentitySummary[]): string[] {
  return table(
    ['ID', 'KIND', 'STATUS', 'EMPLOYEE', 'NAME', 'EMAIL', 'DEPARTMENT'],
    items.map((i) => [i.id, i.kind, i.status, i.employeeId, i.fullName, i.email, i.department]),
  );
}

export function identityLines(v: IdentityView): string[] {
  return [
    `identity ${v.id}`,
    `  kind ${v.kind}, status ${v.status}, version ${v.version}`,
    `  last updated ${v.lastUpdated}, created ${v.createdAt}${v.expiresAt ? `, expires ${v.expiresAt}` : ''}`,
    ...(v.sponsor ? [`  sponsor ${v.sponsor.id} (${v.sponsor.fullName ?? '-'})`] : []),
    ...(v.flags.length > 0 ? [`  flags ${v.flags.join(', ')}`] : []),
    ...section(
      'attributes',
      table(
        ['NAME', 'VALUE', 'SOURCE', 'RECORD', 'OBSERVED'],
        v.attributes.map((a) => [a.name, value(a.value), a.source, a.sourceRecord, a.observedAt]),
      ),
    ),
    ...section(
      'source links',
      v.sourceLinks.map((l) => `${l.source} ${l.sourceKey} (observed ${l.observedAt})`),
    ),
    ...section(
      'holds',
      v.holds.map((h) => `${h.placedAt} by ${h.placedBy}: ${h.reason}${h.releasedAt ? ` (released ${h.releasedAt} by ${h.releasedBy}: ${h.releaseReason})` : ' (active)'}`),
    ),
    ...section(
      'status history',
      v.statusHistory.map((h) => `${h.at} ${h.fromStatus ?? '(new)'} -> ${h.toStatus} by ${h.source}: ${h.reason}`),
    ),
    ...section(
      'trust',
      v.trust
        ? [
            `${v.trust.eligibility}, ${v.trust.status}, ${v.trust.investigationType ?? 'no investigation'}, adjudicated ${v.trust.adjudicationDate ?? '-'}, continuous vetting ${v.trust.continuousVetting ? 'yes' : 'no'} (${v.trust.source} ${v.trust.sourceRecord})`,
          ]
        : [],
    ),
    ...section(
      'training',
      v.behave.map((b) => `${b.course}: ${b.status}, completed ${b.completed ?? '-'}, expires ${b.expires ?? '-'}`),
    ),
    ...section(
      'credentials',
      v.credentials.map((c) => `${c.id} ${c.type} ${c.status}${c.reference ? ` ${c.reference}` : ''}${c.expiresAt ? `, expires ${c.expiresAt}` : ''}`),
    ),
    ...section(
      'accounts',
      v.accounts.map((a) => `${a.target} ${a.accountRef} ${a.status}${a.privileged ? ' (privileged)' : ''}`),
    ),
    ...section(
      'privileges',
      v.privileges.map((p) => `${p.system} ${p.privilegeType} ${p.status}`),
    ),
    ...section(
      'entitlements',
      v.entitlements.map((e) => `${e.target} ${e.entitlement} (${e.entitlementType}): ${e.reason}`),
    ),
    ...section(
      'sponsored',
      v.sponsored.map((s) => `${s.id} ${s.kind} ${s.status} ${s.fullName ?? '-'}`),
    ),
    ...section(
      'operator roles',
      v.operatorRoles.map((r) => `${r.role}: granted ${r.grantedAt} by ${r.grantedBy}: ${r.reason}${r.revokedAt ? ` (revoked ${r.revokedAt} by ${r.revokedBy}: ${r.revokeReason})` : ''}`),
    ),
  ];
}
