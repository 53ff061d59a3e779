/**
 * The state dump (`dump()`, `GET /__emulator/state`): the whole account as a `CanvasState`
 * (nothing filtered, term overrides and login providers included) plus the emulator's internals — every object with
 * its Canvas id, sis_batch_id and stuck fields, users and logins separately, SIS imports and
 * reports as their API JSON. Never contains the token.
 */
import type { CanvasState } from '../model/canvas.js';
import type { EmulatorCore } from './core.js';
import { NO_FILTER, toCanvasState } from './report-state.js';

export interface EmulatorDump extends CanvasState {
  emulator: {
    rootAccountId: number;
    defaultTermId: number;
    accounts: Record<string, unknown>[];
    terms: Record<string, unknown>[];
    courses: Record<string, unknown>[];
    sections: Record<string, unknown>[];
    users: Record<string, unknown>[];
    logins: Record<string, unknown>[];
    communicationChannels: Record<string, unknown>[];
    enrollments: Record<string, unknown>[];
    sisImports: unknown[];
    reports: unknown[];
  };
}

export function dumpState(core: EmulatorCore, baseUrl: string): EmulatorDump {
  const { store } = core;
  return {
    ...toCanvasState(store, NO_FILTER),
    // As the Authentication Providers API lists them: a dump written as a snapshot reads provider ids as a live read does.
    authProviders: [...store.authProviders.values()].sort((x, y) => x.id - y.id).map((p) => ({ id: String(p.id), auth_type: p.authType })),
    emulator: {
      rootAccountId: store.rootAccountId,
      defaultTermId: store.defaultTermId,
      accounts: plain(store.accounts.values()),
      terms: plain(store.terms.values()),
      courses: plain(store.courses.values()),
      sections: plain(store.sections.values()),
      users: plain(store.users.values()),
      logins: plain(store.logins.values()),
      communicationChannels: plain(store.channels.values()),
      enrollments: plain(store.enrollments.values()),
      sisImports: core.sis.all.map((b) => b.toJson(baseUrl, core.files)),
      reports: core.reports.reports.map((r) => r.toJson(baseUrl, core.files)),
    },
  };
}

/** Objects with Sets as sorted arrays and Maps as plain objects, ready for JSON. */
function plain(items: Iterable<object>): Record<string, unknown>[] {
  return [...items].map((o) => JSON.parse(JSON.stringify(o, (_k, v: unknown) => {
    if (v instanceof Set) return [...v].sort();
    if (v instanceof Map) return Object.fromEntries(v);
    return v;
  })) as Record<string, unknown>);
}

