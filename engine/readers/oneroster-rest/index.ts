/**
 * Pulls a roster from a OneRoster REST service (1.1 `/ims/oneroster/v1p1`, 1.2
 * `/ims/oneroster/rostering/v1p2`; reference oneroster.md §2) and reads it into a `SisSnapshot`.
 *
 * Each collection is paged (pager.ts) and each page's records are checked against the JSON shape
 * (shapes.ts), turned into the cells of the matching CSV file (records.ts) and added to a table
 * built like the CSV parser's (table-builder.ts); the page's JSON is then let go. The tables go
 * through `readOneRoster`, so the same roster over REST and as CSV gives the same snapshot, the
 * same operations and the same planId. A row's source is `rest:<collection>:<n>`, the n-th record.
 *
 * The snapshot's digest is taken of the records' content (column names and values, in the order
 * the server gave them), not of any bytes: REST and CSV of the same data have different digests,
 * and two pulls of unchanged data the same one (what apply's staleness check needs).
 *
 * Nothing is returned unless every collection was read to its end: a failure is a RemoteError
 * naming the SIS, the collection, the offset and the HTTP status.
 */
import { DataError, fromDiagnostics, type Diagnostic } from '../../errors.js';
import type { SisSnapshot } from '../../model/oneroster.js';
import type { RestSource } from '../../policy/types.js';
import { DEFAULT_LIMITS, type InputLimits } from '../../util/limits.js';
import { registerSecret } from '../../util/redact.js';
import { fileNameOf, type DataFile } from '../oneroster/files.js';
import { readOneRoster } from '../oneroster/index.js';
import { oauth1, oauth2, type Authoriser, type Credentials } from './auth.js';
import { CookieJar } from './cookies.js';
import { SisHttp, type SisHttpOptions } from './http.js';
import { pulledPackage, type PulledTable } from './package.js';
import { pullCollection } from './pager.js';
import { CELLS_OF, COLLECTIONS, HEADERS, roleCells, type Collection, type JsonRecord } from './records.js';
import { describeShapeError, recordValidator } from './shapes.js';
import { TableBuilder } from './table-builder.js';

export interface RestPullOptions {
  format: 'oneroster-1.1' | 'oneroster-1.2';
  /** Where the credentials are read from (process.env). */
  env: NodeJS.ProcessEnv;
  limits?: InputLimits;
  /** Requests in flight per collection. */
  concurrency?: number;
  http?: SisHttpOptions;
  onProgress?: (text: string) => void;
}

const LABEL_PREFIX = 'rest:';
const MAX_SHAPE_ERRORS = 20;

/** `OneRoster REST https://sis.example.org/ims/oneroster/v1p1`: how messages and the plan name the SIS. */
export function restSisName(source: RestSource): string {
  return `OneRoster REST ${source.url}`;
}

export async function pullOneRosterRest(source: RestSource, options: RestPullOptions): Promise<SisSnapshot> {
  const sisName = restSisName(source);
  const credentials = credentialsFrom(source, options.env, sisName);
  const cookies = new CookieJar();
  const http = new SisHttp(source.url, authoriserFor(source, credentials, sisName, cookies, options.http), sisName, { ...options.http, cookies });
  const version = options.format === 'oneroster-1.2' ? '1.2' : '1.1';
  const limits = options.limits ?? DEFAULT_LIMITS;
  const tables: PulledTable[] = [];
  const shapeErrors: Diagnostic[] = [];
  let roles: TableBuilder | null = null;
  for (const collection of COLLECTIONS) {
    const builder = new TableBuilder(fileNameOf(collection), `${LABEL_PREFIX}${collection}`, HEADERS[collection]);
    const validate = recordValidator(collection);
    const cellsOf = CELLS_OF[collection];
    const count = await pullCollection(http, collection, { pageSize: source.pageSize, concurrency: options.concurrency ?? 4, maxRecords: limits.rows }, (records, offset) => {
      for (let i = 0; i < records.length; i++) {
        const record = records[i] as JsonRecord;
        if (!validate(record)) {
          if (shapeErrors.length < MAX_SHAPE_ERRORS) shapeErrors.push(shapeError(sisName, collection, offset + i, record, validate.errors ?? []));
          continue;
        }
        builder.add(cellsOf(record));
        if (collection === 'users' && version === '1.2' && Array.isArray(record.roles)) {
          roles ??= new TableBuilder(fileNameOf('roles'), `${LABEL_PREFIX}users.roles`, HEADERS.roles);
          for (const cells of roleCells(record)) roles.add(cells);
        }
      }
    });
    options.onProgress?.(`${sisName}: ${collection} ${count}`);
    // A SIS that keeps no courses answers an empty list: the export then has no courses file (§1.8).
    if (collection === 'courses' && count === 0) continue;
    tables.push({ key: collection, ...builder.build() });
  }
  if (shapeErrors.length > 0) throw fromDiagnostics(DataError, shapeErrors);
  if (roles) tables.push({ key: 'roles' as DataFile, ...(roles as TableBuilder).build() });
  const pkg = pulledPackage(version, tables, LABEL_PREFIX);
  const snapshot = await readOneRoster(sisName, { listed: { pkg, enrollments: null }, limits });
  return snapshot;
}

function credentialsFrom(source: RestSource, env: NodeJS.ProcessEnv, sisName: string): Credentials {
  const clientId = env[source.clientIdEnv];
  const clientSecret = env[source.clientSecretEnv];
  const missing = [clientId ? null : source.clientIdEnv, clientSecret ? null : source.clientSecretEnv].filter((v) => v !== null);
  if (missing.length > 0) {
    throw new DataError('oneroster-rest.credentials-missing', `${sisName}: the environment variable${missing.length > 1 ? 's' : ''} ${missing.join(' and ')} ${missing.length > 1 ? 'are' : 'is'} not set`,
      { field: missing[0]! }, `Set ${missing.join(' and ')} to the client id and secret the SIS issued (in GitHub Actions, from repository or environment secrets), or name other variables with sources.sis.rest.clientIdEnv / clientSecretEnv.`);
  }
  registerSecret(clientSecret);
  return { clientId: clientId!, clientSecret: clientSecret! };
}

function authoriserFor(source: RestSource, credentials: Credentials, sisName: string, cookies: CookieJar, http: SisHttpOptions | undefined): Authoriser {
  if (source.auth === 'oauth1') return oauth1(credentials, source.signatureMethod);
  return oauth2(credentials, source.tokenUrl!, source.scope, { fetch: http?.fetch ?? fetch, timeoutMs: http?.timeoutMs ?? 60_000, sisName, cookies });
}

function shapeError(sisName: string, collection: Collection, index: number, record: JsonRecord, errors: readonly import('ajv').ErrorObject[]): Diagnostic {
  // The anyOf of a field says more than the branch that failed first.
  const chosen = errors.find((e) => e.keyword === 'anyOf') ?? errors[0]!;
  const { field, problem } = describeShapeError(chosen);
  const id = typeof record?.sourcedId === 'string' ? ` (sourcedId "${record.sourcedId}")` : '';
  return {
    severity: 'error', code: 'oneroster-rest.bad-record', file: `${LABEL_PREFIX}${collection}`, line: index + 1, field,
    message: `${sisName}: ${collection} record at offset ${index}${id}: ${field} ${problem}`,
    hint: 'The SIS sent a record that is not OneRoster JSON; tell its vendor, with the collection, offset and sourcedId above.',
  };
}
