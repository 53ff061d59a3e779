/**
 * OneRoster snapshot + policies → desired Canvas state. Pure: no I/O, no clock (asOf comes in).
 * Identifier formulas run here; two source records that build one id are an error naming both.
 */
import { ConfigError, DataError, fromDiagnostics, type Diagnostic } from '../errors.js';
import { orEnrollmentColumnsOf } from '../model/oneroster-enrollments.js';
import { withDesiredEnrollmentColumns, type DesiredEnrollmentColumns, type Placement } from './desired-enrollments.js';
import type { OrAcademicSession, OrClass, OrOrg, OrUser, SisSnapshot, SourceRow } from '../model/oneroster.js';
import type { AuthRule, Config, Template, TermOverride, UserFormulas } from '../policy/types.js';
import { calendarDateToUtc } from '../util/dates.js';
import { Ordinals } from '../util/ordinals.js';
import { earlierRowsOfRepeatedIds } from '../util/repeats.js';
import type {
  DesiredAccount, DesiredCourse, DesiredEnrollment, DesiredSection, DesiredState, DesiredTerm, DesiredTermOverride, DesiredUser,
} from './desired.js';

const originOf = (s: SourceRow): string => `${s.file}:${s.row}`;

/**
 * Collects id collisions and empty ids so they are all reported at once.
 *
 * Exact mode checks each id as it is claimed, and reports problems in order. The first attempt
 * at a transform is optimistic instead: ids are only recorded, and checked together at the end
 * with a sort of their hashes (a Map of 200,000 fresh strings, probed and filled once per claim,
 * was the slowest part of building users). Any problem found that way makes the transform run
 * again in exact mode, so what is reported never depends on the mode.
 */
class IdRegistry {
  private readonly seen = new Map<string, SourceRow>();
  private readonly keys: string[] = [];
  private conflict = false;

  constructor(
    private readonly what: string,
    private readonly problems: Diagnostic[],
    private readonly foldCase = false,
    private readonly optimistic = false,
  ) {}

  claim(id: string, source: SourceRow, formula: Template): boolean {
    if (this.optimistic) {
      if (id.trim() === '') this.conflict = true;
      else this.keys.push(this.foldCase ? id.toLowerCase() : id);
      return !this.conflict;
    }
    if (id.trim() === '') {
      this.problems.push({
        severity: 'error', code: 'formula.empty-id', file: source.file, line: source.row,
        message: `the ${this.what} formula \`${formula.source}\` built an empty id for this row`,
        hint: `Fill the field the formula reads in the SIS export, or give the formula a fallback with {{default a b}} (${formula.where.file}:${formula.where.line}).`,
      });
      return false;
    }
    const key = this.foldCase ? id.toLowerCase() : id;
    const first = this.seen.get(key);
    if (first) {
      this.problems.push({
        severity: 'error', code: 'formula.not-injective', file: source.file, line: source.row,
        message: `${this.what} "${id}" is built for this row and for ${originOf(first)}: two SIS records would become one Canvas object`,
        hint: `Make the formula \`${formula.source}\` (${formula.where.file}:${formula.where.line}) include a field that differs, e.g. {{sourcedId}}, or fix the duplicate in the SIS.`,
      });
      return false;
    }
    this.seen.set(key, source);
    return true;
  }

  /** Optimistic mode: whether every id claimed was non-empty and no two were the same. */
  clean(): boolean {
    return !this.conflict && earlierRowsOfRepeatedIds(this.keys) === null; // keys are never empty: an empty id is a conflict
  }
}

export function transform(sis: SisSnapshot, config: Config, asOf: string): DesiredState {
  try {
    const desired = new Transformer(sis, config, asOf, false).run();
    if (desired) return desired;
  } catch {
    // Rerun exactly below: it reports the problem, or (if only the optimistic run tripped) succeeds.
  }
  return new Transformer(sis, config, asOf, true).run()!;
}

