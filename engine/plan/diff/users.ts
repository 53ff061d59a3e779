/**
 * Users are logins in Canvas (reference §3.1–3.2): one Canvas user may hold several logins, and an
 * SIS row finds its login by SIS id, then by login_id (silently claiming a hand-made login). A hand-
 * made user whose login differs gets a duplicate unless we attach the SIS login to it first.
 */
import type { CanvasState, UserRecord } from '../../model/canvas.js';
import type { FieldChange, Operation } from '../../model/plan.js';
import type { Config } from '../../policy/types.js';
import type { DesiredUser } from '../desired.js';
import { lastIndexOfEach } from '../../util/repeats.js';
import { creationChanges, fieldChanges as compareFields, importRow, norm, operation, reasons, type PlanBuilder } from './common.js';

/** Columns compared for users; first/last are derived by Canvas from sortable_name in reports. */
const USER_FIELDS = ['login_id', 'full_name', 'sortable_name', 'short_name', 'email', 'authentication_provider_id', 'integration_id', 'status'] as const;

export interface UserResolution {
  /** Canvas user id → SIS user_id the plan gives it (existing, adopted or attached). */
  sisIdOfCanvasUser: { get(canvasUserId: string): string | undefined };
}

/**
 * A Map written a few hundred thousand times (once per existing user) and read only for Canvas
 * enrollments that lack a SIS user id, which are rare: the writes are logged and the Map is only
 * built, by replaying them in order, when first read.
 */
class DeferredMap {
  private readonly keys: string[] = [];
  private readonly values: string[] = [];
  private map: Map<string, string> | null = null;

  set(key: string, value: string): void {
    if (this.map) this.map.set(key, value);
    else {
      this.keys.push(key);
      this.values.push(value);
    }
  }

  get(key: string): string | undefined {
    if (!this.map) {
      this.map = new Map();
      for (let i = 0; i < this.keys.length; i++) this.map.set(this.keys[i]!, this.values[i]!);
    }
    return this.map.get(key);
  }
}

/** Which report columns `rules.users.owns` controls (names are owned as a pair). */
export function comparedFields(owns: readonly string[]): string[] {
  const set = new Set(owns);
  if (set.has('first_name') || set.has('last_name') || set.has('full_name')) {
    set.add('full_name');
    set.add('sortable_name');
    // The display name follows the name the SIS owns (see displayNameOf): a renamed student must
    // not keep the old one in Canvas.
    set.add('short_name');
  }
  // Canvas keeps an e-mail the SIS stops sending (no way to blank it by CSV): only compare when set.
  return USER_FIELDS.filter((f) => set.has(f));
}

/**
 * Whether a user's compared fields differ: what `fieldChanges` would list (an e-mail the SIS does
 * not send and a provider named two ways count as the same), without building the list. Run for
 * every user Canvas already has, so fields are read by name: reading them by a key from `compared`
 * was a slow keyed lookup per field and user.
 */
export function userFieldsDiffer(compared: readonly string[], canonProvider: (v: string | null) => string | null): (d: DesiredUser, a: UserRecord) => boolean {
  const has = new Set(compared);
  const login = has.has('login_id');
  const full = has.has('full_name');
  const sortable = has.has('sortable_name');
  const short = has.has('short_name');
  const email = has.has('email');
  const provider = has.has('authentication_provider_id');
  const integration = has.has('integration_id');
  const status = has.has('status');
  const providersDiffer = (after: string | null, before: string | null) => after !== before && canonProvider(before) !== canonProvider(after);
  return (d, a) => (login && norm(d.login_id) !== norm(a.login_id))
    || (full && norm(d.full_name) !== norm(a.full_name))
    || (sortable && norm(d.sortable_name) !== norm(a.sortable_name))
    || (short && displayNameOf(d, a) !== norm(a.short_name))
    || (email && norm(d.email) !== null && norm(d.email) !== norm(a.email))
    || (provider && providersDiffer(norm(d.authentication_provider_id), norm(a.authentication_provider_id)))
    || (integration && norm(d.integration_id) !== norm(a.integration_id))
    || (status && norm(d.status) !== norm(a.status));
}

