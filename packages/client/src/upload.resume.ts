// Where an unfinished direct upload's id is kept so a later run (a reloaded page, a new process) resumes it instead of
// starting over: keyed by what identifies the file without reading it. A browser passes `localStorage`.
import type { UploadSource } from './direct.upload.js';

/** The part of the Web Storage API this needs (`localStorage`, `sessionStorage`, or a Map-backed stand-in). */
export interface KeyValueStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

export interface ResumeStore {
  /** The upload id an earlier run started for this file, if it did not finish. */
  find(source: UploadSource): string | undefined;
  remember(source: UploadSource, uploadId: string): void;
  forget(source: UploadSource): void;
}

const PREFIX = 'reelforge.upload.';

/** Name, size and (for a browser File) last modification: the same file picked again maps to the same key. */
export function resumeKey(source: UploadSource & { lastModified?: number }): string {
  return `${PREFIX}${encodeURIComponent(source.name)}:${source.size}:${source.lastModified ?? 0}`;
}

export function resumeStore(storage: KeyValueStorage): ResumeStore {
  // Storage can refuse (private mode, quota): resuming is a convenience, an upload never fails for it.
  const attempt = <T>(fn: () => T): T | undefined => {
    try {
      return fn();
    } catch {
      return undefined;
    }
  };
  return {
    find: (source) => attempt(() => storage.getItem(resumeKey(source))) ?? undefined,
    remember: (source, uploadId) => attempt(() => storage.setItem(resumeKey(source), uploadId)),
    forget: (source) => attempt(() => storage.removeItem(resumeKey(source))),
  };
}