class Transformer {
  private readonly problems: Diagnostic[] = [];
  private readonly notes: string[] = [];
  private readonly orgs = new Map<string, OrOrg>();
  private readonly sessions = new Map<string, OrAcademicSession>();
  private readonly courseCatalogue = new Map<string, SisSnapshot['courses'][number]>();
  /** OneRoster school sourcedId → Canvas account_id. */
  private readonly accountOf = new Map<string, string>();
  /** OneRoster session sourcedId → desired term. */
  private readonly termOf = new Map<string, DesiredTerm>();
  /** OneRoster class sourcedId → its Canvas course and section (and the section's position). */
  private readonly placementOf = new Map<string, { course: DesiredCourse; section: DesiredSection; ordinal: number }>();
  /** By section ordinal: where an enrollment in that section goes. */
  private readonly placements: Placement[] = [];
  /** Canvas term_id → the SIS's exclusive end day (YYYY-MM-DD), for the exit-date alignment. */
  private readonly termEndDay = new Map<string, string>();
  /** Per SIS user (index in sis.users), its index among the desired users, -1 when it is not synced. */
  private desiredUserOfSisUser = new Int32Array(0);
  private desiredUsers: DesiredUser[] = [];
  /** Context objects of schools, terms and courses, built once each and shared by every record's formula context. */
  private readonly orgContexts = new Map<OrOrg, Record<string, string>>();
  private readonly inScopeSchools: Set<string> | null;
  private readonly registries: IdRegistry[] = [];

  constructor(
    private readonly sis: SisSnapshot,
    private readonly config: Config,
    private readonly asOf: string,
    /** Whether ids are checked as they are claimed (see IdRegistry); the optimistic run is the first one. */
    private readonly exact: boolean,
  ) {
    for (const o of sis.orgs) this.orgs.set(o.sourcedId, o);
    for (const s of sis.academicSessions) this.sessions.set(s.sourcedId, s);
    for (const c of sis.courses) this.courseCatalogue.set(c.sourcedId, c);
    this.inScopeSchools = config.scope.schools ? new Set(config.scope.schools) : null;
  }

  /** The desired state; null when an optimistic run found id problems (run again exactly to report them). */
  run(): DesiredState | null {
    const accounts = this.accounts();
    const terms = this.terms();
    const termOverrides = this.termOverrides(terms);
    const { courses, sections } = this.coursesAndSections();
    const users = this.users();
    this.desiredUsers = users;
    const enrollments = this.enrollments();
    if (!this.exact && !this.registries.every((r) => r.clean())) return null;
    if (this.problems.length > 0) throw fromDiagnostics(DataError, this.problems.slice(0, 50));
    const desired: DesiredState = { accounts, terms, termOverrides, courses, sections, users, enrollments: [], notes: this.notes };
    withDesiredEnrollmentColumns(desired, enrollments);
    return desired;
  }

  private registry(what: string, foldCase = false): IdRegistry {
    const registry = new IdRegistry(what, this.problems, foldCase, !this.exact);
    this.registries.push(registry);
    return registry;
  }

  private isSchoolInScope(org: OrOrg): boolean {
    return org.type === 'school' && (this.inScopeSchools === null || this.inScopeSchools.has(org.sourcedId));
  }

  private accounts(): DesiredAccount[] {
    const ids = this.registry('account_id');
    const formulas = this.config.identifiers.accounts;
    const built: [OrOrg, DesiredAccount][] = [];
    for (const org of this.sis.orgs) {
      if (!this.isSchoolInScope(org)) continue;
      const ctx = { ...orgContext(org), metadata: org.metadata };
      const accountId = formulas.account_id.render(ctx);
      if (!ids.claim(accountId, org.source, formulas.account_id)) continue;
      this.accountOf.set(org.sourcedId, accountId);
      built.push([org, {
        account_id: accountId, parent_account_id: null, name: formulas.name.render(ctx) || null, status: 'active',
        origin: originOf(org.source), account: accountId, term: null,
      }]);
    }
    // A school below another synced school (rare: a campus) keeps that parent; otherwise the root.
    for (const [org, account] of built) {
      const parent = this.accountOf.get(org.parentSourcedId);
      if (parent !== undefined) account.parent_account_id = parent;
    }
    return built.map(([, account]) => account);
  }

