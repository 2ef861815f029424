// Reading a target's /metrics: what is asked for, how much is read, and how a refused answer is quoted.

export const SCRAPE_ACCEPT =
  'application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1';

export type FetchLike = (input: string, init?: RequestInit) => Promise<Response>;

/** The body as text, refusing one over `maxBytes` (announced or streamed) without reading the rest of it. */
export async function readLimited(res: Response, maxBytes: number, url: string): Promise<string> {
  const tooLarge = (): Error =>
    new Error(`GET ${url}: the body is larger than ${maxBytes} bytes (${formatMiB(maxBytes)}), the scrape limit; not read`);
  const announced = Number(res.headers.get('content-length') ?? NaN);
  if (announced > maxBytes) {
    await res.body?.cancel().catch(() => undefined);
    throw tooLarge();
  }
  if (!res.body) return '';
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  let size = 0;
  let text = '';
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel().catch(() => undefined);
      throw tooLarge();
    }
    text += decoder.decode(value, { stream: true });
  }
  return text + decoder.decode();
}

function formatMiB(bytes: number): string {
  return `${+(bytes / 1024 ** 2).toFixed(2)} MiB`;
}

export function formatValue(v: number): string {
  return Number.isNaN(v) ? 'NaN' : v === Infinity ? '+Inf' : v === -Infinity ? '-Inf' : String(v);
}

export function excerpt(body: string, max = 200): string {
  const flat = body.replace(/\s+/g, ' ').trim();
  return JSON.stringify(flat.length > max ? `${flat.slice(0, max)}…` : flat);
}
