/** OpenPGP detached signatures for published CSAF documents (CSAF 2.0 §7.1.19), with openpgp.js. */
import * as openpgp from 'openpgp'

export interface CsafSigner {
  /** Upper-case hex, as provider-metadata.json lists it. */
  fingerprint: string
  publicKeyArmored: string
  /** An armored detached signature over exactly these bytes. */
  sign(bytes: Uint8Array): Promise<string>
}

/**
 * Reads an armored, unprotected private key. A key that does not parse, or is passphrase
 * protected, stops start-up with the setting to fix.
 */
export async function loadSigner(armoredKey: string): Promise<CsafSigner> {
  let key: openpgp.PrivateKey
  try {
    key = await openpgp.readPrivateKey({ armoredKey })
  } catch (err) {
    throw new Error(
      `EARLYWATCH_CSAF_OPENPGP_KEY_FILE does not hold an armored OpenPGP private key: ${(err as Error).message}`,
    )
  }
  if (!key.isDecrypted())
    throw new Error(
      'EARLYWATCH_CSAF_OPENPGP_KEY_FILE holds a passphrase-protected key; export it unprotected for the signing host.',
    )
  return {
    fingerprint: key.getFingerprint().toUpperCase(),
    publicKeyArmored: key.toPublic().armor(),
    async sign(bytes) {
      const message = await openpgp.createMessage({ binary: bytes })
      return openpgp.sign({ message, signingKeys: key, detached: true, format: 'armored' })
    },
  }
}

/** Verifies a detached signature: what a CSAF downloader does (used by the tests). */
export async function verifyDetached(
  bytes: Uint8Array,
  armoredSignature: string,
  armoredPublicKey: string,
): Promise<boolean> {
  const [message, signature, publicKey] = await Promise.all([
    openpgp.createMessage({ binary: bytes }),
    openpgp.readSignature({ armoredSignature }),
    openpgp.readKey({ armoredKey: armoredPublicKey }),
  ])
  const r = await openpgp.verify({ message, signature, verificationKeys: publicKey })
  try {
    await r.signatures[0]?.verified
    return r.signatures.length > 0
  } catch {
    return false
  }
}