  private terms(): DesiredTerm[] {
    const { sessionTypes, terms: termFilter } = this.config.scope;
    const types = new Set(sessionTypes.map((t) => t.toLowerCase()));
    const allowed = termFilter ? new Set(termFilter) : null;
    const ids = this.registry('term_id');
    const formulas = this.config.identifiers.terms;
    const overrides = new Map(this.config.termOverrides.map((o) => [o.term, o]));
    const tz = this.config.timezone;
    const out: DesiredTerm[] = [];
    for (const s of this.sis.academicSessions) {
      if (!types.has(s.type.toLowerCase()) || (allowed && !allowed.has(s.sourcedId))) continue;
      const ctx = { ...sessionContext(s), metadata: s.metadata };
      const termId = formulas.term_id.render(ctx);
      if (!ids.claim(termId, s.source, formulas.term_id)) continue;
      const override = overrides.get(termId);
      const term: DesiredTerm = {
        term_id: termId,
        name: override?.name ?? (formulas.name.render(ctx) || null),
        status: 'active',
        start_date: calendarDateToUtc(override?.startDate ?? s.startDate, tz),
        end_date: this.endInstant(override?.endDate ?? s.endDate, override?.endDate !== undefined),
        origin: override ? `${originOf(s.source)} + ${override.where.file}:${override.where.line}` : originOf(s.source),
        account: null,
        term: termId,
      };
      this.termOf.set(s.sourcedId, term);
      if (s.endDate) {
        this.termEndDay.set(termId, this.config.enrollmentDates.endDateConvention === 'inclusive' ? addDays(s.endDate, 1) : s.endDate);
      }
      out.push(term);
    }
    this.checkTermOverrides();
    return out;
  }

  /**
   * A term override is checked against the SIS once the terms are known (`validate` sees only the
   * policies). One that matches no synced term is not applied: the planner raises an
   * `unmatched-term-override` risk for it (engine/plan/diff/structure.ts), which holds the plan for
   * approval instead of failing it — a truncated export drops terms too, and its verdict (blocked)
   * must not hide behind a policy error. An override ending before the term starts (its own start,
   * or the SIS's) is an error at the override: no export makes that right.
   */
  private checkTermOverrides(): void {
    if (this.config.termOverrides.length === 0) return;
    // The session each synced term was built from.
    const sessionOfTerm = new Map<string, OrAcademicSession>();
    for (const [sourcedId, term] of this.termOf) {
      const s = this.sessions.get(sourcedId);
      if (s && !sessionOfTerm.has(term.term_id)) sessionOfTerm.set(term.term_id, s);
    }
    const problems: Diagnostic[] = [];
    // The override's entry (file:line:column), with the field's JSON pointer.
    const at = (o: TermOverride, field: 'term' | 'startDate' | 'endDate') => ({ file: o.where.file, line: o.where.line, column: o.where.column, field: `${o.where.path}/${field}` });
    for (const o of this.config.termOverrides) {
      const session = sessionOfTerm.get(o.term);
      if (!session) {
        this.notes.push(`term override for "${o.term}" (${o.where.file}:${o.where.line}:${o.where.column}) matches no synced term: the SIS export does not have it or the scope leaves it out`);
        continue;
      }
      const start = o.startDate ?? session.startDate;
      const end = o.endDate ?? session.endDate;
      if (start && end && end < start) {
        const own = o.endDate !== undefined;
        problems.push({
          severity: 'error', code: 'policy.date-order', ...at(o, own ? 'endDate' : 'startDate'),
          message: `term \`${o.term}\` would end (${end}${own ? '' : `, ${originOf(session.source)}`}) before it starts (${start}${o.startDate !== undefined ? '' : `, ${originOf(session.source)}`})`,
          hint: 'Correct the override\'s dates: a term that ends before it starts gives nobody access.',
        });
      }
      for (const [type, dates] of Object.entries(o.enrollmentTypes)) {
        if (start && dates?.endDate && dates.endDate < start) {
          problems.push({
            severity: 'error', code: 'policy.date-order', ...at(o, 'term'),
            message: `${type} dates of term \`${o.term}\` end (${dates.endDate}) before the term starts (${start})`,
            hint: 'Correct the date: an override ending before its term starts gives that enrollment type no access at all.',
          });
        }
      }
    }
    if (problems.length > 0) throw fromDiagnostics(ConfigError, problems);
  }

  /**
   * OneRoster end dates are exclusive by spec; many SIS send the last day instead. Policy dates are
   * always the last day (what an admin types), so they are read as inclusive.
   */
  private endInstant(date: string, isPolicyDate: boolean): string | null {
    if (!date) return null;
    const inclusive = isPolicyDate || this.config.enrollmentDates.endDateConvention === 'inclusive';
    return calendarDateToUtc(date, this.config.timezone, inclusive ? 1 : 0);
  }

