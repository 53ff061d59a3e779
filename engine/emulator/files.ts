/**
 * Stored attachments (report files, uploaded CSVs, SIS error files) and Canvas's File JSON.
 * Downloads are served by http.ts at `/files/:id/download` and
 * `/accounts/:account_id/files/:id/download` (the report `file_url` form, §4.1); both need the token.
 */
import { randomUUID } from 'node:crypto';
import { nowIso, type Iso } from './store.js';

export interface StoredFile {
  id: number;
  uuid: string;
  filename: string;
  contentType: string;
  bytes: Uint8Array;
  createdAt: Iso;
}

export class FileStore {
  private readonly files = new Map<number, StoredFile>();
  private seq = 0;

  add(filename: string, contentType: string, bytes: Uint8Array): StoredFile {
    const file: StoredFile = { id: ++this.seq, uuid: randomUUID().replace(/-/g, ''), filename, contentType, bytes, createdAt: nowIso() };
    this.files.set(file.id, file);
    return file;
  }

  get(id: number): StoredFile | undefined {
    return this.files.get(id);
  }
}

export function downloadUrl(baseUrl: string, file: StoredFile): string {
  return `${baseUrl}/files/${file.id}/download?download_frd=1`;
}

/** Canvas File object (Files API), as embedded in reports and SIS imports. */
export function fileJson(baseUrl: string, file: StoredFile): Record<string, unknown> {
  return {
    id: file.id,
    uuid: file.uuid,
    folder_id: null,
    display_name: file.filename,
    filename: file.filename,
    upload_status: 'success',
    'content-type': file.contentType,
    url: downloadUrl(baseUrl, file),
    size: file.bytes.byteLength,
    created_at: file.createdAt,
    updated_at: file.createdAt,
    unlock_at: null,
    locked: false,
    hidden: false,
    lock_at: null,
    hidden_for_user: false,
    thumbnail_url: null,
    modified_at: file.createdAt,
    mime_class: file.contentType === 'application/zip' ? 'zip' : 'file',
    media_entry_id: null,
    category: 'uncategorized',
    locked_for_user: false,
  };
}
