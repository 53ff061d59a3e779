/** The written shape of the merged policy (after schema validation), before defaults are applied. */
import type { EnrollmentType } from '../../model/canvas.js';
import type { ManualAction, Verdict, ViolationVerdict } from '../types.js';
import type { InputLimits } from '../../util/limits.js';
import type { Entity } from './defaults.js';

type Tpl = string;
interface WrittenRule {
  missing?: string;
  manual?: ManualAction;
  owns?: string[];
  grouping?: 'class' | 'course-term';
  publish?: 'active' | 'published';
  matchBy?: ('email' | 'name')[];
  roles?: Record<string, string | null>;
}
interface WrittenDrop {
  maxShare?: number | null;
  maxCount?: number | null;
  onViolation?: ViolationVerdict;
}
interface WrittenProtect {
  entity: Entity;
  actions: string[];
  roles?: string[];
  dropStatus?: string[];
  onViolation?: ViolationVerdict;
}
export interface WrittenPolicy {
  version?: 1;
  sources?: {
    sis: {
      format?: 'oneroster-1.1' | 'oneroster-1.2';
      path?: string;
      rest?: {
        url: string; auth: 'oauth1' | 'oauth2'; signatureMethod?: 'HMAC-SHA256' | 'HMAC-SHA1'; tokenUrl?: string; scope?: string;
        clientIdEnv?: string; clientSecretEnv?: string; pageSize?: number;
      };
      sftp?: { host: string; port?: number; user: string; path: string; hostKey?: string; passwordEnv?: string; privateKeyEnv?: string };
      download?: { url: string; headers?: Record<string, string> };
    };
    canvas: { snapshot?: string; url?: string; account?: string; tokenEnv?: string };
  };
  timezone?: string;
  asOf?: string | null;
  scope?: { schools?: string[] | null; sessionTypes?: string[]; terms?: string[] | null; roles?: string[] };
  identifiers?: {
    accounts?: Record<string, Tpl>;
    terms?: Record<string, Tpl>;
    courses?: Record<string, Tpl | null>;
    sections?: Record<string, Tpl | null>;
    users?: Record<string, Record<string, Tpl | null>>;
  };
  authProviders?: {
    rules?: { match: { role?: string[]; school?: string[]; grade?: string[]; idPattern?: string; emailPattern?: string }; provider: string | number }[];
    default?: string | number | null;
  };
  termOverrides?: {
    term: string;
    name?: string;
    startDate?: string;
    endDate?: string;
    enrollmentTypes?: Partial<Record<EnrollmentType, { startDate?: string | null; endDate?: string | null }>>;
  }[];
  enrollmentDates?: { endDateConvention?: 'exclusive' | 'inclusive'; alignToTermEndWithinDays?: number | null; ended?: 'completed' | 'inactive' | 'deleted' | 'active' };
  rules?: Partial<Record<Entity, WrittenRule>>;
  guards?: {
    drops?: Partial<Record<Entity, WrittenDrop | null>>;
    protect?: WrittenProtect[];
    shrink?: { minRatio?: number; minCanvasCount?: number; onViolation?: ViolationVerdict };
    risks?: Record<string, Verdict>;
    approvals?: { required?: number; reviewers?: string[] };
  };
  showPersonalData?: boolean;
  limits?: Partial<InputLimits>;
  apply?: { stickiness?: 'respect' | 'override' | 'override-and-clear'; updateSisIdIfLoginClaimed?: boolean; pollIntervalSeconds?: number; timeoutMinutes?: number };
}