  private termOverrides(terms: DesiredTerm[]): DesiredTermOverride[] {
    const known = new Set(terms.map((t) => t.term_id));
    const out: DesiredTermOverride[] = [];
    for (const o of this.config.termOverrides) {
      if (!known.has(o.term)) continue;
      for (const [type, dates] of Object.entries(o.enrollmentTypes)) {
        if (!dates) continue;
        out.push({
          term_id: o.term,
          date_override_enrollment_type: type as DesiredTermOverride['date_override_enrollment_type'],
          start_date: dates.startDate ? calendarDateToUtc(dates.startDate, this.config.timezone) : null,
          end_date: dates.endDate ? this.endInstant(dates.endDate, true) : null,
          origin: `${o.where.file}:${o.where.line}`,
          account: null,
          term: o.term,
        });
      }
    }
    return out;
  }

  /**
   * The one Canvas term a class lands in: its only synced term, their common synced parent (a
   * year-long class listing both semesters, a quarter class in its semester), or the earliest.
   * A class whose terms scope.terms leaves out does not sync, even if a parent term does.
   */
  private termForClass(cls: OrClass): DesiredTerm | null {
    const listed = this.config.scope.terms;
    if (listed && !cls.termSourcedIds.some((id) => listed.includes(id))) return null;
    const synced = cls.termSourcedIds.map((id) => this.termOf.get(id)).filter((t): t is DesiredTerm => t !== undefined);
    if (synced.length === 1) return synced[0]!;
    const candidates = cls.termSourcedIds.length > 0 ? cls.termSourcedIds : [];
    const parents = new Set(candidates.map((id) => this.sessions.get(id)?.parentSourcedId ?? ''));
    if (parents.size === 1) {
      const parent = this.termOf.get([...parents][0]!);
      if (parent) return parent;
    }
    if (synced.length === 0) return null;
    return synced.reduce((a, b) => ((a.start_date ?? '') <= (b.start_date ?? '') ? a : b));
  }

  private coursesAndSections(): { courses: DesiredCourse[]; sections: DesiredSection[] } {
    const grouping = this.config.rules.courses.grouping;
    const cf = this.config.identifiers.courses;
    const sf = this.config.identifiers.sections;
    const courseIds = this.registry('course_id');
    const sectionIds = this.registry('section_id');
    const courses: DesiredCourse[] = [];
    const sections: DesiredSection[] = [];
    const courseByGroup = new Map<string, DesiredCourse>();
    let outOfTerm = 0;
    for (const cls of this.sis.classes) {
      const account = this.accountOf.get(cls.schoolSourcedId);
      if (account === undefined) continue;
      const term = this.termForClass(cls);
      if (!term) {
        outOfTerm++;
        continue;
      }
      const ctx = this.classContext(cls, term);
      let course: DesiredCourse | undefined;
      if (grouping === 'course-term') {
        const group = `${cls.courseSourcedId}|${cls.schoolSourcedId}|${term.term_id}`;
        course = courseByGroup.get(group);
        if (!course) {
          const courseCtx = this.courseTermContext(cls, term);
          course = this.buildCourse(courseCtx, cf, account, term, cls.source, courseIds);
          if (course) {
            courseByGroup.set(group, course);
            courses.push(course);
          }
        }
      } else {
        course = this.buildCourse(ctx, cf, account, term, cls.source, courseIds);
        if (course) courses.push(course);
      }
      if (!course) continue;
      const sectionId = sf.section_id.render(ctx);
      if (!sectionIds.claim(sectionId, cls.source, sf.section_id)) continue;
      const section: DesiredSection = {
        section_id: sectionId, course_id: course.course_id, name: sf.name.render(ctx) || null, status: 'active',
        integration_id: sf.integration_id ? sf.integration_id.render(ctx) || null : null, start_date: null, end_date: null,
        origin: originOf(cls.source), account, term: term.term_id,
      };
      this.placementOf.set(cls.sourcedId, { course, section, ordinal: sections.length });
      this.placements.push({ course_id: course.course_id, section_id: section.section_id, account: course.account, term: course.term });
      sections.push(section);
    }
    if (outOfTerm > 0) this.notes.push(`${outOfTerm} class(es) belong to no synced term and are not synced (scope.sessionTypes / scope.terms)`);
    return { courses, sections };
  }

