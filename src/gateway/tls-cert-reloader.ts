/**
 * TLS certificate files kept in force: read and checked at start-up, then watched, so a renewed
 * certificate reaches new connections without a restart. A pair that does not load (a half-written
 * file, a key that does not match) is refused with one log line and the last good pair stays.
 */
import { readFileSync, watch, type FSWatcher } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { createSecureContext, type SecureContextOptions } from 'node:tls';
import type { Logger } from 'pino';
import { ConfigError } from '../wire/index.js';
import type { TlsFileOptions } from './options.js';

/** A certificate chain and its private key, PEM bytes as read from the files. */
export interface CertPair {
  readonly cert: Buffer;
  readonly key: Buffer;
}

/** What takes a new certificate for new connections (`tls.Server`, `https.Server`); throws, keeping the old one, for an unusable pair. */
export interface SecureContextTarget {
  setSecureContext(options: SecureContextOptions): void;
}

/** Quiet time after a file event before re-reading, in ms: writers touch the two files in turn. */
const DEBOUNCE_MS = 100;

/** Throws when the pair cannot serve TLS (not PEM, key does not match the certificate, ...). */
function checkPair(pair: CertPair): void {
  createSecureContext({ cert: pair.cert, key: pair.key });
}

/** Reads and checks the files at start-up; a ConfigError names the option when they are unusable. */
export function loadCertPair(option: string, files: TlsFileOptions): CertPair {
  let pair: CertPair;
  try {
    pair = { cert: readFileSync(files.certFile), key: readFileSync(files.keyFile) };
  } catch (err) {
    throw new ConfigError(`gateway option ${option}.certFile/keyFile cannot be read: ${(err as Error).message}`);
  }
  try {
    checkPair(pair);
  } catch (err) {
    throw new ConfigError(`gateway option ${option}: ${files.certFile} and ${files.keyFile} are not a usable certificate and key: ${(err as Error).message}`);
  }
  return pair;
}

function samePair(a: CertPair | undefined, b: CertPair): boolean {
  return a !== undefined && a.cert.equals(b.cert) && a.key.equals(b.key);
}

/** Watches one acceptor's certificate files and swaps the server's secure context when they change. */
export class TlsCertReloader {
  readonly #option: string;
  readonly #files: TlsFileOptions;
  readonly #target: SecureContextTarget;
  readonly #logger: Logger;
  #current: CertPair;
  /** The last pair refused, so a broken file is logged once, not on every check. */
  #refused: CertPair | undefined;
  /** A pair that failed once; it is refused if it is still there at the next check. */
  #suspect: CertPair | undefined;
  /** Set while the files cannot be read, so that too is logged once. */
  #unreadable = false;
  #watchers: FSWatcher[] = [];
  #debounce: NodeJS.Timeout | undefined;
  #poll: NodeJS.Timeout | undefined;
  #checking: Promise<boolean> = Promise.resolve(false);
  #closed = false;

  /** @param option the option's name in log lines (`ws.tls`). @param initial the pair the server started with. */
  constructor(option: string, files: TlsFileOptions, target: SecureContextTarget, initial: CertPair, logger: Logger) {
    this.#option = option;
    this.#files = files;
    this.#target = target;
    this.#current = initial;
    this.#logger = logger;
  }

  /**
   * Watches the folders (not the files: renaming a new file over the old one, as atomic writers and
   * mounted secrets do, would silence a watch on the old file) and starts the periodic re-read.
   */
  start(): void {
    for (const dir of new Set([dirname(this.#files.certFile), dirname(this.#files.keyFile)])) {
      try {
        const w = watch(dir, () => this.#schedule());
        w.on('error', (err) => this.#logger.warn({ err, dir }, `${this.#option} folder watch failed; periodic check continues`));
        this.#watchers.push(w);
      } catch (err) {
        this.#logger.warn({ err, dir }, `${this.#option} folder cannot be watched; periodic check only`);
      }
    }
    const every = this.#files.reloadCheckMs ?? 10_000;
    if (every > 0) {
      this.#poll = setInterval(() => void this.check(), every);
      this.#poll.unref();
    }
  }

  /** Re-reads the files now; resolves true when a new pair was put in force. Checks never overlap. */
  check(): Promise<boolean> {
    this.#checking = this.#checking.then(() => (this.#closed ? false : this.#reload()));
    return this.#checking;
  }

  /** Stops watching; the server keeps the certificate it has. */
  close(): void {
    this.#closed = true;
    clearTimeout(this.#debounce);
    clearInterval(this.#poll);
    for (const w of this.#watchers) w.close();
    this.#watchers = [];
  }

  #schedule(): void {
    if (this.#closed) return;
    clearTimeout(this.#debounce);
    this.#debounce = setTimeout(() => void this.check(), DEBOUNCE_MS);
    this.#debounce.unref();
  }

  async #reload(): Promise<boolean> {
    let pair: CertPair;
    try {
      const [cert, key] = await Promise.all([readFile(this.#files.certFile), readFile(this.#files.keyFile)]);
      pair = { cert, key };
      this.#unreadable = false;
    } catch (err) {
      if (!this.#unreadable) this.#logger.error({ err }, `${this.#option}: certificate files cannot be read; the current certificate stays`);
      this.#unreadable = true;
      return false;
    }
    if (samePair(this.#current, pair) || samePair(this.#refused, pair)) return false;
    try {
      // Builds the new context, and throws for a pair that cannot serve TLS: no separate check needed.
      this.#target.setSecureContext({ cert: pair.cert, key: pair.key });
    } catch (err) {
      // Files read while a renewal rewrites them can be one old and one new: look again shortly
      // before calling the change broken.
      if (!samePair(this.#suspect, pair)) {
        this.#suspect = pair;
        this.#schedule();
        return false;
      }
      this.#refused = pair;
      this.#logger.error({ err, certFile: this.#files.certFile, keyFile: this.#files.keyFile }, `${this.#option}: new certificate refused; the current one stays`);
      return false;
    }
    this.#current = pair;
    this.#refused = undefined;
    this.#suspect = undefined;
    this.#logger.info({ certFile: this.#files.certFile }, `${this.#option}: certificate reloaded`);
    return true;
  }
}
