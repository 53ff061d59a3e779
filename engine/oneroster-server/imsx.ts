/**
 * The imsx status payloads the REST binding answers errors with (reference oneroster.md §2.5):
 * `imsx_codeMajor`, `imsx_severity`, `imsx_description`, `imsx_CodeMinor.imsx_codeMinorField[]`.
 */
export type CodeMinor =
  | 'invalid_filter_field' | 'invalid_selection_field' | 'invalid_sort_field' | 'invaliddata' | 'unauthorisedrequest'
  | 'forbidden' | 'unknownobject' | 'server_busy' | 'internal_server_error' | 'unsupported_method';

export interface ImsxStatus {
  imsx_codeMajor: 'success' | 'failure';
  imsx_severity: 'status' | 'error' | 'warning';
  imsx_description: string;
  imsx_CodeMinor: { imsx_codeMinorField: { imsx_codeMinorFieldName: string; imsx_codeMinorFieldValue: CodeMinor }[] };
}

/** Canvas asks providers to start the description with the SIS name (reference §2.5). */
const SYSTEM = 'rosterops OneRoster server';

export function imsxStatus(codeMinor: CodeMinor, description: string, severity: ImsxStatus['imsx_severity'] = 'error'): ImsxStatus {
  return {
    imsx_codeMajor: severity === 'warning' ? 'success' : 'failure',
    imsx_severity: severity,
    imsx_description: `${SYSTEM}: ${description}`,
    imsx_CodeMinor: { imsx_codeMinorField: [{ imsx_codeMinorFieldName: 'TargetEndSystem', imsx_codeMinorFieldValue: codeMinor }] },
  };
}

/** A request the server refuses, with its HTTP status and imsx code. */
export class ImsxError extends Error {
  constructor(readonly status: number, readonly codeMinor: CodeMinor, description: string, readonly headers: Record<string, string> = {}) {
    super(description);
  }

  payload(): ImsxStatus {
    return imsxStatus(this.codeMinor, this.message);
  }
}
