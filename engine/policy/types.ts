/**
 * The resolved policy: what `loadPolicies()` returns after YAML → schema (ajv) → semantic checks.
 * The planner only ever sees this shape. The written (YAML) shape is documented by the JSON Schema
 * in engine/policy/policy.schema.json and by policies/*.yaml; its keys are the same as here unless a
 * comment says otherwise.
 */
import type { EnrollmentType } from '../model/canvas.js';
import type { InputLimits } from '../util/limits.js';

/** Where a value was written, for messages: `policies/rules.yaml:12:5`. */
export interface PolicySource {
  file: string;
  line: number;
  column: number;
  /** JSON pointer inside the document, e.g. `/identifiers/users/student/user_id`. */
  path: string;
}

/**
 * A compiled identifier/name formula (Handlebars, no prototype access, whitelisted helpers only:
 * lower, upper, trim, pad, slice, replace, default). `render` never throws for a validated template.
 */
export interface Template {
  source: string;
  /** Top-level context fields the template reads (validated against the entity's field list). */
  fields: string[];
  render(context: Record<string, unknown>): string;
  where: PolicySource;
}

export type MissingAction = 'delete' | 'conclude' | 'inactivate' | 'suspend' | 'ignore';
export type ManualAction = 'ignore' | 'adopt' | 'flag';
export type Verdict = 'ok' | 'needs-approval' | 'blocked';
export type ViolationVerdict = Exclude<Verdict, 'ok'>;

/** How an OneRoster REST service is reached (`sources.sis.rest`). Secrets are named, never written. */
export interface RestSource {
  /** Base of the rostering service, no trailing slash: `https://sis.example.org/ims/oneroster/v1p1`. */
  url: string;
  auth: 'oauth1' | 'oauth2';
  /** OAuth 1.0a signature method (oauth1 only). */
  signatureMethod: 'HMAC-SHA256' | 'HMAC-SHA1';
  /** OAuth 2 token endpoint (oauth2 only; null for oauth1). */
  tokenUrl: string | null;
  /** OAuth 2 scope(s), space-separated; null sends none. */
  scope: string | null;
  /** Names of the environment variables holding the client id (OAuth 1 consumer key) and secret. */
  clientIdEnv: string;
  clientSecretEnv: string;
  /** `limit` asked per page. */
  pageSize: number;
}

/** A OneRoster CSV zip or folder on an SFTP server (`sources.sis.sftp`), fetched by engine/sources/sftp.ts. */
export interface SftpSource {
  host: string;
  port: number;
  user: string;
  /** Remote path of the zip, or of a folder of CSV files. */
  path: string;
  /** Pinned host key fingerprint, `SHA256:<base64>` as `ssh-keygen -l` prints it. */
  /** Absent: unpinned, refused at fetch time with the fingerprint to pin. */
  hostKey?: string;
  /** Name of the environment variable holding the password (exactly one of passwordEnv, privateKeyEnv). */
  passwordEnv?: string;
  /** Name of the environment variable holding the private key (PEM/OpenSSH text). */
  privateKeyEnv?: string;
}

/** A OneRoster CSV zip fetched over HTTPS (`sources.sis.download`), fetched by engine/sources/download.ts. */
export interface DownloadSource {
  url: string;
  /** Header name → name of the environment variable holding its value. */
  headers: Record<string, string>;
}

export type SisSourceKind = 'path' | 'rest' | 'sftp' | 'download';

export interface Sources {
  sis: {
    /** `oneroster-1.1` (1.2 files are read too: roles.csv is folded into users). */
    format: 'oneroster-1.1' | 'oneroster-1.2';
    /** Which of path, rest, sftp, download the policy names (exactly one); absent means `path`. */
    kind?: SisSourceKind;
    /**
     * Absolute path of a directory or .zip, resolved relative to the YAML file that named it;
     * '' when the export is fetched (rest, sftp, download).
     */
    path: string;
    rest?: RestSource;
    sftp?: SftpSource;
    download?: DownloadSource;
    /** Where `sources.sis` was written, for messages about the source itself. */
    where?: PolicySource;
  };
  canvas: {
    /** Absolute path of a provisioning report directory or .zip (offline mode). */
    snapshot: string | null;
    /** Base URL of the Canvas instance, e.g. https://district.instructure.com (live mode). */
    url: string | null;
    /** Root account id (`1`, `self`, or `sis_account_id:X`). */
    account: string;
    /** Name of the environment variable holding the Canvas token (never the token itself). */
    tokenEnv: string;
  };
}

