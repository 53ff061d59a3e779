/** A small multipart/form-data reader (RFC 7578) for SIS uploads and form posts. */

export interface MultipartPart {
  name: string;
  filename: string | null;
  contentType: string | null;
  data: Buffer;
}

export function boundaryOf(contentType: string): string | null {
  const m = /boundary=(?:"([^"]+)"|([^;]+))/i.exec(contentType);
  return m ? (m[1] ?? m[2]!).trim() : null;
}

export function parseMultipart(body: Buffer, boundary: string): MultipartPart[] {
  const delimiter = Buffer.from(`--${boundary}`);
  const parts: MultipartPart[] = [];
  let at = body.indexOf(delimiter);
  while (at !== -1) {
    let start = at + delimiter.length;
    if (body.subarray(start, start + 2).toString() === '--') break; // closing delimiter
    if (body[start] === 0x0d && body[start + 1] === 0x0a) start += 2;
    const next = body.indexOf(delimiter, start);
    if (next === -1) break;
    let end = next;
    if (body[end - 2] === 0x0d && body[end - 1] === 0x0a) end -= 2;
    const part = parsePart(body.subarray(start, end));
    if (part) parts.push(part);
    at = next;
  }
  return parts;
}

function parsePart(raw: Buffer): MultipartPart | null {
  const split = raw.indexOf('\r\n\r\n');
  if (split === -1) return null;
  const headers = raw.subarray(0, split).toString('utf8').split('\r\n');
  let name: string | null = null;
  let filename: string | null = null;
  let contentType: string | null = null;
  for (const line of headers) {
    const colon = line.indexOf(':');
    if (colon === -1) continue;
    const key = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (key === 'content-disposition') {
      name = paramOf(value, 'name');
      filename = paramOf(value, 'filename');
    } else if (key === 'content-type') {
      contentType = value;
    }
  }
  if (name === null) return null;
  return { name, filename, contentType, data: raw.subarray(split + 4) };
}

function paramOf(header: string, key: string): string | null {
  const m = new RegExp(`(?:^|;)\\s*${key}="((?:[^"\\\\]|\\\\.)*)"`, 'i').exec(header) ?? new RegExp(`(?:^|;)\\s*${key}=([^;]*)`, 'i').exec(header);
  return m ? m[1]!.replace(/\\(.)/g, '$1') : null;
}