  private buildCourse(
    ctx: Record<string, unknown>, cf: Config['identifiers']['courses'], account: string, term: DesiredTerm,
    source: SourceRow, ids: IdRegistry,
  ): DesiredCourse | undefined {
    const courseId = cf.course_id.render(ctx);
    if (!ids.claim(courseId, source, cf.course_id)) return undefined;
    return {
      course_id: courseId,
      integration_id: cf.integration_id ? cf.integration_id.render(ctx) || null : null,
      short_name: cf.short_name.render(ctx) || null,
      long_name: cf.long_name.render(ctx) || null,
      account_id: account,
      term_id: term.term_id,
      status: this.config.rules.courses.publish,
      start_date: null,
      end_date: null,
      origin: originOf(source),
      account,
      term: term.term_id,
    };
  }

  private classContext(cls: OrClass, term: DesiredTerm): Record<string, unknown> {
    const course = this.courseCatalogue.get(cls.courseSourcedId);
    const school = this.orgs.get(cls.schoolSourcedId);
    const session = [...cls.termSourcedIds].map((id) => this.sessions.get(id)).find((s) => s && this.termOf.get(s.sourcedId) === term)
      ?? this.sessionOfTerm(term);
    return {
      sourcedId: cls.sourcedId, title: cls.title, classCode: cls.classCode, classType: cls.classType, location: cls.location,
      grades: cls.grades.join(','), subjects: cls.subjects.join(','), periods: cls.periods.join(','),
      courseSourcedId: cls.courseSourcedId, schoolSourcedId: cls.schoolSourcedId, termSourcedId: session?.sourcedId ?? '',
      metadata: cls.metadata,
      course: course ? courseContext(course) : { ...emptyCourseContext(), sourcedId: cls.courseSourcedId },
      school: school ? orgContext(school) : emptyOrgContext(),
      term: session ? sessionContext(session) : emptySessionContext(),
    };
  }

  private courseTermContext(cls: OrClass, term: DesiredTerm): Record<string, unknown> {
    const course = this.courseCatalogue.get(cls.courseSourcedId);
    const base = this.classContext(cls, term);
    const c = course ? courseContext(course) : { ...emptyCourseContext(), sourcedId: cls.courseSourcedId, title: cls.title };
    return {
      sourcedId: c.sourcedId, title: c.title, courseCode: c.courseCode, grades: c.grades, subjects: c.subjects,
      schoolSourcedId: cls.schoolSourcedId, termSourcedId: base.termSourcedId, metadata: course?.metadata ?? {},
      course: c, school: base.school, term: base.term,
    };
  }

  private sessionOfTerm(term: DesiredTerm): OrAcademicSession | undefined {
    for (const [id, t] of this.termOf) if (t === term) return this.sessions.get(id);
    return undefined;
  }

  private users(): DesiredUser[] {
    const roles = new Set(this.config.scope.roles);
    const userIds = this.registry('user_id');
    const logins = this.registry('login_id', true);
    const out: DesiredUser[] = [];
    const sisUsers = this.sis.users;
    this.desiredUserOfSisUser = new Int32Array(sisUsers.length).fill(-1);
    for (let index = 0; index < sisUsers.length; index++) {
      const u = sisUsers[index]!;
      if (!roles.has(u.role)) continue;
      const school = this.primarySchool(u);
      if (this.inScopeSchools !== null && school === undefined) continue;
      const formulas = this.config.identifiers.users[u.role];
      if (!formulas) continue;
      const ctx = this.userContext(u, school);
      const userId = formulas.user_id.render(ctx);
      if (!userIds.claim(userId, u.source, formulas.user_id)) continue;
      const loginId = formulas.login_id.render(ctx);
      if (!logins.claim(loginId, u.source, formulas.login_id)) continue;
      const user = buildUser(u, ctx, formulas, userId, loginId, school ? this.accountOf.get(school.sourcedId) ?? null : null);
      user.authentication_provider_id = this.authProvider(u, user);
      this.desiredUserOfSisUser[index] = out.length;
      out.push(user);
    }
    return out;
  }

  /** The user's first synced school, else their first school org (for formulas only). */
  private primarySchool(u: OrUser): OrOrg | undefined {
    let fallback: OrOrg | undefined;
    for (const id of u.orgSourcedIds) {
      const org = this.orgs.get(id);
      if (!org) continue;
      if (this.accountOf.has(id)) return org;
      if (!fallback && org.type === 'school') fallback = org;
    }
    return this.inScopeSchools === null ? fallback : undefined;
  }

