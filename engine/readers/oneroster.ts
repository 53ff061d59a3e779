/** The OneRoster CSV reader's public entry; the reader itself lives in oneroster/, one job per module. */
export { readOneRoster, type ReadOneRosterOptions } from './oneroster/index.js';
