/**
 * JSON Schemas of the OneRoster JSON records rosterops reads (reference oneroster.md §2.5), one
 * validator per collection, compiled once. They check shapes (a reference is an object with a
 * sourcedId, a list is a list, a date is text); what a record must hold is left to the CSV
 * reader's checks, which the records go through next, so both paths say the same thing.
 * `null` is accepted wherever a field may be absent: the spec asks servers to omit absent
 * fields, and some send null instead.
 */
import { createRequire } from 'node:module';
import type { ErrorObject, ValidateFunction } from 'ajv';
import type { Collection } from './records.js';

const require = createRequire(import.meta.url);

const NULL = { type: 'null' } as const;
const text = { type: ['string', 'null'] } as const;
const id = { type: 'string', minLength: 1 } as const;
const scalar = { type: ['string', 'number', 'boolean', 'null'] } as const;
const ref = { anyOf: [{ type: 'object', required: ['sourcedId'], properties: { sourcedId: id, href: { type: 'string' }, type: { type: 'string' } } }, NULL] };
const refs = { anyOf: [{ type: 'array', items: ref }, NULL] };
const texts = { anyOf: [{ type: 'array', items: { type: 'string' } }, { type: 'string' }, NULL] };
const base = { sourcedId: id, status: text, dateLastModified: text, metadata: { type: ['object', 'null'] } };

function record(properties: Record<string, unknown>): Record<string, unknown> {
  return { type: 'object', required: ['sourcedId'], properties: { ...base, ...properties } };
}

const SCHEMAS: Record<Collection, Record<string, unknown>> = {
  orgs: record({ name: text, type: text, identifier: text, parent: ref, children: refs }),
  academicSessions: record({ title: text, type: text, startDate: text, endDate: text, parent: ref, children: refs, schoolYear: scalar }),
  courses: record({ title: text, schoolYear: ref, courseCode: text, grades: texts, subjects: texts, subjectCodes: texts, org: ref }),
  classes: record({
    title: text, classCode: text, classType: text, location: text, grades: texts, subjects: texts, subjectCodes: texts, periods: texts,
    course: ref, school: ref, terms: refs,
  }),
  users: record({
    username: text, enabledUser: scalar, givenName: text, familyName: text, middleName: text, role: text, orgs: refs, identifier: text, email: text,
    sms: text, phone: text, agents: refs, grades: texts, password: text, userMasterIdentifier: text, preferredGivenName: text, preferredFirstName: text,
    preferredMiddleName: text, preferredFamilyName: text, preferredLastName: text, primaryOrg: ref, pronouns: text,
    userIds: { anyOf: [{ type: 'array', items: { type: 'object', properties: { type: text, identifier: scalar } } }, NULL] },
    roles: {
      anyOf: [{
        type: 'array',
        items: { type: 'object', required: ['role', 'org'], properties: { roleType: text, role: { type: 'string' }, org: ref, userProfile: { anyOf: [ref, { type: 'string' }] }, beginDate: text, endDate: text } },
      }, NULL],
    },
  }),
  enrollments: record({ role: text, primary: scalar, beginDate: text, endDate: text, user: ref, class: ref, school: ref }),
};

let compiled: Map<Collection, ValidateFunction> | null = null;

/** The validator of a collection's records. */
export function recordValidator(collection: Collection): ValidateFunction {
  if (!compiled) {
    const { Ajv } = require('ajv') as typeof import('ajv');
    const ajv = new Ajv({ allErrors: false, strict: false });
    compiled = new Map(Object.entries(SCHEMAS).map(([name, schema]) => [name as Collection, ajv.compile(schema)]));
  }
  return compiled.get(collection)!;
}

/** An ajv error in words, with the JSON pointer inside the record it points at. */
export function describeShapeError(err: ErrorObject): { field: string; problem: string } {
  const field = err.instancePath === '' ? '/' : err.instancePath;
  if (err.keyword === 'required') {
    const missing = String((err.params as { missingProperty: string }).missingProperty);
    return { field: `${err.instancePath}/${missing}`, problem: `is missing` };
  }
  if (err.keyword === 'anyOf') return { field, problem: 'is not a reference ({"sourcedId": ...}), a list of them, or text, as this field must be' };
  return { field, problem: err.message ?? 'has the wrong shape' };
}