  private userContext(u: OrUser, school: OrOrg | undefined): Record<string, unknown> {
    const userIds: Record<string, string> = {};
    for (const id of u.userIds) userIds[id.type] = id.identifier;
    return {
      sourcedId: u.sourcedId, username: u.username, givenName: u.givenName, familyName: u.familyName, middleName: u.middleName,
      preferredGivenName: u.preferredGivenName, preferredFamilyName: u.preferredFamilyName, identifier: u.identifier,
      email: u.email, sms: u.sms, phone: u.phone, role: u.role, grades: u.grades.join(','), grade: u.grades[0] ?? '',
      enabledUser: String(u.enabledUser), orgSourcedIds: u.orgSourcedIds.join(','),
      school: school ? this.orgContextOf(school) : emptyOrgContext(), userIds, metadata: u.metadata,
    };
  }

  /** A school's formula context, shared (formulas only read their context). */
  private orgContextOf(org: OrOrg): Record<string, string> {
    let ctx = this.orgContexts.get(org);
    if (!ctx) this.orgContexts.set(org, (ctx = orgContext(org)));
    return ctx;
  }

  private authProvider(u: OrUser, user: DesiredUser): string | null {
    const rule = this.config.authProviders.rules.find((r) => authRuleMatches(r, u, user));
    return rule ? rule.provider : this.config.authProviders.default;
  }

  private enrollments(): DesiredEnrollmentColumns {
    const roleMap = this.config.rules.enrollments.roles;
    const sis = orEnrollmentColumnsOf(this.sis);
    const n = sis.count;
    // Sized once for every SIS row; the rows kept are [0, k).
    const placementOf = new Int32Array(n);
    const userOf = new Int32Array(n);
    const roleOf = new Int32Array(n);
    const statusOf = new Uint8Array(n);
    const sisRowOf = new Int32Array(n);
    let k = 0;
    // Per class, per user and per (OneRoster role, primary) of the snapshot, found once rather than per row.
    const placementByClass = this.sis.classes.map((c) => this.placementOf.get(c.sourcedId));
    const desiredUserByUser = this.desiredUserOfSisUser;
    const roles = new Ordinals();
    const canvasRoleCodes = sis.roles.flatMap((role) => [false, true].map((primary) => {
      const canvas = canvasRole(role, primary, roleMap);
      return canvas === null ? -1 : roles.of(canvas);
    }));
    const statuses = new Ordinals();
    const statusCodeOf = this.enrollmentStatusCache(statuses);
    let unmapped = 0;
    // Exports list enrollments class by class: the class, end date and term of the row above are
    // the likely ones, so they are remembered from row to row.
    let lastClass = -2;
    let placement: { course: DesiredCourse; section: DesiredSection; ordinal: number } | undefined;
    let lastEnd: string | null = null;
    let lastTerm: string | null | undefined;
    let lastStatus = 0;
    for (let i = 0; i < n; i++) {
      const classIndex = sis.classIndex[i]!;
      if (classIndex !== lastClass) {
        lastClass = classIndex;
        placement = classIndex === -1 ? undefined : placementByClass[classIndex];
      }
      const userIndex = sis.userIndex[i]!;
      const userOrdinal = userIndex === -1 ? -1 : desiredUserByUser[userIndex]!;
      if (!placement || userOrdinal === -1) continue;
      const role = canvasRoleCodes[sis.roleCode[i]! * 2 + sis.primary[i]!]!;
      if (role === -1) {
        unmapped++;
        continue;
      }
      const term = placement.course.term;
      const endDate = sis.endDate[i]!;
      if (endDate !== lastEnd || term !== lastTerm) {
        lastEnd = endDate;
        lastTerm = term;
        lastStatus = statusCodeOf(endDate, term);
      }
      placementOf[k] = placement.ordinal;
      userOf[k] = userOrdinal;
      roleOf[k] = role;
      statusOf[k] = lastStatus;
      sisRowOf[k] = i;
      k++;
    }
    if (unmapped > 0) this.notes.push(`${unmapped} enrollment(s) have a role that rules.enrollments.roles does not sync`);
    const count = mergeSameIdentity(k, placementOf, userOf, roleOf, statusOf, sisRowOf, statuses.find('active'), this.desiredUsers.length);
    return desiredColumns({
      count, placement: placementOf.subarray(0, count), placements: this.placements, user: userOf.subarray(0, count), userIds: this.desiredUsers.map((u) => u.user_id),
      role: roleOf.subarray(0, count), roles: roles.values, status: statusOf.subarray(0, count), statuses: statuses.values,
    }, sisRowOf.subarray(0, count), sis.sourceRow, sis.sourceFile);
  }