/**
 * The display name (`short_name`) a user should have. A formula says it outright. Without one the
 * display name is the full name: Canvas shows the name when a user has no short_name of its own, so
 * only a short_name already set in Canvas (by an earlier import, an admin or the user) must be
 * brought in line — users.csv cannot clear it, only overwrite it (reference §2.1).
 */
export function displayNameOf(d: DesiredUser, a: UserRecord): string | null {
  const formula = norm(d.short_name);
  if (formula !== null) return formula;
  const current = norm(a.short_name);
  return current === null ? null : norm(d.full_name) ?? current;
}

/** The desired user with the display name it should have against this Canvas login. */
export function withDisplayName(d: DesiredUser, a: UserRecord): DesiredUser {
  const shown = displayNameOf(d, a);
  return shown === norm(d.short_name) ? d : { ...d, short_name: shown };
}

function userRow(desired: DesiredUser, a: UserRecord | undefined, owns: readonly string[]) {
  const fields = new Set(comparedFields(owns));
  const d = a && fields.has('short_name') ? withDisplayName(desired, a) : desired;
  const value = (f: string) => norm(((!a || fields.has(f)) ? d : a)[f as keyof UserRecord] as string | null);
  return importRow('users', {
    user_id: d.user_id,
    integration_id: value('integration_id'),
    login_id: value('login_id'),
    // An empty cell unties the login from its provider (reference §2.1): always send a value we mean.
    authentication_provider_id: value('authentication_provider_id'),
    // first/last only for new users; existing users get full + sortable so Canvas infers nothing.
    first_name: a ? null : d.first_name,
    last_name: a ? null : d.last_name,
    full_name: value('full_name'),
    sortable_name: value('sortable_name'),
    short_name: value('short_name'),
    email: value('email'),
    status: value('status'),
  });
}

const lower = (s: string): string => s.toLowerCase();
const sameName = (a: string | null, b: string | null): boolean =>
  a !== null && b !== null && a.trim().toLowerCase().replace(/\s+/g, ' ') === b.trim().toLowerCase().replace(/\s+/g, ' ');

interface ManualUser {
  canvasUserId: string;
  logins: UserRecord[];
}

/**
 * Canvas reports a login's provider by numeric id; policies may name it by type. Both sides are
 * compared as the type when the account's providers are known and the type is unambiguous.
 */
function providerCanon(actual: CanvasState): (v: string | null) => string | null {
  const typeOf = new Map<string, string>();
  const count = new Map<string, number>();
  for (const p of actual.authProviders ?? []) {
    typeOf.set(p.id, p.auth_type.toLowerCase());
    count.set(p.auth_type.toLowerCase(), (count.get(p.auth_type.toLowerCase()) ?? 0) + 1);
  }
  return (v) => {
    if (v === null) return null;
    const type = typeOf.get(v) ?? v.toLowerCase();
    return count.get(type) === 1 || !typeOf.has(v) ? type : v;
  };
}

