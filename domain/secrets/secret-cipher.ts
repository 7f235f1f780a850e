import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

const ALGORITHM = 'aes-256-gcm';
const KEY_BYTES = 32;
/** GCM's recommended nonce size; a fresh random one per seal. */
const IV_BYTES = 12;

/** A secret as stored: never the value itself. */
export interface SealedSecret {
  ciphertext: Uint8Array;
  iv: Uint8Array;
  authTag: Uint8Array;
  /** Fingerprint of the key that sealed it. */
  keyId: string;
}

/** Thrown when a stored secret cannot be opened: another key sealed it, or the row was tampered with. */
export class SecretCipherError extends Error {
  override readonly name = 'SecretCipherError';
}

/**
 * AES-256-GCM with the key from DAGEN_SECRETS_KEY. The workspace and the name are the additional
 * authenticated data: a row copied to another workspace or renamed does not open.
 */
export class SecretCipher {
  /** Public fingerprint of the key (not the key): stored with each row for a future rotation. */
  readonly keyId: string;
  readonly #key: Buffer;

  constructor(key: Buffer) {
    if (key.length !== KEY_BYTES) throw new Error(`a secrets key must be ${KEY_BYTES} bytes`);
    this.#key = Buffer.from(key);
    this.keyId = createHash('sha256').update('dagen-secrets-key-id\0').update(key).digest('hex').slice(0, 16);
  }

  seal(workspaceId: string, name: string, value: string): SealedSecret {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv(ALGORITHM, this.#key, iv);
    cipher.setAAD(boundTo(workspaceId, name));
    const ciphertext = Buffer.concat([cipher.update(value, 'utf8'), cipher.final()]);
    return { ciphertext, iv, authTag: cipher.getAuthTag(), keyId: this.keyId };
  }

  open(workspaceId: string, name: string, sealed: SealedSecret): string {
    if (sealed.keyId !== this.keyId) {
      throw new SecretCipherError(
        `secret "${name}" was sealed with another key (${sealed.keyId}); this process has ${this.keyId}`,
      );
    }
    try {
      const decipher = createDecipheriv(ALGORITHM, this.#key, sealed.iv);
      decipher.setAAD(boundTo(workspaceId, name));
      decipher.setAuthTag(sealed.authTag);
      return Buffer.concat([decipher.update(sealed.ciphertext), decipher.final()]).toString('utf8');
    } catch {
      throw new SecretCipherError(`secret "${name}" does not decrypt: it was altered or moved`);
    }
  }
}

function boundTo(workspaceId: string, name: string): Buffer {
  return Buffer.from(`dagen-secret\0${workspaceId}\0${name}`, 'utf8');
}