  /**
   * enrollmentStatus as a code into `statuses` (filled as statuses appear), remembered per term and
   * end date (a district has a few dozen distinct end dates).
   */
  private enrollmentStatusCache(statuses: Ordinals): (endDate: string, termId: string | null) => number {
    const byTerm = new Map<string | null, Map<string, number>>();
    return (endDate, termId) => {
      let byEnd = byTerm.get(termId);
      if (!byEnd) byTerm.set(termId, (byEnd = new Map()));
      let code = byEnd.get(endDate);
      if (code === undefined) byEnd.set(endDate, (code = statuses.of(this.enrollmentStatus(endDate, termId))));
      return code;
    };
  }

  /**
   * Enrollment activeness comes from dates, not record status (1EdTech FAQ, reference §1.4). The
   * PowerSchool exit-date problem: an end date close to the term end means "stayed to the end".
   */
  private enrollmentStatus(endDate: string, termId: string | null): string {
    const { ended, alignToTermEndWithinDays, endDateConvention } = this.config.enrollmentDates;
    if (!endDate || ended === 'active') return 'active';
    const endDay = endDateConvention === 'inclusive' ? addDays(endDate, 1) : endDate;
    if (alignToTermEndWithinDays !== null && termId) {
      const termEnd = this.termEndDay.get(termId);
      if (termEnd && Math.abs(daysBetween(endDay, termEnd)) <= alignToTermEndWithinDays) return 'active';
    }
    return endDay <= this.asOf ? ended : 'active';
  }
}

/**
 * Two SIS rows for one Canvas enrollment (course-term grouping, re-enrolment, two OneRoster roles
 * mapped to one Canvas role) become one: it keeps the first row's place, and is the first row
 * unless that one is not active and a later one is (active wins). Rows are grouped by user with a
 * counting sort (linear, and it reads memory in order), then compared within each user's few rows.
 * The rows [0, n) are compacted in place; returns how many are kept.
 */
function mergeSameIdentity(
  n: number, sectionOf: Int32Array, userOf: Int32Array, roleOf: Int32Array, statusOf: Uint8Array, sisRowOf: Int32Array, active: number, userCount: number,
): number {
  const starts = new Int32Array(userCount + 1);
  for (let k = 0; k < n; k++) starts[userOf[k]! + 1]!++;
  for (let u = 0; u < userCount; u++) starts[u + 1]! += starts[u]!;
  const byUser = new Int32Array(n);
  const next = starts.slice(0, userCount);
  for (let k = 0; k < n; k++) byUser[next[userOf[k]!]!++] = k; // file order within a user
  let dropped: Uint8Array | null = null;
  for (let u = 0; u < userCount; u++) {
    const from = starts[u]!;
    const to = starts[u + 1]!;
    for (let x = from + 1; x < to; x++) {
      const later = byUser[x]!;
      for (let y = from; y < x; y++) {
        const first = byUser[y]!;
        if (sectionOf[first] !== sectionOf[later] || roleOf[first] !== roleOf[later] || (dropped !== null && dropped[first] === 1)) continue;
        // Same section, user and role: the later row's status and origin are all it could bring.
        if (statusOf[first] !== active && statusOf[later] === active) {
          statusOf[first] = active;
          sisRowOf[first] = sisRowOf[later]!;
        }
        (dropped ??= new Uint8Array(n))[later] = 1;
        break;
      }
    }
  }
  if (dropped === null) return n;
  let j = 0;
  for (let k = 0; k < n; k++) {
    if (dropped[k] === 1) continue;
    sectionOf[j] = sectionOf[k]!;
    userOf[j] = userOf[k]!;
    roleOf[j] = roleOf[k]!;
    statusOf[j] = statusOf[k]!;
    sisRowOf[j] = sisRowOf[k]!;
    j++;
  }
  return j;
}

/**
 * The transform's enrollment columns with their records. Made outside the transform so the
 * records' function keeps only what it reads, not the transform and its SIS snapshot.
 */