export interface Scope {
  /** OneRoster org sourcedIds of schools to sync; null = every school. */
  schools: string[] | null;
  /** academicSession types that become Canvas terms (default: schoolYear, semester, term). */
  sessionTypes: string[];
  /** academicSession sourcedIds to sync; null = every session of the chosen types. */
  terms: string[] | null;
  /** OneRoster user roles to sync (default: student, teacher, aide). */
  roles: string[];
}

/** Formulas per Canvas column. A missing optional column means "leave the cell empty". */
export interface AccountFormulas { account_id: Template; name: Template }
export interface TermFormulas { term_id: Template; name: Template }
export interface CourseFormulas { course_id: Template; short_name: Template; long_name: Template; integration_id?: Template }
export interface SectionFormulas { section_id: Template; name: Template; integration_id?: Template }
export interface UserFormulas {
  user_id: Template;
  login_id: Template;
  email?: Template;
  first_name: Template;
  last_name: Template;
  full_name?: Template;
  sortable_name?: Template;
  short_name?: Template;
  integration_id?: Template;
}

export interface Identifiers {
  accounts: AccountFormulas;
  terms: TermFormulas;
  courses: CourseFormulas;
  sections: SectionFormulas;
  /**
   * Per OneRoster role (`student`, `teacher`, `aide`, `administrator`, ...). The written form has a
   * `default` block and per-role blocks that override single columns; the loader resolves them so
   * every role in scope has a complete set here.
   */
  users: Record<string, UserFormulas>;
}

/** First matching rule wins; every present condition must match. */
export interface AuthRule {
  /** OneRoster roles. */
  role?: string[];
  /** School org sourcedIds (a user matches if any of their orgs is listed). */
  school?: string[];
  /** Grades (a user matches if any of their grades is listed). */
  grade?: string[];
  /** Regular expression tested against the built sis user_id. */
  idPattern?: RegExp;
  /** Regular expression tested against the built email. */
  emailPattern?: RegExp;
  /** Canvas `authentication_provider_id`: numeric id or provider type (`saml`, `google`, ...). */
  provider: string;
  where: PolicySource;
}

export interface AuthProviders {
  rules: AuthRule[];
  /** Provider for users no rule matches; null = not tied to a provider. */
  default: string | null;
}

export interface TermOverride {
  /** Canvas term_id (as built by the term formula) this override applies to. */
  term: string;
  name?: string;
  /** YYYY-MM-DD, read at midnight in `timezone`. */
  startDate?: string;
  endDate?: string;
  /** Per-enrollment-type date overrides (terms.csv `date_override_enrollment_type` rows). */
  enrollmentTypes: Partial<Record<EnrollmentType, { startDate: string | null; endDate: string | null }>>;
  where: PolicySource;
}

export interface EnrollmentDates {
  /** How to read OneRoster endDate: `exclusive` (spec) or `inclusive` (what many SIS send). */
  endDateConvention: 'exclusive' | 'inclusive';
  /**
   * The PowerSchool exit-date problem: an enrollment ending within this many days of its term's
   * end is treated as running to the term end (not as an early drop). null = off.
   */
  alignToTermEndWithinDays: number | null;
  /** What an enrollment whose (adjusted) end date has passed becomes. */
  ended: 'completed' | 'inactive' | 'deleted' | 'active';
}

