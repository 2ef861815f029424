// Objects as files under a root folder; writes go to a temp file then rename, so a reader never sees half a segment.
import { mkdir, open, readdir, readFile, rename, rm } from 'node:fs/promises';
import { dirname, join, sep } from 'node:path';
import { StorageError, type ObjectStore } from './object-store.js';

let tmpCounter = 0;

function wrap(err: unknown, what: string): StorageError {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return new StorageError('not_found', `${what}: no such file`, { cause: err });
  if (code === 'EACCES' || code === 'EPERM') return new StorageError('access_denied', `${what}: permission denied`, { cause: err });
  return new StorageError('other', `${what}: ${(err as Error).message}`, { cause: err });
}

export class LocalStore implements ObjectStore {
  readonly location: string;
  private readonly madeDirs = new Set<string>();

  constructor(private readonly root: string) {
    this.location = `folder ${root}`;
  }

  private path(key: string): string {
    return join(this.root, ...key.split('/'));
  }

  async check(): Promise<void> {
    try {
      await mkdir(this.root, { recursive: true });
    } catch (err) {
      throw wrap(err, `create ${this.root}`);
    }
  }

  async put(key: string, parts: readonly Buffer[]): Promise<void> {
    const path = this.path(key);
    const dir = dirname(path);
    const tmp = `${path}.${process.pid}.${++tmpCounter}.tmp`;
    try {
      if (!this.madeDirs.has(dir)) {
        await mkdir(dir, { recursive: true });
        this.madeDirs.add(dir);
      }
      const fh = await open(tmp, 'w');
      try {
        // writev takes at most IOV_MAX (1024) buffers per call.
        for (let i = 0; i < parts.length; i += 1024) await fh.writev(parts.slice(i, i + 1024) as Buffer[]);
      } finally {
        await fh.close();
      }
      await rename(tmp, path);
    } catch (err) {
      this.madeDirs.delete(dir);
      await rm(tmp, { force: true }).catch(() => {});
      throw wrap(err, `write ${key}`);
    }
  }

  async get(key: string): Promise<Buffer> {
    try {
      return await readFile(this.path(key));
    } catch (err) {
      throw wrap(err, `read ${key}`);
    }
  }

  async getRange(key: string, start: number, length: number): Promise<Buffer> {
    try {
      const fh = await open(this.path(key), 'r');
      try {
        const buf = Buffer.alloc(length);
        const { bytesRead } = await fh.read(buf, 0, length, start);
        return buf.subarray(0, bytesRead);
      } finally {
        await fh.close();
      }
    } catch (err) {
      throw wrap(err, `read ${key}`);
    }
  }

  async list(prefix: string): Promise<string[]> {
    // Keys are listed from the deepest folder the prefix names, then filtered by the rest of it.
    const cut = prefix.lastIndexOf('/');
    const dirKey = cut < 0 ? '' : prefix.slice(0, cut + 1);
    let entries: string[];
    try {
      entries = await readdir(this.path(dirKey), { recursive: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw wrap(err, `list ${prefix}`);
    }
    const keys: string[] = [];
    for (const e of entries) {
      if (e.endsWith('.tmp')) continue;
      const key = dirKey + e.split(sep).join('/');
      if (key.startsWith(prefix) && !key.endsWith('/')) keys.push(key);
    }
    // readdir lists folders too; keep only files (they are the ones with an extension we write).
    return keys.filter((k) => /\.(seg|json)$/.test(k)).sort();
  }

  async delete(keys: readonly string[]): Promise<void> {
    try {
      await Promise.all(keys.map((k) => rm(this.path(k), { force: true })));
    } catch (err) {
      throw wrap(err, `delete ${keys.length} objects`);
    }
  }

  async close(): Promise<void> {}
}
