/**
 * Certificates made for a test with the `openssl` command: a throwaway CA and server certificates it
 * signs for 127.0.0.1 and localhost (subjectAltName), in a temporary folder.
 */
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A server certificate and key as files, with the certificate's SHA-256 fingerprint. */
export interface IssuedCert {
  readonly certFile: string;
  readonly keyFile: string;
  readonly fingerprint256: string;
}

/** Whether the `openssl` command can be run here. */
export function haveOpenssl(): boolean {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const EC_KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

/** A CA in a fresh temporary folder; `issue` signs server certificates with it. */
export class TestCa {
  readonly dir = mkdtempSync(join(tmpdir(), 'switchyard-tls-'));
  readonly pem: string;

  constructor() {
    this.#openssl(['req', '-x509', ...EC_KEY, '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', '/CN=Switchyard Test CA',
      '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
    this.pem = readFileSync(join(this.dir, 'ca.crt'), 'utf8');
  }

  /** A server certificate for 127.0.0.1 and localhost, as `<name>.crt` and `<name>.key`. */
  issue(name: string): IssuedCert {
    writeFileSync(join(this.dir, `${name}.ext`), 'subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n');
    this.#openssl(['req', ...EC_KEY, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${name}`]);
    this.#openssl(['x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${name}.crt`,
      '-days', '2', '-extfile', `${name}.ext`]);
    const certFile = join(this.dir, `${name}.crt`);
    return { certFile, keyFile: join(this.dir, `${name}.key`), fingerprint256: new X509Certificate(readFileSync(certFile)).fingerprint256 };
  }

  /** Removes the folder. */
  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }

  #openssl(args: string[]): void {
    execFileSync('openssl', args, { cwd: this.dir, stdio: 'pipe' });
  }
}