function desiredColumns(
  columns: Omit<DesiredEnrollmentColumns, 'record'>, sisRowOf: Int32Array, sourceRow: Int32Array, sourceFile: (sisRow: number) => string,
): DesiredEnrollmentColumns {
  const { placement, placements, user, userIds, role, roles, status, statuses } = columns;
  return {
    ...columns,
    record: (r): DesiredEnrollment => {
      const p = placements[placement[r]!]!;
      const row = sisRowOf[r]!;
      return {
        course_id: p.course_id, section_id: p.section_id, user_id: userIds[user[r]!]!, role: roles[role[r]!]!, status: statuses[status[r]!]!,
        account: p.account, term: p.term, originFile: sourceFile(row), originRow: sourceRow[row]!,
      };
    },
  };
}

/** The Canvas role of a OneRoster role (`teacher:secondary` is a teacher who is not primary), or null when not synced. */
function canvasRole(role: string, primary: boolean, roles: Record<string, string | null>): string | null {
  if (role === 'teacher' && !primary && 'teacher:secondary' in roles) return roles['teacher:secondary'] ?? null;
  return role in roles ? roles[role] ?? null : null;
}

function buildUser(u: OrUser, ctx: Record<string, unknown>, f: UserFormulas, userId: string, loginId: string, account: string | null): DesiredUser {
  const first = f.first_name.render(ctx);
  const last = f.last_name.render(ctx);
  const full = f.full_name ? f.full_name.render(ctx) : joinPresent(first, last, ' ');
  const sortable = f.sortable_name ? f.sortable_name.render(ctx) : joinPresent(last, first, ', ');
  return {
    user_id: userId,
    integration_id: f.integration_id ? f.integration_id.render(ctx) || null : null,
    login_id: loginId,
    authentication_provider_id: null,
    first_name: first || null,
    last_name: last || null,
    full_name: full || null,
    sortable_name: sortable || null,
    short_name: f.short_name ? f.short_name.render(ctx) || null : null,
    email: f.email ? f.email.render(ctx) || null : null,
    status: u.enabledUser ? 'active' : 'suspended',
    role: u.role,
    origin: originOf(u.source),
    account,
    term: null,
  };
}

/** The two names joined by `separator`, or the one that is not empty (once per user: no array to filter and join). */
function joinPresent(a: string, b: string, separator: string): string {
  return a === '' ? b : b === '' ? a : a + separator + b;
}

function authRuleMatches(rule: AuthRule, u: OrUser, user: DesiredUser): boolean {
  if (rule.role && !rule.role.includes(u.role)) return false;
  if (rule.school && !u.orgSourcedIds.some((o) => rule.school!.includes(o))) return false;
  if (rule.grade && !u.grades.some((g) => rule.grade!.includes(g))) return false;
  if (rule.idPattern && !rule.idPattern.test(user.user_id)) return false;
  if (rule.emailPattern && !rule.emailPattern.test(user.email ?? '')) return false;
  return true;
}

function orgContext(o: OrOrg): Record<string, string> {
  return { sourcedId: o.sourcedId, name: o.name, type: o.type, identifier: o.identifier, parentSourcedId: o.parentSourcedId };
}
function emptyOrgContext(): Record<string, string> {
  return { sourcedId: '', name: '', type: '', identifier: '', parentSourcedId: '' };
}
function sessionContext(s: OrAcademicSession): Record<string, string> {
  return { sourcedId: s.sourcedId, title: s.title, type: s.type, startDate: s.startDate, endDate: s.endDate, parentSourcedId: s.parentSourcedId, schoolYear: s.schoolYear };
}
function emptySessionContext(): Record<string, string> {
  return { sourcedId: '', title: '', type: '', startDate: '', endDate: '', parentSourcedId: '', schoolYear: '' };
}
function courseContext(c: SisSnapshot['courses'][number]): Record<string, string> {
  return {
    sourcedId: c.sourcedId, title: c.title, courseCode: c.courseCode, grades: c.grades.join(','), subjects: c.subjects.join(','),
    orgSourcedId: c.orgSourcedId, schoolYearSourcedId: c.schoolYearSourcedId,
  };
}
function emptyCourseContext(): Record<string, string> {
  return { sourcedId: '', title: '', courseCode: '', grades: '', subjects: '', orgSourcedId: '', schoolYearSourcedId: '' };
}

function addDays(date: string, days: number): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

function daysBetween(a: string, b: string): number {
  return Math.round((Date.parse(`${b}T00:00:00Z`) - Date.parse(`${a}T00:00:00Z`)) / 86_400_000);
}
