// Escaping for the three places the report puts text: HTML, JSON inside <script>, and inlined JS/CSS.

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]!);
}

/**
 * JSON that is safe inside `<script type="application/json">`: `<`, `>` and `&` become \u escapes, so no
 * string can close the tag or open a comment (`</script>`, `<!--`); U+2028/2029 too, for old JS parsers.
 */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/**
 * Inlined third-party JS: a literal `</script` (in a string, regex or comment) would end the element early.
 * `<\/` means the same as `</` in all of those, unicode regexes included.
 */
export function inlineScript(source: string): string {
  return source.replace(/<\/(script)/gi, '<\\/$1');
}

export function inlineStyle(source: string): string {
  return source.replace(/<\/(style)/gi, '<\\/$1');
}

export type Cell = string | { html: string; className?: string };

/** A right-aligned cell of escaped text (figures). */
export const num = (text: string): Cell => ({ html: escapeHtml(text), className: 'num' });

function cell(tag: 'td' | 'th', c: Cell): string {
  if (typeof c === 'string') return `<${tag}>${escapeHtml(c)}</${tag}>`;
  return `<${tag}${c.className ? ` class="${escapeHtml(c.className)}"` : ''}>${c.html}</${tag}>`;
}

/** A plain table; string cells are escaped, `{ html }` cells are trusted markup built by the report. */
export function table(head: Cell[], rows: Cell[][], className = '', rowClass?: (index: number) => string): string {
  const thead = head.length ? `<thead><tr>${head.map((c) => cell('th', c)).join('')}</tr></thead>` : '';
  const tbody = rows.map((r, row) => {
    const cls = rowClass?.(row);
    const cells = r.map((c, i) => cell(i === 0 && head.length === 0 ? 'th' : 'td', c)).join('');
    return `<tr${cls ? ` class="${escapeHtml(cls)}"` : ''}>${cells}</tr>`;
  });
  return `<table${className ? ` class="${className}"` : ''}>${thead}<tbody>${tbody.join('')}</tbody></table>`;
}

/** Key/value rows for nested plain data (config, environment): nested objects become dotted keys. */
export function flatten(value: unknown, prefix = '', out: Array<[string, unknown]> = [], depth = 0): Array<[string, unknown]> {
  if (value !== null && typeof value === 'object' && !Array.isArray(value) && depth < 4) {
    const entries = Object.entries(value as Record<string, unknown>);
    if (entries.length === 0 && prefix) out.push([prefix, {}]);
    for (const [k, v] of entries) flatten(v, prefix ? `${prefix}.${k}` : k, out, depth + 1);
  } else {
    out.push([prefix || '(value)', value]);
  }
  return out;
}

export function plainValue(value: unknown): string {
  if (value === undefined) return '-';
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return Number.isInteger(value) ? value.toLocaleString('en-US') : String(value);
  const json = JSON.stringify(value);
  return json === undefined ? String(value) : json;
}