export interface EntityRule<M extends MissingAction = MissingAction> {
  /** What a SIS-managed Canvas object missing from the SIS becomes. */
  missing: M;
  /** What to do with Canvas objects created by hand (no SIS id / not created by SIS). */
  manual: ManualAction;
  /** Canvas columns the SIS owns: only these are compared and written on update. */
  owns: string[];
}

export interface Rules {
  accounts: EntityRule<'delete' | 'ignore'>;
  terms: EntityRule<'delete' | 'ignore'>;
  courses: EntityRule<'delete' | 'conclude' | 'ignore'> & {
    /** `class`: one Canvas course per OneRoster class; `course-term`: one per (course, school, term), classes as sections. */
    grouping: 'class' | 'course-term';
    /** Status written for new and updated courses: `active` (unpublished), `published`. */
    publish: 'active' | 'published';
  };
  sections: EntityRule<'delete' | 'ignore'>;
  users: EntityRule<'delete' | 'suspend' | 'ignore'> & {
    /** How a manual Canvas user is matched to an SIS person when their login differs. */
    matchBy: ('email' | 'name')[];
  };
  enrollments: EntityRule<'delete' | 'conclude' | 'inactivate' | 'ignore'> & {
    /** OneRoster enrollment role (or `teacher:secondary` for primary=false teachers) → Canvas role; null = not synced. */
    roles: Record<string, string | null>;
  };
}

export interface DropGuard {
  /** Largest allowed share (0..1) of the SIS-managed objects of this entity that the plan drops. */
  maxShare: number | null;
  /** Largest allowed number of drops. */
  maxCount: number | null;
  onViolation: ViolationVerdict;
}

export interface ProtectGuard {
  entity: 'accounts' | 'terms' | 'courses' | 'sections' | 'users' | 'enrollments';
  /** Plan actions this protects against (`drop`, `update`, `create`, `adopt`). */
  actions: string[];
  /** Only enrollments of these Canvas roles (enrollments only). */
  roles?: string[];
  /** Only drops that would write this status (e.g. `deleted`). */
  dropStatus?: string[];
  onViolation: ViolationVerdict;
  where: PolicySource;
}

export interface Guards {
  drops: Partial<Record<'accounts' | 'terms' | 'courses' | 'sections' | 'users' | 'enrollments', DropGuard>>;
  protect: ProtectGuard[];
  /** Empty or shrunken export: SIS count / Canvas SIS-managed count below minRatio. */
  shrink: { minRatio: number; minCanvasCount: number; onViolation: ViolationVerdict };
  /** Verdict per risk kind (e.g. `duplicate-account: needs-approval`). */
  risks: Record<string, Verdict>;
  /** Who may approve a plan outside guards (pull-request issue). */
  approvals: { required: number; reviewers: string[] };
}

export interface Config {
  /** Policy directory (absolute). */
  dir: string;
  /** Files read, relative to the current directory, in name order. */
  files: string[];
  /** sha256 hex over the files read. */
  digest: string;
  version: 1;
  sources: Sources;
  /** IANA zone for OneRoster calendar dates (the Canvas root account's zone). */
  timezone: string;
  /** Date the plan is computed for (YYYY-MM-DD); null = today, decided by the CLI. */
  asOf: string | null;
  scope: Scope;
  identifiers: Identifiers;
  authProviders: AuthProviders;
  termOverrides: TermOverride[];
  enrollmentDates: EnrollmentDates;
  rules: Rules;
  guards: Guards;
  /** Show names and emails unmasked in pull-request comments (private repositories only). */
  showPersonalData: boolean;
  apply: ApplySettings;
  /** Caps on the inputs read (`limits:`, util/limits.ts); the defaults when absent. */
  limits?: InputLimits;
}

export interface ApplySettings {
  /** respect: imports skip sticky fields; override: SIS wins; override-and-clear: SIS wins and marks are cleared. */
  stickiness: 'respect' | 'override' | 'override-and-clear';
  updateSisIdIfLoginClaimed: boolean;
  pollIntervalSeconds: number;
  timeoutMinutes: number;
}
