/** The policy loader's public entry; the loader itself lives in load/, one job per module. */
export { loadPolicies, type LoadOptions, type LoadResult } from './load/index.js';
export { createPolicyAjv, policySchema } from './load/schema.js';
export { dotted, pointer } from './load/positions.js';
