/**
 * The plan: a serialisable value (Terraform-style) that `plan` writes, `show` and `comment` render
 * and `apply` executes. Everything another command needs is in here; nothing refers back to
 * in-memory objects. Bump PLAN_FORMAT_VERSION on any incompatible change.
 */
import type { EntityName } from './canvas.js';
import type { Verdict } from '../policy/types.js';

/** 2: the planId also covers changes, reasons, roles, risks' texts, the verdict, summary and labels; files carry a fileDigest. */
export const PLAN_FORMAT_VERSION = '2';

export type Action = 'create' | 'update' | 'adopt' | 'drop';
export const ACTIONS: readonly Action[] = ['create', 'update', 'adopt', 'drop'];

/** Which Canvas SIS import file a row goes to. `term_overrides` rows go to terms.csv. */
export type ImportFileName = 'accounts' | 'terms' | 'courses' | 'sections' | 'users' | 'logins' | 'enrollments';
export const IMPORT_FILE_NAMES: readonly ImportFileName[] = ['accounts', 'terms', 'courses', 'sections', 'users', 'logins', 'enrollments'];

export interface FieldChange {
  field: string;
  before: string | null;
  after: string | null;
}

export interface OperationReason {
  /** Policy rule or mechanism behind the operation, e.g. `rules.users.missing=suspend`. */
  rule: string;
  /** Human sentence, e.g. `in the SIS, not in Canvas`. */
  text: string;
  /** Source row in the SIS export, when there is one (`users.csv:17`). */
  source?: string;
}

export interface ImportRow {
  file: ImportFileName;
  /** Cells keyed by Canvas column name; apply writes them in IMPORT_COLUMNS order. */
  cells: Record<string, string>;
}

export interface Operation {
  entity: EntityName;
  action: Action;
  /** Stable key: SIS id (or `section|user|role` for enrollments, `term|type` for term overrides). */
  key: string;
  /** Canvas id of the object, when it already exists. */
  canvasId: string | null;
  changes: FieldChange[];
  reason: OperationReason;
  /** The import rows that carry out this operation, in the order they must be sent. */
  rows: ImportRow[];
  /** For enrollments: the Canvas role; lets guards and the comment slice by role. */
  role?: string;
  /** Account (school) SIS id this operation belongs to, for blast-radius summaries. */
  account?: string | null;
  /** Term SIS id this operation belongs to, when it has one. */
  term?: string | null;
  /** Indexes into plan.risks that concern this operation. */
  risks?: number[];
  /**
   * Set by the planner when the operation takes access away, whatever its action label
   * (engine/plan/access-effects.ts): how, and the enrollments Canvas ends on its own because of it
   * (a concluded or deleted course, a deleted section or user, an ended term), per Canvas role.
   */
  access?: OperationAccess;
}

/** How an operation takes access away: `suspends` a user, `concludes` an enrollment or course, `ends` a term… */
export type AccessEffect = 'suspends' | 'deletes' | 'concludes' | 'deactivates' | 'ends';
export const ACCESS_EFFECTS: readonly AccessEffect[] = ['suspends', 'deletes', 'concludes', 'deactivates', 'ends'];

export interface OperationAccess {
  effect: AccessEffect;
  /** Enrollments Canvas concludes or deletes with this object (not operations of the plan), per role. */
  cascadedEnrollments?: Record<string, number>;
  /**
   * An enrollment concluded (or deactivated) after its term ended in Canvas, with no date override
   * keeping its type in: Canvas already ended its access by date, so the drop limits and protected
   * sets do not count it (a semester's end is not a mass unenrolment).
   */
  afterTermEnd?: true;
}

export type RiskKind = 'duplicate-account' | 'login-claimed' | 'ambiguous-match' | 'sticky-conflict' | 'manual-object' | 'unknown-state' | 'unmatched-term-override';
export const RISK_KINDS: readonly RiskKind[] = ['duplicate-account', 'login-claimed', 'ambiguous-match', 'sticky-conflict', 'manual-object', 'unknown-state', 'unmatched-term-override'];

export interface Risk {
  kind: RiskKind;
  entity: EntityName;
  /** Keys of the objects involved (SIS ids, `canvas:<id>` for objects without one). */
  keys: string[];
  explanation: string;
  suggestedFix: string;
}

export interface VerdictReason {
  /** Guard that tripped, e.g. `guards.drops.enrollments.maxShare`. */
  guard: string;
  requires: Exclude<Verdict, 'ok'>;
  message: string;
}

export interface PlanVerdict {
  status: Verdict;
  reasons: VerdictReason[];
}

export type Summary = Partial<Record<EntityName, Partial<Record<Action, number>>>>;

export interface PlanInputs {
  config: string;
  sis: string;
  canvas: string;
  /** Calendar date the plan was computed for; enrollment end dates are judged against it. */
  asOf: string;
  /**
   * Where each side came from, as the plan header shows it (absent in plans made before it was
   * recorded, and in plans built in memory). Outside the planId, like the digests: a live read and
   * a snapshot of the same Canvas give the same plan.
   */
  sources?: PlanSourceNames;
}

/** `sis`: `OneRoster CSV examples/maple-valley/oneroster (760 users)`; `canvas`: `live https://…` or `snapshot <path>`. Paths and URLs only, never a credential. */
export interface PlanSourceNames {
  sis: string;
  canvas: string;
}

export interface Plan {
  formatVersion: string;
  /** `sha256:<hex>` of what apply sends and what reviewers judge (plan.ts planIdOf): what an approval names. */
  planId: string;
  /**
   * `sha256:<hex>` of the whole file minus this field (plan-file.ts). Set when the plan is written;
   * a plan in memory has none. Guards what is displayed but may move without the effect moving.
   */
  fileDigest?: string;
  inputs: PlanInputs;
  summary: Summary;
  operations: Operation[];
  risks: Risk[];
  verdict: PlanVerdict;
  /** Counts the guards used, per entity: SIS-managed objects in Canvas and desired objects. */
  counts: Partial<Record<EntityName, { desired: number; canvasManaged: number; canvasTotal: number }>>;
  /** Notes that are not operations (e.g. sources that could not tell term overrides). */
  notes: string[];
  /** Display names of the accounts (schools) and terms operations point at, for summaries. */
  labels: { accounts: Record<string, string>; terms: Record<string, string> };
}