export function diffUsers(desired: DesiredUser[], actual: CanvasState, config: Config, plan: PlanBuilder): UserResolution {
  const rule = config.rules.users;
  const canonProvider = providerCanon(actual);
  const fieldChanges = (d: DesiredUser, a: UserRecord, fields: readonly string[]) =>
    compareFields(withDisplayName(d, a), a, fields).filter((c) => c.field !== 'authentication_provider_id' || canonProvider(c.before) !== canonProvider(c.after));
  const compared = comparedFields(rule.owns);
  const differs = userFieldsDiffer(compared, canonProvider);
  // Canvas users with a login that looks hand-made (no SIS id, not created by SIS): the candidates for manual users.
  const lookManual = new Set<string>();
  for (const l of actual.users) if (l.canvas_user_id && !l.user_id && !l.created_by_sis) lookManual.add(l.canvas_user_id);
  // A Canvas user is made by hand when every one of its logins looks hand-made.
  const manualUsers: ManualUser[] = [];
  if (lookManual.size > 0) {
    const loginsOfUser = new Map<string, UserRecord[]>();
    for (const l of actual.users) {
      if (!l.canvas_user_id || !lookManual.has(l.canvas_user_id)) continue;
      const list = loginsOfUser.get(l.canvas_user_id);
      if (list) list.push(l);
      else loginsOfUser.set(l.canvas_user_id, [l]);
    }
    for (const [canvasUserId, logins] of loginsOfUser) {
      if (logins.every((l) => !l.user_id && !l.created_by_sis)) manualUsers.push({ canvasUserId, logins });
    }
  }
  // Report order is not meaningful; candidates (and so risk keys) are listed by Canvas id.
  manualUsers.sort((a, b) => a.canvasUserId.localeCompare(b.canvasUserId, 'en', { numeric: true }));
  for (const m of manualUsers) m.logins.sort((a, b) => (a.login_id < b.login_id ? -1 : a.login_id > b.login_id ? 1 : 0));
  const sisIdOfCanvasUser = new DeferredMap();
  const claimedManual = new Set<string>();
  // Each desired user's login: the last Canvas login with its SIS id (found once, used twice).
  const { found, keysRepeat } = lastIndexOfEach(actual.users.map((l) => l.user_id), desired.map((d) => d.user_id));
  const wantedLogin = new Uint8Array(actual.users.length);
  for (let k = 0; k < desired.length; k++) if (found[k] !== -1) wantedLogin[found[k]!] = 1;
  // SIS id → position of the last login with it: only for the few questions the join does not answer.
  let bySisId: Map<string, number> | null = null;
  const sisIdIndex = (): Map<string, number> => {
    if (bySisId === null) {
      bySisId = new Map();
      for (let i = 0; i < actual.users.length; i++) if (actual.users[i]!.user_id) bySisId.set(actual.users[i]!.user_id!, i);
    }
    return bySisId;
  };
  /** Whether a desired user has this SIS id. */
  const wanted = (userId: string): boolean => {
    const at = sisIdIndex().get(userId);
    return at !== undefined && wantedLogin[at] === 1;
  };
  // Without two logins sharing a SIS id, a login's own flag says whether its SIS id is wanted.
  const uniqueSisIds = !keysRepeat;

  // Live logins by lower-cased login_id, for the desired users that ask: those Canvas does not
  // have by SIS id, and those about to be updated or adopted. (All 200,000 logins went into a Map.)
  const changing = new Uint8Array(desired.length);
  const asked = new Set<string>();
  for (let k = 0; k < desired.length; k++) {
    const a = found[k] === -1 ? null : actual.users[found[k]!]!;
    if (a !== null && a.created_by_sis !== false && !differs(desired[k]!, a)) continue;
    changing[k] = 1;
    asked.add(lower(desired[k]!.login_id));
  }
  const byLogin = new Map<string, UserRecord>();
  for (const l of actual.users) {
    if (l.status === 'deleted') continue;
    const login = lower(l.login_id);
    if (asked.has(login)) byLogin.set(login, l);
  }

  const unmatched: [DesiredUser, Operation][] = [];
  for (let k = 0; k < desired.length; k++) {
    const d = desired[k]!;
    if (found[k] !== -1) {
      const a = actual.users[found[k]!]!;
      if (changing[k] === 1) handleExisting(d, a);
      else if (a.canvas_user_id) sisIdOfCanvasUser.set(a.canvas_user_id, d.user_id);
      continue;
    }
    const byName = byLogin.get(lower(d.login_id));
    if (byName && !byName.user_id) {
      adoptByLogin(d, byName);
      continue;
    }
    const createOp = plan.add(operation({
      entity: 'users', action: 'create', key: d.user_id, changes: creationChanges(d, ['login_id', 'full_name', 'email', 'authentication_provider_id', 'status']),
      reason: reasons.create(d.origin), rows: [userRow(d, undefined, rule.owns)], account: d.account,
    }));
    if (byName && byName.user_id) {
      loginClaimed(d, byName, createOp);
      continue;
    }
    unmatched.push([d, createOp]);
  }
  matchManualUsers(unmatched);

  /** A user Canvas has by SIS id that is adopted or changes (`changing`); the others only record their Canvas id. */
  function handleExisting(d: DesiredUser, a: UserRecord): void {
    if (a.canvas_user_id) sisIdOfCanvasUser.set(a.canvas_user_id, d.user_id);
    const adopt = a.created_by_sis === false;
    const changes = fieldChanges(d, a, compared).filter((c) => !(c.field === 'email' && c.after === null));
    if (changes.length === 0 && !adopt) return;
    const op = plan.add(operation({
      entity: 'users', action: adopt ? 'adopt' : 'update', key: d.user_id, canvasId: a.canvas_user_id, changes,
      reason: adopt ? reasons.adoptBySisId(d.origin) : reasons.update('users', d.origin), rows: [userRow(d, a, rule.owns)], account: d.account,
    }));
    // Another live login holding the requested name makes Canvas skip the row (§3.2 step 6).
    const holder = byLogin.get(lower(d.login_id));
    if (holder && holder !== a) loginClaimed(d, holder, op);
  }

  /** Canvas claims a hand-made login with the formula's login_id silently (§3.2 step 4): show it. */
  function adoptByLogin(d: DesiredUser, manual: UserRecord): void {
    if (manual.canvas_user_id) {
      sisIdOfCanvasUser.set(manual.canvas_user_id, d.user_id);
      claimedManual.add(manual.canvas_user_id);
    }
    const changes: FieldChange[] = [{ field: 'user_id', before: null, after: d.user_id }, ...fieldChanges(d, manual, compared)];
    plan.add(operation({
      entity: 'users', action: 'adopt', key: d.user_id, canvasId: manual.canvas_user_id,
      changes: changes.filter((c) => !(c.field === 'email' && c.after === null)),
      reason: {
        rule: 'canvas.login-claim', source: d.origin,
        text: `a login "${manual.login_id}" was created by hand with the formula's login_id: the import claims it for ${d.user_id} (no new user)`,
      },
      rows: [userRow(d, manual, rule.owns)], account: d.account,
    }));
  }

  function loginClaimed(d: DesiredUser, holder: UserRecord, op: Operation): void {
    const holderGoes = holder.user_id !== null && !wanted(holder.user_id);
    const holderName = holder.user_id ? `SIS id ${holder.user_id}` : `Canvas user ${holder.canvas_user_id} (created by hand)`;
    plan.risk({
      kind: 'login-claimed', entity: 'users', keys: [d.user_id, holder.user_id ?? `canvas:${holder.canvas_user_id}`],
      explanation: `login "${d.login_id}" is already held by ${holderName}; Canvas would skip ${d.user_id} with "already claimed"`,
      suggestedFix: holderGoes
        ? `If ${holder.user_id} and ${d.user_id} are the same person whose SIS id changed, send change_sis_id (type user, old_id ${holder.user_id}, new_id ${d.user_id}) or import with update_sis_id_if_login_claimed.`
        : holder.user_id
          ? `Two SIS people want the same login: fix the username in the SIS or the login_id formula.`
          : `Rename or delete the hand-made login "${holder.login_id}" in Canvas, then plan again.`,
    }, op);
  }

  /** Match every SIS person still without a login to hand-made users; a match must be one-to-one. */
  function matchManualUsers(pending: [DesiredUser, Operation][]): void {
    if (rule.manual === 'ignore' || rule.matchBy.length === 0) return;
    const candidatesOf = new Map<DesiredUser, ManualUser[]>();
    const suitors = new Map<string, number>();
    for (const [d] of pending) {
      const candidates = manualUsers.filter((m) => !claimedManual.has(m.canvasUserId) && m.logins.some((l) =>
        (rule.matchBy.includes('email') && d.email !== null && l.email !== null && lower(l.email) === lower(d.email))
        || (rule.matchBy.includes('name') && sameName(l.full_name, d.full_name))));
      candidatesOf.set(d, candidates);
      for (const c of candidates) suitors.set(c.canvasUserId, (suitors.get(c.canvasUserId) ?? 0) + 1);
    }
    for (const [d, createOp] of pending) matchManualUser(d, createOp, candidatesOf.get(d)!, suitors);
  }

  function matchManualUser(d: DesiredUser, createOp: Operation, candidates: ManualUser[], suitors: Map<string, number>): void {
    if (candidates.length === 0) return;
    if (candidates.length > 1 || suitors.get(candidates[0]!.canvasUserId)! > 1) {
      const many = candidates.length > 1;
      plan.risk({
        kind: 'ambiguous-match', entity: 'users', keys: [d.user_id, ...candidates.map((c) => `canvas:${c.canvasUserId}`)],
        explanation: many
          ? `${candidates.length} users created by hand match ${d.user_id} by ${rule.matchBy.join('/')}; the sync would add another`
          : `Canvas user ${candidates[0]!.canvasUserId}, created by hand, matches several SIS people by ${rule.matchBy.join('/')}, ${d.user_id} among them; none is attached to it`,
        suggestedFix: many
          ? 'Merge or delete the extra hand-made users in Canvas, then plan again.'
          : `Give the hand-made user the formula login of the right person so the import claims it, or correct the shared e-mail/name in the SIS.`,
      }, createOp);
      return;
    }
    const manual = candidates[0]!;
    const login = manual.logins[0]!;
    if (rule.manual === 'flag') {
      plan.risk({
        kind: 'duplicate-account', entity: 'users', keys: [d.user_id, `canvas:${manual.canvasUserId}`],
        explanation: `Canvas user ${manual.canvasUserId} ("${login.login_id}") was created by hand and matches ${d.user_id}, whose formula login is "${d.login_id}": the sync would create a second account`,
        suggestedFix: `Set rules.users.manual: adopt to attach ${d.user_id} to user ${manual.canvasUserId} (logins.csv existing_canvas_user_id), or change that user's login to "${d.login_id}" in Canvas so the import claims it.`,
      }, createOp);
      return;
    }
    // adopt: attach the SIS login to the hand-made user, then let users.csv update it by SIS id.
    claimedManual.add(manual.canvasUserId);
    sisIdOfCanvasUser.set(manual.canvasUserId, d.user_id);
    createOp.action = 'adopt';
    createOp.canvasId = manual.canvasUserId;
    createOp.reason = {
      rule: 'rules.users.manual=adopt', source: d.origin,
      text: `Canvas user ${manual.canvasUserId} was created by hand (login "${login.login_id}") and matches by ${rule.matchBy.join('/')}: the SIS login is attached to it instead of creating a duplicate`,
    };
    createOp.changes = [{ field: 'login', before: login.login_id, after: `${d.login_id} (${d.user_id})` }, ...fieldChanges(d, login, compared)
      .filter((c) => c.field !== 'login_id' && c.field !== 'status' && !(c.field === 'email' && c.after === null))];
    createOp.rows = [
      importRow('logins', {
        user_id: d.user_id, integration_id: d.integration_id, login_id: d.login_id, existing_canvas_user_id: manual.canvasUserId,
        authentication_provider_id: d.authentication_provider_id, email: d.email,
      }),
      userRow(d, login, rule.owns),
    ];
  }

  dropMissing();
  return { sisIdOfCanvasUser };

  function dropMissing(): void {
    if (rule.missing === 'ignore') return;
    if (config.scope.schools) {
      plan.note('user drops are off: scope.schools limits the sync to some schools, and Canvas does not report a user\'s school');
      return;
    }
    const target = rule.missing === 'suspend' ? 'suspended' : 'deleted';
    for (let i = 0; i < actual.users.length; i++) {
      const a = actual.users[i]!;
      if (!a.user_id || (uniqueSisIds ? wantedLogin[i] === 1 : wanted(a.user_id)) || !a.created_by_sis) continue;
      if (a.status === 'deleted' || a.status === target) continue;
      plan.add(operation({
        entity: 'users', action: 'drop', key: a.user_id, canvasId: a.canvas_user_id,
        changes: [{ field: 'status', before: a.status, after: target }], reason: reasons.drop('users', rule.missing),
        rows: [importRow('users', { user_id: a.user_id, login_id: a.login_id, authentication_provider_id: a.authentication_provider_id, status: target })],
      }));
    }
  }
}
