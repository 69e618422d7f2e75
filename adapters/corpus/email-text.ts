/**
 * The text a mail classifier sees: the subject, a blank line, then the body's text parts decoded
 * (quoted-printable, base64, charsets) with every header dropped. Headers are dropped because they
 * identify the corpus's collection setup (relays, dates, list names) rather than what a user wrote; a
 * model trained on them would learn the mailbox, not spam. HTML is kept as written: markup is part of
 * what spam looks like. Non-text parts (images, attachments) are left out.
 */
export function emailToText(raw: string): string {
  const message = parseEntity(raw.replace(/\r\n?/g, '\n'));
  const subject = decodeEncodedWords(message.headers.get('subject') ?? '').trim();
  const body = entityText(message, 0).trim();
  return subject ? `${subject}\n\n${body}` : body;
}

interface Entity {
  /** Lower-cased header names; the first occurrence of each. */
  headers: Map<string, string>;
  body: string;
}

const HEADER_LINE = /^([!-9;-~]+):[ \t]*(.*)$/;
const MAX_DEPTH = 8;

function parseEntity(text: string): Entity {
  const end = text.indexOf('\n\n');
  const head = end === -1 ? text : text.slice(0, end);
  const body = end === -1 ? '' : text.slice(end + 2);
  const headers = new Map<string, string>();
  let current: string | null = null;
  for (const line of head.split('\n')) {
    if (/^[ \t]/.test(line) && current !== null) {
      // A folded header line continues the previous header.
      headers.set(current, `${headers.get(current)} ${line.trim()}`);
      continue;
    }
    const match = HEADER_LINE.exec(line);
    // Lines that are not headers (the mbox "From " line) are skipped.
    current = null;
    if (!match) continue;
    const name = match[1]!.toLowerCase();
    if (headers.has(name)) continue;
    headers.set(name, match[2]!);
    current = name;
  }
  return { headers, body };
}

function entityText(entity: Entity, depth: number): string {
  const contentType = entity.headers.get('content-type') ?? 'text/plain';
  const mediaType = contentType.split(';')[0]!.trim().toLowerCase();
  if (mediaType.startsWith('multipart/') && depth < MAX_DEPTH) {
    const boundary = parameter(contentType, 'boundary');
    if (boundary) {
      return multipartBodies(entity.body, boundary)
        .map((part) => entityText(parseEntity(part), depth + 1))
        .filter((text) => text.trim().length > 0)
        .join('\n\n');
    }
  }
  if (mediaType === 'message/rfc822' && depth < MAX_DEPTH)
    return entityText(parseEntity(entity.body), depth + 1);
  if (mediaType !== '' && !mediaType.startsWith('text/') && !mediaType.startsWith('multipart/')) return '';
  return decodeBody(
    entity.body,
    entity.headers.get('content-transfer-encoding'),
    parameter(contentType, 'charset'),
  );
}

function multipartBodies(body: string, boundary: string): string[] {
  const parts: string[] = [];
  let current: string[] | null = null;
  for (const line of body.split('\n')) {
    const trimmed = line.trimEnd();
    if (trimmed === `--${boundary}--`) break;
    if (trimmed === `--${boundary}`) {
      if (current) parts.push(current.join('\n'));
      current = [];
      continue;
    }
    // Text before the first boundary is the preamble ("This is a multi-part message..."): skipped.
    current?.push(line);
  }
  if (current) parts.push(current.join('\n'));
  return parts;
}

function parameter(headerValue: string, name: string): string | null {
  const match = new RegExp(`(?:^|;)\\s*${name}\\s*=\\s*(?:"([^"]*)"|([^;\\s]+))`, 'i').exec(headerValue);
  return match ? (match[1] ?? match[2] ?? null) : null;
}

function decodeBody(body: string, transferEncoding: string | undefined, charset: string | null): string {
  const encoding = transferEncoding?.trim().toLowerCase();
  if (encoding === 'quoted-printable') return decodeBytes(quotedPrintableBytes(body), charset);
  if (encoding === 'base64')
    return decodeBytes(Buffer.from(body.replace(/[^A-Za-z0-9+/=]/g, ''), 'base64'), charset);
  return body;
}

function quotedPrintableBytes(text: string): Uint8Array {
  const unfolded = text.replace(/=[ \t]*\n/g, '');
  const bytes: number[] = [];
  for (let i = 0; i < unfolded.length; i++) {
    const code = unfolded.charCodeAt(i);
    if (code === 0x3d && /^[0-9A-Fa-f]{2}$/.test(unfolded.slice(i + 1, i + 3))) {
      bytes.push(Number.parseInt(unfolded.slice(i + 1, i + 3), 16));
      i += 2;
    } else if (code < 0x100) {
      bytes.push(code);
    } else {
      for (const byte of Buffer.from(unfolded[i]!, 'utf8')) bytes.push(byte);
    }
  }
  return Uint8Array.from(bytes);
}

/** Decodes with the declared charset when the runtime knows it, else as Windows-1252 (never throws). */
function decodeBytes(bytes: Uint8Array, charset: string | null): string {
  try {
    return new TextDecoder(charset?.trim() || 'windows-1252').decode(bytes);
  } catch {
    return new TextDecoder('windows-1252').decode(bytes);
  }
}

/** RFC 2047 encoded words, as in `Subject: =?iso-8859-1?Q?Caf=E9?=`. */
function decodeEncodedWords(value: string): string {
  return value
    .replace(/(\?=)\s+(=\?)/g, '$1$2')
    .replace(
      /=\?([^?]+)\?([QqBb])\?([^?]*)\?=/g,
      (_whole, charset: string, kind: string, payload: string) => {
        const bytes =
          kind.toUpperCase() === 'B'
            ? Buffer.from(payload, 'base64')
            : quotedPrintableBytes(payload.replace(/_/g, ' '));
        return decodeBytes(bytes, charset);
      },
    );
}
